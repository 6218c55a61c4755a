//! Organisations through the users function, against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::accounts::organizations::Organizations;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    users::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        users::Services {
            directory: kit::directory().await,
            organizations: Organizations::new(kit::store().await),
            tickets: switchboard_domain::tickets::service::Ticketing::new(kit::store().await),
            personal_data: kit::personal_data().await,
        },
    )))
}

fn domain() -> String {
    format!("c{}.example", ulid::Ulid::new().to_string().to_lowercase())
}

#[tokio::test]
async fn admins_keep_organisations_and_new_customers_join_by_domain() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Aldo Agent").await;
    let d = domain();

    let bad = app
        .post(
            "/v1/organizations",
            json!({"domains": ["no domain"], "sharedTickets": "all"}),
            &t.owner,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "domains.0", "sharedTickets"]);

    let r = app
        .post(
            "/v1/organizations",
            json!({"name": "Globex", "domains": [d.to_uppercase()], "sharedTickets": "read"}),
            &t.owner,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["domains"], json!([d]));
    let id = r.body["id"].as_str().unwrap().to_owned();
    app.post("/v1/organizations", json!({"name": "X"}), &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/v1/organizations",
        json!({"name": "Copycat", "domains": [d]}),
        &t.owner,
    )
    .await
    .assert_problem(409, "domain_taken");

    let customer = app
        .post(
            "/v1/users",
            json!({"name": "Mia Member", "email": format!("mia@{d}"), "role": "customer"}),
            &t.owner,
        )
        .await;
    assert_eq!(customer.body["organizationId"], id.as_str());

    let seen = app
        .get(&format!("/v1/organizations/{id}"), &agent.auth)
        .await;
    assert_eq!(seen.status, 200);
    let changed = send(
        &app,
        Method::PATCH,
        &format!("/v1/organizations/{id}"),
        Some(json!({"notes": "Key account"})),
        &[("authorization", t.owner.as_str()), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(changed.body["version"], 2, "{:#}", changed.body);

    let other = app
        .post(
            "/v1/users",
            json!({"name": "Out Sider", "email": "out@elsewhere.example", "role": "customer"}),
            &t.owner,
        )
        .await;
    assert!(other.body.get("organizationId").is_none());
    let uid = other.body["id"].as_str().unwrap();
    let joined = send(
        &app,
        Method::PUT,
        &format!("/v1/users/{uid}/organization"),
        Some(json!({"organizationId": id})),
        &[("authorization", t.owner.as_str())],
    )
    .await;
    assert_eq!(
        joined.body["organizationId"],
        id.as_str(),
        "{:#}",
        joined.body
    );

    assert_eq!(
        app.delete(&format!("/v1/organizations/{id}"), &t.owner)
            .await
            .status,
        204
    );
    app.get(&format!("/v1/organizations/{id}"), &agent.auth)
        .await
        .assert_problem(404, "not_found");
    let another = TestTenant::new().await;
    let list = app.get("/v1/organizations", &another.owner).await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn staff_see_a_customers_profile_and_the_customer_sees_only_themselves() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Aldo Agent").await;
    let d = domain();
    let org = app
        .post(
            "/v1/organizations",
            json!({"name": "Globex", "domains": [d]}),
            &t.owner,
        )
        .await;
    assert_eq!(org.status, 201, "{:#}", org.body);
    let customer = t.person("customer", "Cora Customer").await;
    // The harness makes its people at its own domain: join by hand.
    let joined = send(
        &app,
        Method::PUT,
        &format!("/v1/users/{}/organization", customer.id),
        Some(json!({"organizationId": org.body["id"]})),
        &[("authorization", t.owner.as_str())],
    )
    .await;
    assert_eq!(joined.status, 200, "{:#}", joined.body);
    let noted = send(
        &app,
        Method::PATCH,
        &format!("/v1/users/{}", customer.id),
        Some(json!({"notes": "Prefers phone calls"})),
        &[("authorization", t.owner.as_str())],
    )
    .await;
    assert_eq!(
        noted.body["notes"], "Prefers phone calls",
        "{:#}",
        noted.body
    );

    let tickets = switchboard_domain::tickets::service::Ticketing::new(kit::store().await);
    let cora = kit::principal(&customer.auth).await;
    for subject in ["Printer", "VPN"] {
        tickets
            .create(
                &cora,
                switchboard_domain::tickets::input::NewTicket::new(
                    switchboard_domain::tickets::input::SubjectLine::parse(subject).unwrap(),
                    switchboard_domain::tickets::input::Body::parse("Help").unwrap(),
                ),
                None,
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
    }

    let profile = app
        .get(&format!("/v1/users/{}", customer.id), &agent.auth)
        .await;
    assert_eq!(profile.status, 200, "{:#}", profile.body);
    assert_eq!(profile.body["notes"], "Prefers phone calls");
    assert_eq!(profile.body["organization"]["name"], "Globex");
    assert_eq!(profile.body["tickets"]["open"], 2);
    assert_eq!(profile.body["tickets"]["counted"], 2);
    assert!(profile.body["tickets"]["lastActivityAt"].is_string());

    let own = app
        .get(&format!("/v1/users/{}", customer.id), &customer.auth)
        .await;
    assert_eq!(own.status, 200);
    assert!(own.body.get("notes").is_none(), "{:#}", own.body);
    assert!(own.body.get("tickets").is_none());
}
