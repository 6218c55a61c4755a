//! The webhooks function against the emulator (DynamoDB and SQS).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use switchboard_aws::queue::SqsDeliveryQueue;
use switchboard_domain::webhooks::service::Webhooks;
use switchboard_domain::webhooks::webhook::DeliveryRef;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> (Router, aws_sdk_sqs::Client, String) {
    let (client, url) = kit::queue().await;
    let router = webhooks::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        webhooks::Services {
            webhooks: Webhooks::new(
                kit::store().await,
                SqsDeliveryQueue::new(client.clone(), url.clone()),
                false,
            ),
        },
    )));
    (router, client, url)
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

#[tokio::test]
async fn admins_register_change_and_remove_endpoints_and_see_the_secret_once() {
    let (app, _, _) = app().await;
    let t = TestTenant::new().await;
    let owner = auth(&t.owner);
    let r = send(
        &app,
        Method::POST,
        "/v1/webhooks",
        Some(json!({"url": "https://hooks.example.com/in", "events": ["ticket.created", "comment.created"]})),
        &owner,
    )
    .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        r.body["events"],
        json!(["comment.created", "ticket.created"])
    );
    assert_eq!(r.header("location"), format!("/v1/webhooks/{id}"));

    let path = format!("/v1/webhooks/{id}");
    let got = send(&app, Method::GET, &path, None, &owner).await;
    assert!(got.body.get("secret").is_none(), "never shown again");
    let listed = send(&app, Method::GET, "/v1/webhooks", None, &owner).await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h.get("secret").is_none())
    );

    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"events": ["*"], "enabled": false})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["events"], json!(["*"]));
    assert_eq!(r.body["enabled"], false);
    send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"description": "late"})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await
    .assert_problem(412, "precondition_failed");

    assert_eq!(
        send(&app, Method::DELETE, &path, None, &owner).await.status,
        204
    );
    send(&app, Method::GET, &path, None, &owner)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn bad_endpoints_are_refused_field_by_field() {
    let (app, _, _) = app().await;
    let t = TestTenant::new().await;
    let r = app.post("/v1/webhooks", json!({"url": "http://hooks.example.com/in", "events": ["*", "ticket.created"], "description": "x".repeat(501)}), &t.owner)
    .await;
    r.assert_problem(422, "validation_failed");
    let fields: Vec<Value> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        vec![json!("url"), json!("description"), json!("events")]
    );
    let r = app
        .post(
            "/v1/webhooks",
            json!({"url": "https://[fd00:ec2::254]/"}),
            &t.owner,
        )
        .await;
    assert_eq!(r.body["errors"][0]["code"], "forbidden_address");
    app.post("/v1/webhooks", json!({}), &t.owner)
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn tests_and_redeliveries_are_queued_with_the_same_id_and_others_get_404() {
    let (app, sqs, url) = app().await;
    let t = TestTenant::new().await;
    let created = app
        .post(
            "/v1/webhooks",
            json!({"url": "https://hooks.example.com/in"}),
            &t.owner,
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let sent = send(
        &app,
        Method::POST,
        &format!("/v1/webhooks/{id}/test"),
        None,
        &auth(&t.owner),
    )
    .await;
    assert_eq!(sent.status, 202, "{:#}", sent.body);
    let delivery = sent.body["id"].as_str().unwrap().to_owned();
    assert_eq!(sent.body["eventType"], "webhook.test");
    let again = send(
        &app,
        Method::POST,
        &format!("/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
        None,
        &auth(&t.owner),
    )
    .await;
    assert_eq!(again.status, 202, "{:#}", again.body);
    let messages = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    let refs: Vec<DeliveryRef> = messages
        .iter()
        .map(|m| serde_json::from_str(m.body.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(refs.len(), 2);
    assert!(refs.iter().all(|r| r.delivery_id.to_string() == delivery));

    let one = app
        .get(
            &format!("/v1/webhooks/{id}/deliveries/{delivery}"),
            &t.owner,
        )
        .await;
    assert_eq!(one.body["payload"]["type"], "webhook.test");
    let list = app
        .get(&format!("/v1/webhooks/{id}/deliveries"), &t.owner)
        .await;
    assert_eq!(list.body["items"][0]["id"], delivery.as_str());

    let other = TestTenant::new().await;
    for (method, path) in [
        (Method::GET, format!("/v1/webhooks/{id}")),
        (Method::POST, format!("/v1/webhooks/{id}/rotate-secret")),
        (
            Method::GET,
            format!("/v1/webhooks/{id}/deliveries/{delivery}"),
        ),
        (
            Method::POST,
            format!("/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
        ),
        (Method::DELETE, format!("/v1/webhooks/{id}")),
    ] {
        send(&app, method, &path, None, &auth(&other.owner))
            .await
            .assert_problem(404, "not_found");
    }
    let agent = t.person("agent", "Ada Agent").await;
    app.get("/v1/webhooks", &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    let reader = t.api_key("admin", &["tickets:read"]).await;
    app.get("/v1/webhooks", &reader)
        .await
        .assert_problem(403, "forbidden");
}
