//! The tickets function against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use futures::future::join_all;
use http::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
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

/// A request: method, path, body, extra headers.
type Attempt<'a> = (Method, String, Option<Value>, Vec<(&'a str, &'a str)>);

fn auth(a: &str) -> Vec<(&str, &str)> {
    vec![("authorization", a)]
}

async fn open(app: &Router, who: &str, body: Value) -> Reply {
    let r = app.post("/v1/tickets", body, who).await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r
}

fn id(r: &Reply) -> String {
    r.body["id"].as_str().unwrap().to_owned()
}

async fn patch(app: &Router, who: &str, ticket: &str, version: u64, body: Value) -> Reply {
    let v = format!("\"{version}\"");
    send(
        app,
        Method::PATCH,
        &format!("/v1/tickets/{ticket}"),
        Some(body),
        &[("authorization", who), ("if-match", &v)],
    )
    .await
}

#[tokio::test]
async fn a_customer_opens_a_ticket_and_an_agent_answers_it() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Cora Customer").await;
    let agent = t.person("agent", "Aldo Agent").await;

    let r = open(
        &app,
        &customer.auth,
        json!({"subject": "Cannot log in", "description": "It says my password is wrong."}),
    )
    .await;
    let tid = id(&r);
    assert_eq!(r.header("location"), format!("/v1/tickets/{tid}"));
    assert_eq!(r.body["status"], "new");
    assert_eq!(r.body["requesterId"], customer.id.to_string());
    assert_eq!(r.body["channel"], "web");
    assert_eq!(r.body["number"].as_u64().unwrap(), 1);
    assert_eq!(
        r.body["comments"][0]["body"],
        "It says my password is wrong."
    );

    let note = app
        .post(
            &format!("/v1/tickets/{tid}/comments"),
            json!({"body": format!("Looks like a lockout, @{}", agent.id), "public": false}),
            &agent.auth,
        )
        .await;
    assert_eq!(note.status, 201, "{:#}", note.body);
    assert_eq!(note.body["mentions"], json!([agent.id.to_string()]));
    let reply = app
        .post(
            &format!("/v1/tickets/{tid}/comments"),
            json!({"body": "I've unlocked your account."}),
            &agent.auth,
        )
        .await;
    assert_eq!(reply.status, 201);

    let seen_by_agent = app.get(&format!("/v1/tickets/{tid}"), &agent.auth).await;
    assert_eq!(seen_by_agent.body["comments"].as_array().unwrap().len(), 3);
    assert_eq!(
        seen_by_agent.body["status"], "open",
        "the first public reply opens a new ticket"
    );
    assert!(seen_by_agent.body["firstResponseAt"].is_string());

    // The customer never sees the internal note, by any route.
    let seen = app.get(&format!("/v1/tickets/{tid}"), &customer.auth).await;
    let bodies: Vec<&str> = seen.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            "It says my password is wrong.",
            "I've unlocked your account."
        ]
    );
    let listed = app
        .get(&format!("/v1/tickets/{tid}/comments"), &customer.auth)
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    assert!(
        !listed.body.to_string().contains("lockout") && !seen.body.to_string().contains("lockout")
    );
    let by_number = app.get("/v1/tickets/by-number/1", &customer.auth).await;
    assert!(!by_number.body.to_string().contains("lockout"));
    assert_eq!(by_number.body["id"], tid.as_str());
    app.post(
        &format!("/v1/tickets/{tid}/comments"),
        json!({"body": "x", "public": false}),
        &customer.auth,
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(&format!("/v1/tickets/{tid}/history"), &customer.auth)
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn agents_open_tickets_for_people_by_email_creating_customers_once() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ann Agent").await;
    let body = json!({"subject": "Phone call", "description": "Called about an invoice.", "channel": "chat",
        "requester": {"email": "New.Person@Example.com", "name": "New Person"}, "priority": "high", "tags": ["billing", "VIP"]});
    let first = open(&app, &agent.auth, body.clone()).await;
    let second = open(&app, &agent.auth, body).await;
    assert_eq!(
        first.body["requesterId"], second.body["requesterId"],
        "the customer is created once, then matched"
    );
    assert_eq!(first.body["tags"], json!(["billing", "vip"]));
    assert_eq!(first.body["priority"], "high");
    assert_eq!(
        first.body["comments"][0]["author"]["id"], first.body["requesterId"],
        "the description is the requester's message"
    );
    let users = kit::directory().await;
    let owner = kit::accounts()
        .await
        .authenticate(
            t.owner.trim_start_matches("Bearer "),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let requester: switchboard_domain::kernel::ids::UserId =
        first.body["requesterId"].as_str().unwrap().parse().unwrap();
    let user = users.get_user(&owner, requester).await.unwrap();
    assert_eq!(
        (user.email.as_str(), user.role.as_str()),
        ("new.person@example.com", "customer")
    );

    let bad = app.post("/v1/tickets", json!({"subject": "", "description": "", "priority": "asap", "requester": {"email": "nope"}, "assigneeId": "usr_x"}), &agent.auth).await;
    bad.assert_problem(422, "validation_failed");
    let fields: BTreeSet<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "subject",
            "description",
            "priority",
            "requester.email",
            "assigneeId"
        ])
    );
}

