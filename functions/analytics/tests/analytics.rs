//! The analytics function against the emulator: reports for staff, the
//! aggregates the router's step writes, and problems for bad ranges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::sync::Arc;
use switchboard_domain::analytics::ports::AnalyticsStore;
use switchboard_domain::analytics::report::Analytics;
use switchboard_domain::analytics::tally::{Dimension, Group, Tally};
use switchboard_domain::kernel::ids::EventId;
use switchboard_harness::{self as kit, TestTenant, send};

async fn app() -> Router {
    analytics::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        analytics::Services {
            analytics: Analytics::new(kit::store().await),
        },
    )))
}

#[tokio::test]
async fn staff_read_what_the_router_counted_and_bad_ranges_are_refused() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Al Agent").await;
    let customer = t.person("customer", "Cy Customer").await;
    let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
    let store = kit::store().await;
    let tally = Tally {
        day: today,
        groups: vec![
            Group {
                dimension: Dimension::All,
                value: "none".into(),
            },
            Group {
                dimension: Dimension::Agent,
                value: agent.id.to_string(),
            },
        ],
        amounts: vec![
            ("created".into(), 1),
            ("replies".into(), 2),
            ("firstResponse.n".into(), 1),
            ("firstResponse.sum".into(), 600_000),
            (
                format!(
                    "firstResponse.b{}",
                    switchboard_domain::analytics::sketch::bucket(600_000)
                ),
                1,
            ),
        ],
    };
    let event = EventId::new();
    assert!(store.add_tally(t.id, event, &tally).await.unwrap());
    assert!(!store.add_tally(t.id, event, &tally).await.unwrap());

    let path = format!("/v1/analytics/tickets?from={today}&to={today}");
    let r = send(
        &app,
        Method::GET,
        &path,
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let row = &r.body["rows"][0];
    assert_eq!(row["period"], today.to_string());
    assert_eq!(
        (row["created"].as_i64(), row["replies"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(row["firstResponse"]["count"], 1);
    assert_eq!(row["firstResponse"]["mean"], 600.0);
    let p50 = row["firstResponse"]["p50"].as_f64().unwrap();
    assert!((p50 - 600.0).abs() <= 12.0, "{p50}");

    let agents = format!("/v1/analytics/agents?from={today}&to={today}");
    let mine = send(
        &app,
        Method::GET,
        &agents,
        None,
        &[("authorization", &agent.auth)],
    )
    .await;
    assert_eq!(mine.status, 200, "{:#}", mine.body);
    assert_eq!(mine.body["items"][0]["agentId"], agent.id.to_string());
    assert_eq!(mine.body["items"][0]["replies"], 2);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);

    send(
        &app,
        Method::GET,
        &path,
        None,
        &[("authorization", &customer.auth)],
    )
    .await
    .assert_problem(403, "forbidden");
    let bad = send(
        &app,
        Method::GET,
        "/v1/analytics/tickets?from=yesterday&groupBy=mood",
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    let mut fields: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(fields, ["from", "groupBy", "to"]);
    send(
        &app,
        Method::GET,
        "/v1/analytics/tickets?from=2026-02-01&to=2026-01-01",
        None,
        &[("authorization", &t.owner)],
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn sla_attainment_reads_the_counted_outcomes_per_policy_and_target() {
    let app = app().await;
    let t = TestTenant::new().await;
    let today = Timestamp::now().to_zoned(TimeZone::UTC).date();
    let policy = switchboard_domain::kernel::ids::SlaPolicyId::new();
    let tally = Tally {
        day: today,
        groups: vec![Group {
            dimension: Dimension::All,
            value: "none".into(),
        }],
        amounts: vec![
            (format!("sla.{policy}.first_response.met"), 3),
            (format!("sla.{policy}.first_response.breached"), 1),
            (format!("sla.{policy}.resolution.breached"), 2),
        ],
    };
    assert!(
        kit::store()
            .await
            .add_tally(t.id, EventId::new(), &tally)
            .await
            .unwrap()
    );
    let path = format!("/v1/analytics/sla?from={today}&to={today}");
    let r = send(
        &app,
        Method::GET,
        &path,
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let [p] = r.body["policies"].as_array().unwrap().as_slice() else {
        panic!("{:#}", r.body)
    };
    assert_eq!(p["policyId"], policy.to_string());
    assert!(p["name"].is_null(), "no such policy now");
    assert_eq!(p["targets"][0]["target"], "first_response");
    assert_eq!(p["targets"][0]["attainment"], 0.75);
    assert_eq!(
        (
            p["targets"][1]["met"].as_i64(),
            p["targets"][1]["breached"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(p["targets"][1]["attainment"], 0.0);
    send(
        &app,
        Method::GET,
        "/v1/analytics/sla?from=2026-02-01",
        None,
        &[("authorization", &t.owner)],
    )
    .await
    .assert_problem(422, "validation_failed");
}
