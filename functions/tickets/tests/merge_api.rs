//! Merging and splitting tickets through the tickets function, against the
//! emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, Calls, Reply, TestTenant, send};

async fn app() -> Router {
    tickets::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        tickets::Services {
            tickets: Ticketing::new(kit::store().await),
            attachments: kit::attachments().await,
            sla: switchboard_domain::sla::views::SlaViews::new(kit::store().await),
            macros: switchboard_domain::automation::applying::Macros::new(kit::store().await),
            surveys: [5; 32],
        },
    )))
}

async fn open(app: &Router, who: &str, subject: &str) -> Value {
    let r = app
        .post(
            "/v1/tickets",
            json!({"subject": subject, "description": "It broke."}),
            who,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body
}

async fn merge(app: &Router, who: &str, target: &Value, body: Value, key: Option<&str>) -> Reply {
    let mut headers = vec![("authorization", who)];
    if let Some(k) = key {
        headers.push(("idempotency-key", k));
    }
    let path = format!("/v1/tickets/{}/merge", target["id"].as_str().unwrap());
    send(app, Method::POST, &path, Some(body), &headers).await
}

/// The (field, code) pairs of a problem's errors.
fn fields(r: &Reply) -> Vec<(&str, &str)> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn an_agent_merges_a_customers_second_ticket_into_the_first() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Cora Customer").await;
    let agent = t.person("agent", "Aldo Agent").await;
    let first = open(&app, &customer.auth, "Printer on fire").await;
    let second = open(&app, &customer.auth, "Printer on fire again").await;

    let body = json!({
        "sourceIds": [second["id"]],
        "comment": "Same problem: we continue on the first one.",
        "public": true
    });
    let r = merge(&app, &agent.auth, &first, body.clone(), Some("m-1")).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["mergedFrom"], json!([second["id"]]));
    let again = merge(&app, &agent.auth, &first, body, Some("m-1")).await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.body["version"], r.body["version"]);

    let sid = second["id"].as_str().unwrap();
    let source = app.get(&format!("/v1/tickets/{sid}"), &customer.auth).await;
    assert_eq!(source.body["status"], "closed");
    assert_eq!(source.body["mergedInto"], first["id"]);
    let notes = source.body["comments"].as_array().unwrap();
    assert_eq!(
        notes.last().unwrap()["body"],
        "Same problem: we continue on the first one."
    );

    let fid = first["id"].as_str().unwrap();
    let target = app.get(&format!("/v1/tickets/{fid}"), &customer.auth).await;
    let copied: Vec<&Value> = target.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("copiedFrom").is_some())
        .collect();
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0]["copiedFrom"]["number"], second["number"]);

    let by_number = app
        .get(
            &format!("/v1/tickets/by-number/{}", second["number"]),
            &customer.auth,
        )
        .await;
    assert_eq!(by_number.body["id"], first["id"]);
    assert_eq!(by_number.body["reachedFrom"], second["number"]);
}

#[tokio::test]
async fn refused_sources_are_named_field_by_field_and_customers_cannot_merge() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Cora Customer").await;
    let agent = t.person("agent", "Aldo Agent").await;
    let target = open(&app, &agent.auth, "Target").await;
    let other = TestTenant::new().await;
    let theirs = open(&app, &other.owner, "Theirs").await;

    let r = merge(
        &app,
        &agent.auth,
        &target,
        json!({"sourceIds": [target["id"], theirs["id"], "tkt_nonsense"]}),
        None,
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(fields(&r), [("sourceIds.2", "invalid_id")]);

    let r = merge(
        &app,
        &agent.auth,
        &target,
        json!({"sourceIds": [target["id"], theirs["id"]]}),
        None,
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        fields(&r),
        [("sourceIds.0", "is_target"), ("sourceIds.1", "not_found")]
    );

    let mine = open(&app, &customer.auth, "Mine").await;
    let also = open(&app, &customer.auth, "Also mine").await;
    merge(
        &app,
        &customer.auth,
        &mine,
        json!({"sourceIds": [also["id"]]}),
        None,
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn an_agent_splits_a_second_problem_into_its_own_ticket() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Cora Customer").await;
    let agent = t.person("agent", "Aldo Agent").await;
    let first = open(&app, &customer.auth, "Printer and VPN").await;
    let fid = first["id"].as_str().unwrap();
    let vpn = app
        .post(
            &format!("/v1/tickets/{fid}/comments"),
            json!({"body": "And the VPN is down."}),
            &customer.auth,
        )
        .await;
    assert_eq!(vpn.status, 201, "{:#}", vpn.body);

    let path = format!("/v1/tickets/{fid}/split");
    let body = json!({"commentIds": [vpn.body["id"]], "subject": "VPN down"});
    let headers = [
        ("authorization", agent.auth.as_str()),
        ("idempotency-key", "s-1"),
    ];
    let r = send(&app, Method::POST, &path, Some(body.clone()), &headers).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["subject"], "VPN down");
    assert_eq!(r.body["requesterId"], first["requesterId"]);
    assert_eq!(r.body["comments"][0]["body"], "And the VPN is down.");
    assert_eq!(
        r.body["comments"][0]["copiedFrom"]["number"],
        first["number"]
    );
    let again = send(&app, Method::POST, &path, Some(body), &headers).await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.body["id"], r.body["id"]);

    let refused = send(
        &app,
        Method::POST,
        &path,
        Some(json!({"commentIds": ["cmt_nonsense"], "subject": " "})),
        &[("authorization", agent.auth.as_str())],
    )
    .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        fields(&refused),
        [("commentIds.0", "invalid_id"), ("subject", "required")]
    );
}