#[tokio::test]
async fn updates_need_if_match_record_history_and_follow_the_lifecycle() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Al Agent").await;
    let customer = t.person("customer", "Cy Customer").await;
    let r = open(
        &app,
        &customer.auth,
        json!({"subject": "Broken", "description": "It broke."}),
    )
    .await;
    let tid = id(&r);

    let blind = send(
        &app,
        Method::PATCH,
        &format!("/v1/tickets/{tid}"),
        Some(json!({"status": "open"})),
        &auth(&agent.auth),
    )
    .await;
    blind.assert_problem(428, "precondition_required");
    // `*` is as blind as no header, and a weak tag never matches.
    app.patch(
        &format!("/v1/tickets/{tid}"),
        json!({"status": "open"}),
        &agent.auth,
        "*",
    )
    .await
    .assert_problem(428, "precondition_required");
    app.patch(
        &format!("/v1/tickets/{tid}"),
        json!({"status": "open"}),
        &agent.auth,
        "W/\"1\"",
    )
    .await
    .assert_problem(412, "precondition_failed");
    let ok = patch(
        &app,
        &agent.auth,
        &tid,
        1,
        json!({"status": "pending", "priority": "urgent", "assigneeId": agent.id.to_string()}),
    )
    .await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.header("etag"), "\"2\"");
    patch(&app, &agent.auth, &tid, 1, json!({"priority": "low"}))
        .await
        .assert_problem(412, "precondition_failed");
    patch(&app, &customer.auth, &tid, 2, json!({"priority": "low"}))
        .await
        .assert_problem(403, "forbidden");

    let closed_early = patch(&app, &agent.auth, &tid, 2, json!({"status": "closed"})).await;
    closed_early.assert_problem(422, "validation_failed");
    assert_eq!(closed_early.body["errors"][0]["code"], "invalid_transition");
    let solved = patch(&app, &agent.auth, &tid, 2, json!({"status": "solved"})).await;
    assert!(solved.body["solvedAt"].is_string());

    // The customer answers a solved ticket: it reopens.
    app.post(
        &format!("/v1/tickets/{tid}/comments"),
        json!({"body": "Still broken!"}),
        &customer.auth,
    )
    .await;
    let now = app.get(&format!("/v1/tickets/{tid}"), &agent.auth).await;
    assert_eq!(now.body["status"], "open");
    assert!(now.body["solvedAt"].is_null());

    let v = now.body["version"].as_u64().unwrap();
    assert_eq!(
        patch(&app, &agent.auth, &tid, v, json!({"status": "solved"}))
            .await
            .status,
        200
    );
    let closed = patch(
        &app,
        &agent.auth,
        &tid,
        v + 1,
        json!({"status": "closed", "assigneeId": null}),
    )
    .await;
    assert_eq!(
        (
            closed.body["status"].as_str(),
            closed.body["assigneeId"].is_null()
        ),
        (Some("closed"), true)
    );
    patch(&app, &agent.auth, &tid, v + 2, json!({"status": "open"}))
        .await
        .assert_problem(422, "validation_failed");
    app.post(
        &format!("/v1/tickets/{tid}/comments"),
        json!({"body": "hello?"}),
        &customer.auth,
    )
    .await
    .assert_problem(422, "validation_failed");

    let history = app
        .get(&format!("/v1/tickets/{tid}/history"), &agent.auth)
        .await;
    let entries = history.body["items"].as_array().unwrap();
    let first = &entries[0];
    assert_eq!(
        first["actor"],
        json!({"type": "user", "id": agent.id.to_string()})
    );
    let changes: Vec<(&str, &Value, &Value)> = first["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["field"].as_str().unwrap(), &c["before"], &c["after"]))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("status", &json!("new"), &json!("pending")),
            ("priority", &json!("normal"), &json!("urgent")),
            ("assigneeId", &Value::Null, &json!(agent.id.to_string())),
        ]
    );
    assert!(
        entries
            .iter()
            .any(|e| e["actor"]["id"] == customer.id.to_string()
                && e["changes"][0]["after"] == "open"),
        "the reopening is recorded"
    );
}

