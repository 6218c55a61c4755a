//! The notifications function against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use jiff::Timestamp;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::{EventId, NotificationId, TenantId, TicketId, UserId};
use switchboard_domain::notifications::inbox::Inbox;
use switchboard_domain::notifications::notification::{Notification, NotificationKind};
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    notifications::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        notifications::Services {
            inbox: Inbox::new(kit::store().await),
        },
    )))
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

/// What the event router would record for `user`.
async fn notify(tenant: TenantId, user: UserId, title: &str) -> NotificationId {
    let event = EventId::new();
    let n = Notification {
        id: NotificationId::from_ulid(event.ulid()),
        tenant_id: tenant,
        user_id: user,
        kind: NotificationKind::Assigned,
        event_id: event,
        event_type: Some(EventType::TicketAssigned),
        ticket_id: Some(TicketId::new()),
        comment_id: None,
        actor: Actor::operator(),
        title: title.into(),
        created_at: Timestamp::now(),
        read_at: None,
    };
    let store = kit::store().await;
    assert!(store.add_notification(&n).await.unwrap());
    assert!(!store.add_notification(&n).await.unwrap(), "recorded once");
    n.id
}

#[tokio::test]
async fn the_bell_lists_counts_reads_and_deletes_ones_own_notifications() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ada Agent").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(notify(t.id, agent.id, &format!("n{i}")).await);
    }
    let me = auth(&agent.auth);

    let r = send(&app, Method::GET, "/v1/notifications?limit=2", None, &me).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let titles: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].clone())
        .collect();
    assert_eq!(titles, vec![json!("n2"), json!("n1")], "newest first");
    let cursor = r.body["nextCursor"].as_str().unwrap().to_owned();
    let r = send(
        &app,
        Method::GET,
        &format!("/v1/notifications?limit=2&cursor={cursor}"),
        None,
        &me,
    )
    .await;
    assert_eq!(r.body["items"][0]["title"], "n0");

    let count = |body: &serde_json::Value| body["unread"].as_u64().unwrap();
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/unread-count",
        None,
        &me,
    )
    .await;
    assert_eq!(count(&r.body), 3);

    let read_path = format!("/v1/notifications/{}/read", ids[1]);
    let r = send(&app, Method::POST, &read_path, None, &me).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["read"], true);
    // Reading again changes nothing.
    let again = send(&app, Method::POST, &read_path, None, &me).await;
    assert_eq!(again.body["readAt"], r.body["readAt"]);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/unread-count",
        None,
        &me,
    )
    .await;
    assert_eq!(count(&r.body), 2);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications?unread=true",
        None,
        &me,
    )
    .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);

    // Deleting an unread one takes it off the count.
    let r = send(
        &app,
        Method::DELETE,
        &format!("/v1/notifications/{}", ids[2]),
        None,
        &me,
    )
    .await;
    assert_eq!(r.status, 204);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/unread-count",
        None,
        &me,
    )
    .await;
    assert_eq!(count(&r.body), 1);
    send(
        &app,
        Method::DELETE,
        &format!("/v1/notifications/{}", ids[2]),
        None,
        &me,
    )
    .await
    .assert_problem(404, "not_found");

    let r = send(&app, Method::POST, "/v1/notifications/read-all", None, &me).await;
    assert_eq!(r.body, json!({"marked": 1}));
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/unread-count",
        None,
        &me,
    )
    .await;
    assert_eq!(count(&r.body), 0);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications?unread=true",
        None,
        &me,
    )
    .await;
    assert_eq!(r.body["items"], json!([]));
}

#[tokio::test]
async fn other_peoples_notifications_are_not_found_and_keys_have_none() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ada Agent").await;
    let id = notify(t.id, agent.id, "mine").await;
    let other = TestTenant::new().await;
    for who in [&t.owner, &other.owner] {
        send(
            &app,
            Method::POST,
            &format!("/v1/notifications/{id}/read"),
            None,
            &auth(who),
        )
        .await
        .assert_problem(404, "not_found");
        app.delete(&format!("/v1/notifications/{id}"), who)
            .await
            .assert_problem(404, "not_found");
    }
    send(
        &app,
        Method::POST,
        "/v1/notifications/ntf_nonsense/read",
        None,
        &auth(&agent.auth),
    )
    .await
    .assert_problem(404, "not_found");
    let key = t.api_key("admin", &["tickets:read"]).await;
    app.get("/v1/notifications", &key)
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/notifications?unread=maybe", &agent.auth)
        .await
        .assert_problem(400, "invalid_query");
}

#[tokio::test]
async fn preferences_mute_kinds_by_name() {
    let app = app().await;
    let t = TestTenant::new().await;
    let me = auth(&t.owner);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/preferences",
        None,
        &me,
    )
    .await;
    assert_eq!(r.body["muted"], json!([]));
    assert_eq!(
        r.body["kinds"].as_array().unwrap().len(),
        NotificationKind::ALL.len()
    );
    let r = send(
        &app,
        Method::PUT,
        "/v1/notifications/preferences",
        Some(json!({"muted": ["team_assigned", "mentioned"]})),
        &me,
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let r = send(
        &app,
        Method::GET,
        "/v1/notifications/preferences",
        None,
        &me,
    )
    .await;
    assert_eq!(r.body["muted"], json!(["mentioned", "team_assigned"]));
    let bad = send(
        &app,
        Method::PUT,
        "/v1/notifications/preferences",
        Some(json!({"muted": ["assigned", "all"]})),
        &me,
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "muted.1");
}
