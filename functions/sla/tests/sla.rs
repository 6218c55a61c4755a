//! The sla function and the SLA engine against the emulator: configuration
//! through the API, then clocks, announcements, escalation and views.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::sync::{Arc, Mutex};
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::sla::engine::SlaEngine;
use switchboard_domain::sla::evaluate::{SlaView, State, TargetKind, Threshold};
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::ports::SlaTimers;
use switchboard_domain::sla::ports::TicketSlaStore;
use switchboard_domain::sla::settings::SlaSettings;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, SubjectLine, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Priority;
use switchboard_domain::tickets::ticket::Status;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    sla::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        sla::Services {
            settings: SlaSettings::new(kit::store().await),
        },
    )))
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

#[derive(Default)]
struct Checks(Mutex<Vec<(SlaCheck, u32)>>);

impl SlaQueue for &Checks {
    async fn enqueue_check(&self, check: &SlaCheck, delay: u32) -> StoreResult<()> {
        self.0.lock().unwrap().push((*check, delay));
        Ok(())
    }
}

fn office() -> serde_json::Value {
    json!({"calendars": [{
        "name": "office", "timeZone": "Europe/Berlin",
        "week": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]},
        "holidays": [{"date": "2026-12-25", "yearly": true}]
    }]})
}

#[tokio::test]
async fn admins_configure_calendars_and_policies_staff_read_them() {
    let app = app().await;
    let acme = TestTenant::new().await;
    let agent = acme.person("agent", "Sam Agent").await;

    let bad = app.put("/v1/business-hours", json!({"calendars": [{"name": "x", "timeZone": "Mars/Olympus", "week": {"funday": []}}]}), &acme.owner)
    .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"calendars.0.week.funday"), "{fields:?}");

    let put = app.put("/v1/business-hours", office(), &acme.owner).await;
    assert_eq!(put.status, 200, "{:#}", put.body);
    assert_eq!(put.header("etag"), "\"1\"");
    app.put("/v1/business-hours", office(), &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    let read = app.get("/v1/business-hours", &agent.auth).await;
    assert_eq!(read.body["calendars"][0]["name"], "office");

    let policy = json!({
        "name": "Office hours",
        "targets": {"high": {"firstResponse": {"minutes": 60, "businessHours": "office"}}},
        "onBreach": [{"type": "raisePriority"}]
    });
    let created = app
        .post("/v1/sla-policies", policy.clone(), &acme.owner)
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_eq!(created.body["warnAt"], 0.75);
    let id = created.body["id"].as_str().unwrap().to_owned();

    let unknown = json!({"name": "x", "targets": {"low": {"resolution": {"minutes": 5, "businessHours": "nope"}}}});
    let r = app.post("/v1/sla-policies", unknown, &acme.owner).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "unknown_calendar");
    let r = app
        .post(
            "/v1/sla-policies",
            json!({"name": "x", "targets": {"mega": {}}}),
            &acme.owner,
        )
        .await;
    assert_eq!(r.status, 422, "an unknown priority: {:#}", r.body);

    // The calendar a policy counts in cannot be removed.
    app.put("/v1/business-hours", json!({"calendars": []}), &acme.owner)
        .await
        .assert_problem(422, "validation_failed");

    let path = format!("/v1/sla-policies/{id}");
    let stale = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"warnAt": 0.5})),
        &[
            ("authorization", acme.owner.as_str()),
            ("if-match", "\"0\""),
        ],
    )
    .await;
    stale.assert_problem(412, "precondition_failed");
    let patched = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"warnAt": 0.5})),
        &auth(&acme.owner),
    )
    .await;
    assert_eq!(patched.body["warnAt"], 0.5);

    let other = TestTenant::new().await;
    app.get(&path, &other.owner)
        .await
        .assert_problem(404, "not_found");
    let customer = acme.person("customer", "Cleo Customer").await;
    app.get("/v1/sla-policies", &customer.auth)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.delete(&path, &acme.owner).await.status, 204);
    app.get(&path, &acme.owner)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_deadline_warns_then_breaches_once_each_and_escalates() {
    let app = app().await;
    let acme = TestTenant::new().await;
    let policy = json!({
        "name": "Fast",
        "targets": {
            "normal": {"firstResponse": {"minutes": 1}},
            "high": {"firstResponse": {"minutes": 1}}
        },
        "warnAt": 0.5,
        "onWarning": [{"type": "addTag", "tag": "sla-at-risk"}],
        "onBreach": [{"type": "raisePriority"}]
    });
    let r = app.post("/v1/sla-policies", policy, &acme.owner).await;
    assert_eq!(r.status, 201, "{:#}", r.body);

    let store = kit::store().await;
    let checks = Checks::default();
    let engine = SlaEngine::new(store.clone(), &checks);
    let ticketing = Ticketing::new(store.clone());
    let customer = kit::principal(&acme.person("customer", "Ana").await.auth).await;
    let owner = kit::principal(&acme.owner).await;
    let open = |subject: &str| {
        let (ticketing, customer, subject) = (&ticketing, &customer, subject.to_owned());
        async move {
            ticketing
                .create(
                    customer,
                    NewTicket::new(
                        SubjectLine::parse(&subject).unwrap(),
                        Body::parse("Help").unwrap(),
                    ),
                    None,
                    Timestamp::now(),
                )
                .await
                .unwrap()
                .into_inner()
                .0
                .ticket
        }
    };
    let late = open("Nobody answers").await;
    let answered = open("Answered in time").await;
    let waiting = open("Waiting on the customer").await;
    let t0 = late.created_at;
    let at = |secs: i64| t0 + SignedDuration::from_secs(secs);

    // Recomputed on creation: the warning in 30 s is armed directly.
    let stored = engine
        .recompute(acme.id, late.id, at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.next_deadline,
        Some(t0 + SignedDuration::from_secs(30))
    );
    let armed = checks.0.lock().unwrap().clone();
    assert_eq!(armed.len(), 1);
    assert_eq!((armed[0].0.ticket_id, armed[0].1), (late.id, 29));

    // Before the warning nothing is announced.
    assert!(
        engine
            .check(&ticketing, acme.id, late.id, at(20))
            .await
            .unwrap()
            .is_empty()
    );
    let warned = engine
        .check(&ticketing, acme.id, late.id, at(31))
        .await
        .unwrap();
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].threshold, Threshold::Warning);
    assert_eq!(warned[0].event.kind.as_str(), "sla.warning");
    assert_eq!(warned[0].event.data["target"], "first_response");
    assert!(
        engine
            .check(&ticketing, acme.id, late.id, at(32))
            .await
            .unwrap()
            .is_empty()
    );
    let tagged = store_ticket(&ticketing, &owner, late.id).await;
    assert!(
        tagged.tags.iter().any(|t| t.as_str() == "sla-at-risk"),
        "the warning's escalation"
    );
    assert_eq!(
        store
            .ticket_sla(acme.id, late.id)
            .await
            .unwrap()
            .unwrap()
            .view,
        Some(SlaView::AtRisk)
    );

    let breached = engine
        .check(&ticketing, acme.id, late.id, at(61))
        .await
        .unwrap();
    assert_eq!(breached.len(), 1);
    assert_eq!(breached[0].event.kind.as_str(), "sla.breached");
    assert!(
        engine
            .check(&ticketing, acme.id, late.id, at(90))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store_ticket(&ticketing, &owner, late.id).await.priority,
        Priority::High,
        "the breach's escalation"
    );
    assert_eq!(
        store.sla_announced(acme.id, late.id).await.unwrap().len(),
        2,
        "one warning and one breach"
    );

    // A reply before the deadline meets the target: nothing is announced.
    ticketing
        .add_comment(
            &owner,
            answered.id,
            NewComment {
                body: Body::parse("On it").unwrap(),
                public: true,
                files: 0,
                mail: None,
            },
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let sla = engine
        .recompute(acme.id, answered.id, at(5))
        .await
        .unwrap()
        .unwrap();
    let first = sla
        .sla
        .targets
        .iter()
        .find(|t| t.kind == TargetKind::FirstResponse)
        .unwrap();
    assert_eq!(first.state, State::Met);
    assert_eq!(sla.next_deadline, None);
    assert!(
        engine
            .check(&ticketing, acme.id, answered.id, at(120))
            .await
            .unwrap()
            .is_empty()
    );

    // Pending stops the clock: no breach while pending.
    ticketing
        .update(
            &owner,
            waiting.id,
            TicketPatch {
                status: Some(Status::Pending),
                ..TicketPatch::default()
            },
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();
    let sla = engine
        .recompute(acme.id, waiting.id, at(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sla.next_deadline, None);
    assert!(
        engine
            .check(&ticketing, acme.id, waiting.id, at(600))
            .await
            .unwrap()
            .is_empty()
    );

    // The views list what is breached and what is at risk.
    let page = PageRequest::parse(None, None).unwrap();
    let listed = store
        .sla_view(acme.id, SlaView::Breached, &page)
        .await
        .unwrap();
    let ids: Vec<_> = listed.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [late.id]);
    let views = switchboard_domain::sla::views::SlaViews::new(store.clone());
    let detail = ticketing.get(&owner, late.id).await.unwrap();
    let clocks = views
        .clocks(&owner, &detail.ticket, at(600))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(clocks.policy_name, "Fast");
    assert_eq!(clocks.targets[0].state, State::Breached);
    let seen = ticketing.get(&customer, late.id).await.unwrap();
    assert!(
        views
            .clocks(&customer, &seen.ticket, at(600))
            .await
            .unwrap()
            .is_none(),
        "staff only"
    );
}

async fn store_ticket(
    ticketing: &Ticketing<switchboard_aws::DynamoStore>,
    who: &Principal,
    id: switchboard_domain::kernel::ids::TicketId,
) -> switchboard_domain::tickets::ticket::Ticket {
    ticketing.get(who, id).await.unwrap().ticket
}

#[tokio::test]
async fn the_scheduler_hands_over_what_falls_due_including_missed_minutes() {
    use switchboard_domain::sla::scheduler::{minute_of, scan};
    let app = app().await;
    let acme = TestTenant::new().await;
    let policy = json!({"name": "Slow", "targets": {"normal": {"resolution": {"minutes": 30}}}, "warnAt": 0.1});
    let r = app.post("/v1/sla-policies", policy, &acme.owner).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let store = kit::store().await;
    let ticketing = Ticketing::new(store.clone());
    let customer = kit::principal(&acme.person("customer", "Ana").await.auth).await;
    let ticket = ticketing
        .create(
            &customer,
            NewTicket::new(
                SubjectLine::parse("Slow one").unwrap(),
                Body::parse("Help").unwrap(),
            ),
            None,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .into_inner()
        .0
        .ticket;
    let armed = Checks::default();
    let engine = SlaEngine::new(store.clone(), &armed);
    // The warning in 3 minutes: too far to arm directly? No: within the
    // direct horizon, so it is armed, and the scan finds it as well.
    let stored = engine
        .recompute(acme.id, ticket.id, ticket.created_at)
        .await
        .unwrap()
        .unwrap();
    let deadline = stored.next_deadline.unwrap();
    assert_eq!(deadline, ticket.created_at + SignedDuration::from_mins(3));

    // The scheduler was down for ten minutes; the run just after the
    // deadline's minute scans every bucket it missed.
    let now = deadline + SignedDuration::from_secs(20);
    store
        .set_scheduler_cursor(minute_of(now) - SignedDuration::from_mins(10))
        .await
        .unwrap();
    let checks = Checks::default();
    let scanned = scan(&store, &&checks, now).await.unwrap();
    assert_eq!(scanned.buckets, 10 + 2);
    let found: Vec<_> = checks
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(c, _)| c.ticket_id == ticket.id)
        .cloned()
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, 0, "overdue: at once");
    assert_eq!(
        store.scheduler_cursor().await.unwrap(),
        Some(minute_of(now) + SignedDuration::from_mins(2))
    );
}
