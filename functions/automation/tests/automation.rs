//! The automation function against the emulator: triggers, automations,
//! macros and assignment through their routes, with their problems.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::assignment::settings::AssignmentSettings;
use switchboard_domain::automation::applying::Macros;
use switchboard_domain::automation::automations::Automations;
use switchboard_domain::automation::triggers::TriggerRules;
use switchboard_harness::{self as kit, TestTenant, send};

async fn app() -> Router {
    let store = kit::store().await;
    automation::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        automation::Services {
            triggers: TriggerRules::new(store.clone()),
            macros: Macros::new(store.clone()),
            assignment: AssignmentSettings::new(store.clone()),
            automations: Automations::new(store),
        },
    )))
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

#[tokio::test]
async fn triggers_are_written_by_admins_ordered_and_read_by_staff() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Al Agent").await;
    let rule = |title: &str| {
        json!({"title": title, "on": ["ticket.created"],
               "actions": [{"type": "addTags", "tags": ["x"]}]})
    };
    let first = send(
        &app,
        Method::POST,
        "/v1/triggers",
        Some(rule("First")),
        &auth(&t.owner),
    )
    .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let second = send(
        &app,
        Method::POST,
        "/v1/triggers",
        Some(rule("Second")),
        &auth(&t.owner),
    )
    .await;
    assert_eq!(second.status, 201);
    send(
        &app,
        Method::POST,
        "/v1/triggers",
        Some(rule("No")),
        &auth(&agent.auth),
    )
    .await
    .assert_problem(403, "forbidden");
    let bad = send(
        &app,
        Method::POST,
        "/v1/triggers",
        Some(json!({"title": "x", "on": ["ticket.created"], "actions": [{"type": "explode"}]})),
        &auth(&t.owner),
    )
    .await;
    assert!(matches!(bad.status.as_u16(), 400 | 422), "{:?}", bad.body);
    let etag = second.header("etag").to_owned();
    let order = json!({"ids": [second.body["id"], first.body["id"]]});
    let reordered = send(
        &app,
        Method::PUT,
        "/v1/triggers/order",
        Some(order.clone()),
        &[
            ("authorization", t.owner.as_str()),
            ("if-match", etag.as_str()),
        ],
    )
    .await;
    assert_eq!(reordered.status, 200, "{:?}", reordered.body);
    send(
        &app,
        Method::PUT,
        "/v1/triggers/order",
        Some(order),
        &[
            ("authorization", t.owner.as_str()),
            ("if-match", etag.as_str()),
        ],
    )
    .await
    .assert_problem(412, "precondition_failed");
    let listed = send(&app, Method::GET, "/v1/triggers", None, &auth(&agent.auth)).await;
    let titles: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Second", "First"]);
    let other = TestTenant::new().await;
    let path = format!("/v1/triggers/{}", first.body["id"].as_str().unwrap());
    send(&app, Method::GET, &path, None, &auth(&other.owner))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn automations_must_undo_their_own_conditions() {
    let app = app().await;
    let t = TestTenant::new().await;
    let conditions = json!({"all": [
        {"field": "status", "operator": "is", "value": "solved"},
        {"field": "hoursSince", "clock": "solved", "operator": "greater_than", "hours": 96}
    ]});
    let nag = send(
        &app,
        Method::POST,
        "/v1/automations",
        Some(json!({"title": "Nag", "conditions": conditions,
                    "actions": [{"type": "setPriority", "priority": "high"}]})),
        &auth(&t.owner),
    )
    .await;
    nag.assert_problem(422, "validation_failed");
    assert_eq!(nag.body["errors"][0]["code"], "not_nullifying");
    let close = send(
        &app,
        Method::POST,
        "/v1/automations",
        Some(json!({"title": "Close", "conditions": conditions,
                    "actions": [{"type": "setStatus", "status": "closed"}]})),
        &auth(&t.owner),
    )
    .await;
    assert_eq!(close.status, 201, "{:?}", close.body);
    assert_eq!(close.body["position"], 0);
}

#[tokio::test]
async fn agents_set_their_availability_and_admins_their_skills() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Al Agent").await;
    let other = t.person("agent", "Bo Agent").await;
    let me = send(
        &app,
        Method::PUT,
        "/v1/users/me/availability",
        Some(json!({"status": "online"})),
        &auth(&agent.auth),
    )
    .await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    let theirs = format!("/v1/users/{}/availability", other.id);
    send(
        &app,
        Method::PUT,
        &theirs,
        Some(json!({"status": "online"})),
        &auth(&agent.auth),
    )
    .await
    .assert_problem(403, "forbidden");
    let skills = format!("/v1/users/{}/skills", agent.id);
    let bad = send(
        &app,
        Method::PUT,
        &skills,
        Some(json!({"skills": ["ok", "no spaces"]})),
        &auth(&t.owner),
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "skills.1");
    let set = send(
        &app,
        Method::PUT,
        &skills,
        Some(json!({"skills": ["ES", "billing"]})),
        &auth(&t.owner),
    )
    .await;
    assert_eq!(set.body["skills"], json!(["billing", "es"]));
    let agents = send(&app, Method::GET, "/v1/agents", None, &auth(&agent.auth)).await;
    let row = agents.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["userId"] == json!(agent.id.to_string()))
        .cloned()
        .unwrap();
    assert_eq!(
        (row["availability"].as_str(), row["open"].as_i64()),
        (Some("online"), Some(0))
    );
}