#[tokio::test]
async fn comments_are_edited_with_history_and_redacted_by_their_author() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ed Agent").await;
    let other = t.person("agent", "Oz Agent").await;
    let customer = t.person("customer", "Cid Customer").await;
    let tid = id(&open(
        &app,
        &customer.auth,
        json!({"subject": "S", "description": "D"}),
    )
    .await);
    let c = app
        .post(
            &format!("/v1/tickets/{tid}/comments"),
            json!({"body": "Frist reply"}),
            &agent.auth,
        )
        .await;
    let path = format!(
        "/v1/tickets/{tid}/comments/{}",
        c.body["id"].as_str().unwrap()
    );

    send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"body": "hijack"})),
        &auth(&other.auth),
    )
    .await
    .assert_problem(403, "forbidden");
    let edited = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"body": "First reply"})),
        &auth(&agent.auth),
    )
    .await;
    assert_eq!(edited.status, 200, "{:#}", edited.body);
    assert_eq!(edited.body["revisions"][0]["body"], "Frist reply");
    let as_customer = app
        .get(&format!("/v1/tickets/{tid}/comments"), &customer.auth)
        .await;
    let shown = &as_customer.body["items"][1];
    assert_eq!(shown["body"], "First reply");
    assert!(
        shown.get("revisions").is_none(),
        "customers see the text, not its drafts"
    );

    assert_eq!(app.delete(&path, &agent.auth).await.status, 204);
    let after = app
        .get(&format!("/v1/tickets/{tid}/comments"), &agent.auth)
        .await;
    let redacted = &after.body["items"][1];
    assert_eq!(
        (redacted["deleted"].as_bool(), redacted["body"].as_str()),
        (Some(true), Some(""))
    );
    assert_eq!(redacted["revisions"], json!([]));
}

