//! `bench dynamodb-cost`: the DynamoDB requests and consumed capacity of
//! each ticket operation, through the tickets function's router over a
//! client with a counting layer (authentication included: every request
//! pays it). Prints a Markdown table for BENCHMARKS.md.
//!
//! Needs the emulator and table that `infra/bench` starts.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use axum::Router;
use http::Method;
use serde_json::{Value, json};
use switchboard_aws::DynamoStore;
use switchboard_aws::cursor::CursorSealer;
use switchboard_aws::metrics::{Call, CallLog, Counting};
use switchboard_domain::accounts::Accounts;
use switchboard_domain::auth::{LoginThrottle, Passwords};
use switchboard_domain::ticketing::Ticketing;
use switchboard_testkit::{self as kit, TestTenant, send};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("dynamodb-cost") => dynamodb_cost().await,
        _ => bail!("usage: bench dynamodb-cost"),
    }
}

async fn counting_router(log: CallLog) -> anyhow::Result<Router> {
    let endpoint =
        std::env::var("SWITCHBOARD_TEST_ENDPOINT").context("SWITCHBOARD_TEST_ENDPOINT")?;
    let table = std::env::var("SWITCHBOARD_TEST_TABLE").context("SWITCHBOARD_TEST_TABLE")?;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "bench",
        ))
        .load()
        .await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(Counting::new(log))
        .build();
    let secret = kit::signing_secret();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        table,
        CursorSealer::new(secret.derive("cursor")),
    );
    let accounts = Accounts::new(
        store.clone(),
        kit::token_issuer(&secret),
        Passwords::owasp()?,
        LoginThrottle::default(),
    );
    Ok(tickets::router(Arc::new(tickets::AppState {
        accounts,
        tickets: Ticketing::new(store.clone()),
        attachments: switchboard_domain::attaching::Attachments::new(store, kit::bucket().await),
    })))
}

struct Row {
    operation: String,
    calls: Vec<Call>,
}

fn summarise(rows: &[Row]) -> String {
    let mut out = String::from(
        "| API operation | DynamoDB requests | by request | read units (reported) | write units (reported) |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        let mut by_op: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &row.calls {
            *by_op.entry(c.operation).or_default() += 1;
        }
        let ops: Vec<String> = by_op.iter().map(|(op, n)| format!("{op} ×{n}")).collect();
        let sum = |f: fn(&Call) -> Option<f64>| {
            let known: Vec<f64> = row.calls.iter().filter_map(f).collect();
            let missing = row.calls.iter().filter(|c| f(c).is_none()).count();
            let total: f64 = known.iter().sum::<f64>() + 0.0;
            if missing == 0 {
                format!("{total}")
            } else {
                format!("{total} (+{missing} unreported)")
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            row.operation,
            row.calls.len(),
            ops.join(", "),
            sum(|c| c.read_units),
            sum(|c| c.write_units),
        ));
    }
    out
}

async fn measured(
    log: &CallLog,
    rows: &mut Vec<Row>,
    operation: &str,
    reply: kit::Reply,
    expect: u16,
) -> anyhow::Result<Value> {
    if reply.status.as_u16() != expect {
        bail!(
            "{operation}: expected {expect}, got {} {}",
            reply.status,
            reply.body
        );
    }
    rows.push(Row {
        operation: operation.to_owned(),
        calls: log.take(),
    });
    Ok(reply.body)
}

async fn dynamodb_cost() -> anyhow::Result<()> {
    let log = CallLog::default();
    let app = counting_router(log.clone()).await?;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Bench Agent").await;
    let owner = [("authorization", t.owner.as_str())];
    let mut rows = Vec::new();

    // Warm the path (first-use costs such as schema reads are still counted
    // per request: nothing is cached between requests).
    for i in 0..55 {
        send(
            &app,
            Method::POST,
            "/v1/tickets",
            Some(json!({"subject": format!("Seed {i}"), "description": "seed"})),
            &owner,
        )
        .await;
    }
    log.take();

    let body = json!({"subject": "Bench", "description": "How much does this cost?", "assigneeId": agent.id.to_string(), "tags": ["bench"]});
    let created = measured(
        &log,
        &mut rows,
        "create ticket",
        send(&app, Method::POST, "/v1/tickets", Some(body), &owner).await,
        201,
    )
    .await?;
    let id = created["id"].as_str().context("id")?.to_owned();
    for i in 0..19 {
        send(
            &app,
            Method::POST,
            &format!("/v1/tickets/{id}/comments"),
            Some(json!({"body": format!("reply {i}")})),
            &owner,
        )
        .await;
    }
    log.take();
    measured(
        &log,
        &mut rows,
        "get ticket with 20 comments",
        send(
            &app,
            Method::GET,
            &format!("/v1/tickets/{id}"),
            None,
            &owner,
        )
        .await,
        200,
    )
    .await?;
    measured(
        &log,
        &mut rows,
        "list page of 50 (status view)",
        send(
            &app,
            Method::GET,
            "/v1/tickets?status=new&limit=50",
            None,
            &owner,
        )
        .await,
        200,
    )
    .await?;
    measured(
        &log,
        &mut rows,
        "list page of 50 (all, by creation)",
        send(
            &app,
            Method::GET,
            "/v1/tickets?sort=createdAt&limit=50",
            None,
            &owner,
        )
        .await,
        200,
    )
    .await?;
    let version = send(
        &app,
        Method::GET,
        &format!("/v1/tickets/{id}"),
        None,
        &owner,
    )
    .await
    .body["version"]
        .as_u64()
        .unwrap_or(0);
    log.take();
    let v = format!("\"{version}\"");
    measured(
        &log,
        &mut rows,
        "patch (priority, status)",
        send(
            &app,
            Method::PATCH,
            &format!("/v1/tickets/{id}"),
            Some(json!({"priority": "high", "status": "pending"})),
            &[("authorization", t.owner.as_str()), ("if-match", &v)],
        )
        .await,
        200,
    )
    .await?;
    measured(
        &log,
        &mut rows,
        "comment (public reply)",
        send(
            &app,
            Method::POST,
            &format!("/v1/tickets/{id}/comments"),
            Some(json!({"body": "Thanks!"})),
            &owner,
        )
        .await,
        201,
    )
    .await?;
    let ids: Vec<Value> = send(&app, Method::GET, "/v1/tickets?limit=100", None, &owner)
        .await
        .body["items"]
        .as_array()
        .map(|a| a.iter().map(|t| t["id"].clone()).collect())
        .unwrap_or_default();
    log.take();
    measured(
        &log,
        &mut rows,
        &format!("bulk update of {}", ids.len()),
        send(
            &app,
            Method::POST,
            "/v1/tickets/bulk",
            Some(json!({"ids": ids, "update": {"priority": "low"}})),
            &owner,
        )
        .await,
        200,
    )
    .await?;

    print!("{}", summarise(&rows));
    Ok(())
}
