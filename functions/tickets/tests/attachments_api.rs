//! Attachments through the tickets function against the emulator: a real
//! PUT to the presigned URL (moto's S3), then attach, list, download.
//! (A file unlike its declaration is refused: `tests/e2e/test_attachments.py`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use serde_json::{Value, json};
use std::sync::Arc;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, Calls, TestTenant};

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

async fn put(upload: &Value, body: &[u8]) {
    let client = reqwest::Client::new();
    let mut request = client
        .put(upload["url"].as_str().unwrap())
        .body(body.to_vec());
    for (k, v) in upload["headers"].as_object().unwrap() {
        request = request.header(k, v.as_str().unwrap());
    }
    let r = request.send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test]
async fn a_note_s_file_goes_up_and_down_through_presigned_requests_for_staff_only() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ada Agent").await;
    let customer = t.person("customer", "Cal Customer").await;
    let ticket = app
        .post(
            "/v1/tickets",
            json!({"subject": "Logs", "description": "x"}),
            &customer.auth,
        )
        .await;
    let tid = ticket.body["id"].as_str().unwrap().to_owned();
    let declare =
        |size: usize| json!({"filename": "trace.log", "contentType": "text/plain", "size": size});

    let upload = app
        .post(
            &format!("/v1/tickets/{tid}/attachments/uploads"),
            declare(11),
            &agent.auth,
        )
        .await;
    assert_eq!(upload.status, 201, "{:#}", upload.body);
    put(&upload.body, b"hello world").await;
    let note = app
        .post(
            &format!("/v1/tickets/{tid}/comments"),
            json!({"body": "see trace", "public": false, "attachments": [upload.body["uploadId"]]}),
            &agent.auth,
        )
        .await;
    assert_eq!(note.status, 201, "{:#}", note.body);

    let staff = app
        .get(&format!("/v1/tickets/{tid}/attachments"), &agent.auth)
        .await;
    let items = staff.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["commentId"], note.body["id"]);
    assert_eq!(items[0]["public"], false);
    let customer_view = app
        .get(&format!("/v1/tickets/{tid}/attachments"), &customer.auth)
        .await;
    assert_eq!(customer_view.body["items"], json!([]));
    let id = items[0]["id"].as_str().unwrap();
    app.get(&format!("/v1/attachments/{id}/download"), &customer.auth)
        .await
        .assert_problem(404, "not_found");
    let download = app
        .get(&format!("/v1/attachments/{id}/download"), &agent.auth)
        .await;
    assert_eq!(download.status, 302);
    let body = reqwest::get(download.header("location"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"hello world");
}
