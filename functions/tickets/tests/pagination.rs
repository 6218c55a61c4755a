//! 250 tickets paged through every list view at page sizes 7, 50 and 100:
//! each ticket exactly once, in order; filtered views keep pages full.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, Calls, TestTenant};

const TICKETS: usize = 250;

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

/// Every page of `query` at `limit`, in order.
async fn walk(app: &Router, auth: &str, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..=TICKETS {
        let mut path = format!("/v1/tickets?{query}&limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, auth).await;
        assert_eq!(page.status, 200, "{path}: {:#}", page.body);
        let got = page.body["items"].as_array().unwrap().clone();
        assert!(got.len() <= limit as usize);
        let next = page.body["nextCursor"].as_str().map(str::to_owned);
        if next.is_some() {
            assert_eq!(
                got.len(),
                limit as usize,
                "{query}: a page with a cursor after it is full"
            );
        }
        items.extend(got);
        match next {
            Some(c) => cursor = Some(c),
            None => return items,
        }
    }
    panic!("{query}: more pages than tickets");
}

fn check_order(items: &[Value], field: &str, descending: bool, what: &str) {
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|t| {
            (
                t[field].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let parsed = |v: &[(String, String)]| {
        v.iter()
            .map(|(t, _)| t.parse::<jiff::Timestamp>().unwrap())
            .collect::<Vec<_>>()
    };
    let mut expected = parsed(&keys);
    expected.sort();
    if descending {
        expected.reverse();
    }
    assert_eq!(parsed(&keys), expected, "{what}: not in {field} order");
}

#[tokio::test]
async fn every_view_pages_each_ticket_exactly_once_in_order() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Page Agent").await;
    let customer = t.person("customer", "Page Customer").await;
    let team = kit::directory()
        .await
        .create_team(
            &kit::accounts()
                .await
                .authenticate(
                    t.owner.trim_start_matches("Bearer "),
                    jiff::Timestamp::now(),
                )
                .await
                .unwrap(),
            switchboard_domain::accounts::input::NewTeam {
                name: "Pagers".into(),
                description: String::new(),
                members: [agent.id].into(),
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();

    let created: Vec<Value> = futures::stream::iter(0..TICKETS)
        .map(|i| {
            let app = app.clone();
            let owner = t.owner.clone();
            let body = json!({
                "subject": format!("Ticket {i}"),
                "description": "paging",
                "requester": {"id": customer.id.to_string()},
                "assigneeId": agent.id.to_string(),
                "teamId": team.id.to_string(),
                "priority": if i % 3 == 0 { "high" } else { "normal" },
                "tags": if i % 5 == 0 { vec!["five"] } else { vec![] },
            });
            async move {
                let r = app.post("/v1/tickets", body, owner.as_str()).await;
                assert_eq!(r.status, 201, "{:#}", r.body);
                r.body
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let all: BTreeSet<String> = created
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), TICKETS);
    let high: BTreeSet<String> = created
        .iter()
        .filter(|t| t["priority"] == "high")
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let fives: BTreeSet<String> = created
        .iter()
        .filter(|t| t["tags"] == json!(["five"]))
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();

    let views = [
        "x=1".to_owned(),
        "status=new".to_owned(),
        format!("assignee={}", agent.id),
        format!("team={}", team.id),
        format!("requester={}", customer.id),
    ];
    for view in &views {
        let view = view.trim_start_matches("x=1");
        for limit in [7, 50, 100] {
            let items = walk(&app, &t.owner, view, limit).await;
            let ids: Vec<String> = items
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(ids.len(), TICKETS, "{view} @{limit}: count");
            assert_eq!(
                ids.iter().cloned().collect::<BTreeSet<_>>(),
                all,
                "{view} @{limit}: each exactly once"
            );
            check_order(&items, "updatedAt", true, &format!("{view} @{limit}"));
        }
        // The other three orders, each at one page size.
        for (query, limit, field, descending) in [
            ("order=asc", 50, "updatedAt", false),
            ("sort=createdAt&order=asc", 50, "createdAt", false),
            ("sort=createdAt&order=desc", 100, "createdAt", true),
        ] {
            let items = walk(&app, &t.owner, &format!("{view}&{query}"), limit).await;
            let ids: BTreeSet<String> = items
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                (items.len(), &ids),
                (TICKETS, &all),
                "{view} {query}: each exactly once"
            );
            check_order(&items, field, descending, &format!("{view} {query}"));
        }
    }

    // Filters read on until a page is full: no silent short pages.
    let filtered = walk(&app, &t.owner, "status=new&priority=high", 7).await;
    let ids: BTreeSet<String> = filtered
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((ids.len(), &ids), (high.len(), &high));
    let tagged = walk(
        &app,
        &t.owner,
        &format!("assignee={}&tag=five", agent.id),
        7,
    )
    .await;
    assert_eq!(tagged.len(), fives.len());
    assert!(walk(&app, &t.owner, "assignee=none", 7).await.is_empty());
}