#[tokio::test]
async fn idempotency_keys_replay_the_same_ticket_and_refuse_a_different_body() {
    let app = app().await;
    let t = TestTenant::new().await;
    let body = json!({"subject": "Refund", "description": "Please refund order 7."});
    let key = [
        ("authorization", t.owner.as_str()),
        ("idempotency-key", "order-7-refund"),
    ];
    let first = send(&app, Method::POST, "/v1/tickets", Some(body.clone()), &key).await;
    assert_eq!(first.status, 201);
    let reordered: Value =
        serde_json::from_str(r#"{"description": "Please refund order 7.", "subject": "Refund"}"#)
            .unwrap();
    let again = send(&app, Method::POST, "/v1/tickets", Some(reordered), &key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(id(&again), id(&first));
    let other = send(
        &app,
        Method::POST,
        "/v1/tickets",
        Some(json!({"subject": "Refund", "description": "order 8"})),
        &key,
    )
    .await;
    other.assert_problem(422, "idempotency_key_reused");

    let tid = id(&first);
    let ckey = [
        ("authorization", t.owner.as_str()),
        ("idempotency-key", "c-1"),
    ];
    let c1 = send(
        &app,
        Method::POST,
        &format!("/v1/tickets/{tid}/comments"),
        Some(json!({"body": "Done."})),
        &ckey,
    )
    .await;
    let c2 = send(
        &app,
        Method::POST,
        &format!("/v1/tickets/{tid}/comments"),
        Some(json!({"body": "Done."})),
        &ckey,
    )
    .await;
    assert_eq!(c1.body["id"], c2.body["id"]);
    let all = app
        .get(&format!("/v1/tickets/{tid}/comments"), &t.owner)
        .await;
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        2,
        "description and one reply"
    );
    let tickets = app.get("/v1/tickets", &t.owner).await;
    assert_eq!(tickets.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_creates_get_distinct_numbers_and_concurrent_patches_one_winner() {
    let app = app().await;
    let t = TestTenant::new().await;
    let replies = join_all((0..50).map(|i| {
        let app = app.clone();
        let owner = t.owner.clone();
        async move {
            app.post(
                "/v1/tickets",
                json!({"subject": format!("T{i}"), "description": "d"}),
                owner.as_str(),
            )
            .await
        }
    }))
    .await;
    let numbers: BTreeSet<u64> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{:#}", r.body);
            r.body["number"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(numbers.len(), 50);

    let tid = id(&replies[0]);
    let (a, b) = tokio::join!(
        patch(&app, &t.owner, &tid, 1, json!({"priority": "high"})),
        patch(&app, &t.owner, &tid, 1, json!({"priority": "low"})),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
}

#[tokio::test]
async fn bulk_updates_report_each_ticket() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Bo Agent").await;
    let a = id(&open(
        &app,
        &t.owner,
        json!({"subject": "A", "description": "a", "tags": ["x"]}),
    )
    .await);
    let b = id(&open(&app, &t.owner, json!({"subject": "B", "description": "b"})).await);
    let c = id(&open(&app, &t.owner, json!({"subject": "C", "description": "c"})).await);
    // C is solved and closed: it cannot go back to pending.
    patch(&app, &t.owner, &c, 1, json!({"status": "solved"})).await;
    patch(&app, &t.owner, &c, 2, json!({"status": "closed"})).await;
    let missing = "tkt_01J9Z3Q4W5E6R7T8Y9V0A1B2C8";
    let r = app.post("/v1/tickets/bulk", json!({"ids": [a, b, c, missing], "update": {"status": "pending", "assigneeId": agent.id.to_string(), "addTags": ["bulk"], "removeTags": ["x"]}}), &agent.auth).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let items = r.body["items"].as_array().unwrap();
    let statuses: Vec<u64> = items
        .iter()
        .map(|i| i["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 200, 422, 404]);
    assert_eq!(items[0]["ticket"]["tags"], json!(["bulk"]));
    assert_eq!(items[2]["error"]["errors"][0]["code"], "invalid_transition");
    let too_many: Vec<String> = (0..101).map(|_| missing.to_owned()).collect();
    app.post(
        "/v1/tickets/bulk",
        json!({"ids": too_many, "update": {"priority": "low"}}),
        &agent.auth,
    )
    .await
    .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn custom_fields_are_validated_and_hidden_ones_stay_with_staff() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Fay Customer").await;
    let schema = json!({"fields": [
        {"key": "order", "label": "Order number", "kind": "text", "required": true, "customerVisible": true},
        {"key": "plan", "label": "Plan", "kind": "dropdown", "options": ["free", "pro"]},
        {"key": "refund", "label": "Refund amount", "kind": "number"}
    ]});
    app.put("/v1/ticket-fields", schema.clone(), &customer.auth)
        .await
        .assert_problem(403, "forbidden");
    let put = app.put("/v1/ticket-fields", schema, &t.owner).await;
    assert_eq!(put.status, 200, "{:#}", put.body);

    let missing = app
        .post(
            "/v1/tickets",
            json!({"subject": "S", "description": "D", "customFields": {"plan": "gold"}}),
            &t.owner,
        )
        .await;
    missing.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = missing.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["customFields.plan", "customFields.order"]);

    let mine = open(
        &app,
        &customer.auth,
        json!({"subject": "S", "description": "D", "customFields": {"order": "A-17"}}),
    )
    .await;
    let tid = id(&mine);
    let v = mine.body["version"].as_u64().unwrap();
    let set = patch(
        &app,
        &t.owner,
        &tid,
        v,
        json!({"customFields": {"plan": "pro", "refund": 12.5}}),
    )
    .await;
    assert_eq!(
        set.body["customFields"],
        json!({"order": "A-17", "plan": "pro", "refund": 12.5})
    );
    let seen = app.get(&format!("/v1/tickets/{tid}"), &customer.auth).await;
    assert_eq!(seen.body["customFields"], json!({"order": "A-17"}));
    let defs = app.get("/v1/ticket-fields", &customer.auth).await;
    assert_eq!(defs.body["fields"].as_array().unwrap().len(), 1);
    let listed = app.get("/v1/tickets", &customer.auth).await;
    assert_eq!(
        listed.body["items"][0]["customFields"],
        json!({"order": "A-17"})
    );
    let hidden = app.post("/v1/tickets", json!({"subject": "S", "description": "D", "customFields": {"order": "1", "plan": "pro"}}), &customer.auth).await;
    hidden.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn deleted_tickets_leave_every_view_and_can_be_restored() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Di Agent").await;
    let tid = id(&open(
        &app,
        &t.owner,
        json!({"subject": "Spam", "description": "buy now"}),
    )
    .await);
    app.delete(&format!("/v1/tickets/{tid}"), &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.delete(&format!("/v1/tickets/{tid}"), &t.owner)
            .await
            .status,
        204
    );
    app.get(&format!("/v1/tickets/{tid}"), &t.owner)
        .await
        .assert_problem(404, "not_found");
    assert!(
        app.get("/v1/tickets", &t.owner).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let back = send(
        &app,
        Method::POST,
        &format!("/v1/tickets/{tid}/restore"),
        None,
        &auth(&t.owner),
    )
    .await;
    assert_eq!(back.status, 200, "{:#}", back.body);
    assert_eq!(
        app.get("/v1/tickets?status=new", &t.owner).await.body["items"][0]["id"],
        tid.as_str()
    );
}

#[tokio::test]
async fn customers_reach_only_their_own_tickets() {
    let app = app().await;
    let t = TestTenant::new().await;
    let alice = t.person("customer", "Alice").await;
    let bob = t.person("customer", "Bob").await;
    let tid = id(&open(
        &app,
        &alice.auth,
        json!({"subject": "Mine", "description": "private"}),
    )
    .await);
    open(
        &app,
        &bob.auth,
        json!({"subject": "Bob's", "description": "b"}),
    )
    .await;
    for (m, path) in [
        (Method::GET, format!("/v1/tickets/{tid}")),
        (Method::GET, format!("/v1/tickets/{tid}/comments")),
        (Method::GET, "/v1/tickets/by-number/1".to_owned()),
    ] {
        send(&app, m, &path, None, &auth(&bob.auth))
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        &format!("/v1/tickets/{tid}/comments"),
        json!({"body": "hi"}),
        &bob.auth,
    )
    .await
    .assert_problem(404, "not_found");
    // Asking for someone else's list still yields one's own.
    let listed = app
        .get(&format!("/v1/tickets?requester={}", alice.id), &bob.auth)
        .await;
    let subjects: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, vec!["Bob's"]);
}

#[tokio::test]
async fn another_tenants_tickets_are_404_for_every_endpoint_and_nothing_changes() {
    let app = app().await;
    let a = TestTenant::new().await;
    let a_agent = a.person("agent", "A Agent").await;
    let a_ticket = open(
        &app,
        &a.owner,
        json!({"subject": "A's", "description": "secret"}),
    )
    .await;
    let tid = id(&a_ticket);
    let note = app
        .post(
            &format!("/v1/tickets/{tid}/comments"),
            json!({"body": "internal", "public": false}),
            &a_agent.auth,
        )
        .await;
    let cid = note.body["id"].as_str().unwrap().to_owned();

    let b = TestTenant::new().await;
    let b_agent = b.person("agent", "B Agent").await;
    let b_customer = b.person("customer", "B Customer").await;
    let b_key = b.api_key("admin", &["tickets:read", "tickets:write"]).await;
    let ticket = format!("/v1/tickets/{tid}");
    let comment = format!("/v1/tickets/{tid}/comments/{cid}");
    for who in [&b.owner, &b_agent.auth, &b_customer.auth, &b_key] {
        let attempts: Vec<Attempt> = vec![
            (Method::GET, ticket.clone(), None, vec![]),
            (
                Method::PATCH,
                ticket.clone(),
                Some(json!({"subject": "pwned"})),
                vec![("if-match", "\"2\"")],
            ),
            (Method::DELETE, ticket.clone(), None, vec![]),
            (Method::POST, format!("{ticket}/restore"), None, vec![]),
            (Method::GET, format!("{ticket}/history"), None, vec![]),
            (Method::GET, format!("{ticket}/comments"), None, vec![]),
            (
                Method::POST,
                format!("{ticket}/comments"),
                Some(json!({"body": "hi"})),
                vec![],
            ),
            (
                Method::PATCH,
                comment.clone(),
                Some(json!({"body": "pwned"})),
                vec![],
            ),
            (Method::DELETE, comment.clone(), None, vec![]),
            (Method::GET, "/v1/tickets/by-number/1".into(), None, vec![]),
            (
                Method::POST,
                format!("{ticket}/merge"),
                Some(json!({"sourceIds": [tid]})),
                vec![],
            ),
        ];
        for (m, path, body, extra) in attempts {
            let mut headers = vec![("authorization", who.as_str())];
            headers.extend(extra);
            let r = send(&app, m.clone(), &path, body, &headers).await;
            assert_eq!(r.status, 404, "{m} {path}: {:#}", r.body);
        }
        let bulk = app
            .post(
                "/v1/tickets/bulk",
                json!({"ids": [tid], "update": {"priority": "low"}}),
                who,
            )
            .await;
        if bulk.status == 200 {
            assert_eq!(bulk.body["items"][0]["status"], 404);
        } else {
            bulk.assert_problem(403, "forbidden");
        }
        assert!(
            app.get("/v1/tickets", who).await.body["items"]
                .as_array()
                .is_none_or(|i| i.is_empty())
        );
    }
    let after = app.get(&ticket, &a.owner).await;
    assert_eq!(after.body["subject"], "A's");
    assert_eq!(after.body["version"], 2, "only A's own note changed it");
    assert_eq!(after.body["comments"][1]["body"], "internal");
}

#[tokio::test]
async fn internal_notes_leave_no_trace_a_customer_can_count() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Nia Customer").await;
    let tid = id(&open(
        &app,
        &customer.auth,
        json!({"subject": "S", "description": "hello"}),
    )
    .await);
    for i in 0..101 {
        let r = app
            .post(
                &format!("/v1/tickets/{tid}/comments"),
                json!({"body": format!("note {i}"), "public": false}),
                &t.owner,
            )
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
    }
    app.post(
        &format!("/v1/tickets/{tid}/comments"),
        json!({"body": "public answer"}),
        &t.owner,
    )
    .await;

    let staff_view = app.get(&format!("/v1/tickets/{tid}"), &t.owner).await;
    assert_eq!(staff_view.body["moreComments"], true);
    let seen = app.get(&format!("/v1/tickets/{tid}"), &customer.auth).await;
    let bodies: Vec<&str> = seen.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["hello", "public answer"]);
    assert_eq!(
        seen.body["moreComments"], false,
        "no hint that more (internal) comments exist"
    );
    let listed = app
        .get(
            &format!("/v1/tickets/{tid}/comments?limit=100"),
            &customer.auth,
        )
        .await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    assert!(listed.body["nextCursor"].is_null());
}

#[tokio::test]
async fn concurrent_comments_on_one_ticket_all_land() {
    let app = app().await;
    let t = TestTenant::new().await;
    let customer = t.person("customer", "Busy Customer").await;
    let tid = id(&open(
        &app,
        &customer.auth,
        json!({"subject": "S", "description": "d"}),
    )
    .await);
    let path = format!("/v1/tickets/{tid}/comments");
    app.post(&path, json!({"body": "first answer"}), &t.owner)
        .await;
    let replies = join_all((0..20).map(|i| {
        let (app, path) = (app.clone(), path.clone());
        let who = if i % 2 == 0 {
            t.owner.clone()
        } else {
            customer.auth.clone()
        };
        async move {
            app.post(&path, json!({"body": format!("reply {i}")}), who.as_str())
                .await
                .status
                .as_u16()
        }
    }))
    .await;
    assert!(replies.iter().all(|s| *s == 201), "{replies:?}");
    let all = app.get(&format!("{path}?limit=100"), &t.owner).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 22);
    let ticket = app.get(&format!("/v1/tickets/{tid}"), &t.owner).await;
    assert_eq!(ticket.body["status"], "open");
    assert_eq!(
        ticket.body["version"], 22,
        "every comment moved the ticket on"
    );
}

#[tokio::test]
async fn customers_never_see_a_tickets_routing() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ann Agent").await;
    let customer = t.person("customer", "Cy Customer").await;
    let r = app
        .post(
            "/v1/tickets",
            json!({"subject": "Refund", "description": "Charged twice."}),
            &customer.auth,
        )
        .await;
    let tid = id(&r);
    let body = json!({"assigneeId": agent.id.to_string(), "tags": ["vip"]});
    assert_eq!(patch(&app, &agent.auth, &tid, 1, body).await.status, 200);
    let path = format!("/v1/tickets/{tid}");
    let seen = app.get(&path, &customer.auth).await;
    assert_eq!(seen.status, 200);
    let listed = app.get("/v1/tickets", &customer.auth).await;
    for view in [&seen.body, &listed.body["items"][0]] {
        for key in ["assigneeId", "teamId", "tags"] {
            assert!(
                view.get(key).is_none(),
                "{key} shown to a customer: {view:#}"
            );
        }
        assert_eq!(view["id"], tid.as_str());
    }
    let staff = app.get(&path, &agent.auth).await;
    assert_eq!(staff.body["assigneeId"], agent.id.to_string());
    assert_eq!(staff.body["tags"], json!(["vip"]));
    assert!(staff.body["teamId"].is_null());
}

async fn put_participants(
    app: &Router,
    ticket: &str,
    who: &str,
    version: Option<&str>,
    body: Value,
) -> Reply {
    let mut headers = vec![("authorization", who)];
    headers.extend(version.map(|v| ("if-match", v)));
    let path = format!("/v1/tickets/{ticket}/participants");
    send(app, Method::PUT, &path, Some(body), &headers).await
}

#[tokio::test]
async fn staff_replace_a_tickets_participants_with_if_match() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ann Agent").await;
    let customer = t.person("customer", "Cy Customer").await;
    let r = open(
        &app,
        &agent.auth,
        json!({"subject": "Outage", "description": "Down.", "requester": {"email": "req@example.com"}}),
    )
    .await;
    let tid = id(&r);
    let email = customer.email.as_str();
    let one = json!({"participants": [email]});
    put_participants(&app, &tid, &agent.auth, None, one.clone())
        .await
        .assert_problem(428, "precondition_required");
    let bad = json!({"participants": [email, "nope"]});
    let bad = put_participants(&app, &tid, &agent.auth, Some("\"1\""), bad).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "participants.1");
    let ok = put_participants(&app, &tid, &agent.auth, Some("\"1\""), one).await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["participants"], json!([email.to_lowercase()]));
    assert_eq!(ok.header("etag"), "\"2\"");
    // The participant now reads the ticket and its participants.
    let seen = app
        .get(&format!("/v1/tickets/{tid}/participants"), &customer.auth)
        .await;
    assert_eq!(seen.status, 200, "{:#}", seen.body);
    assert_eq!(seen.body["version"], 2);
    let clear = json!({"participants": []});
    put_participants(&app, &tid, &customer.auth, Some("\"2\""), clear)
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn staff_set_followers_whom_customers_never_see() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Fay Follower").await;
    let customer = t.person("customer", "Cy Customer").await;
    let r = open(
        &app,
        &agent.auth,
        json!({"subject": "Outage", "description": "Down.", "requester": {"id": customer.id.to_string()}}),
    )
    .await;
    let tid = id(&r);
    let me = agent.id.to_string();
    let bad = patch(
        &app,
        &agent.auth,
        &tid,
        1,
        json!({"followers": [me, "usr_nope"]}),
    )
    .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "followers");
    let not_staff = json!({"followers": [customer.id.to_string()]});
    let refused = patch(&app, &agent.auth, &tid, 1, not_staff).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.body["errors"][0]["code"], "invalid_follower");
    let ok = patch(&app, &agent.auth, &tid, 1, json!({"followers": [me]})).await;
    assert_eq!(ok.status, 200, "{:#}", ok.body);
    assert_eq!(ok.body["followers"], json!([me]));
    let staff_view = app.get(&format!("/v1/tickets/{tid}"), &agent.auth).await;
    assert_eq!(staff_view.body["followers"], json!([me]));
    let customer_view = app.get(&format!("/v1/tickets/{tid}"), &customer.auth).await;
    assert_eq!(customer_view.status, 200, "{:#}", customer_view.body);
    assert!(customer_view.body.get("followers").is_none());
    assert!(customer_view.body.get("subject").is_some());
}
