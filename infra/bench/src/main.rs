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
        Some("sla-cost") => sla_cost().await,
        _ => bail!("usage: bench dynamodb-cost|sla-cost"),
    }
}

/// The store over a DynamoDB client that counts every request.
async fn counting_store(log: CallLog) -> anyhow::Result<DynamoStore> {
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
    Ok(DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        table,
        CursorSealer::new(secret.derive("cursor")),
    ))
}

async fn counting_router(log: CallLog) -> anyhow::Result<Router> {
    let secret = kit::signing_secret();
    let store = counting_store(log).await?;
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

/// Hands nothing anywhere: the scan's own DynamoDB requests are measured.
struct NoQueue;

impl switchboard_domain::ports::SlaQueue for NoQueue {
    async fn enqueue_check(
        &self,
        _: &switchboard_domain::sla::engine::SlaCheck,
        _: u32,
    ) -> Result<(), switchboard_domain::StoreError> {
        Ok(())
    }
}

/// `bench sla-cost`: the DynamoDB requests of one idle scheduler run (no
/// ticket due), and of the router's SLA step for one ticket under a policy.
async fn sla_cost() -> anyhow::Result<()> {
    use switchboard_domain::ports::SlaStore;
    use switchboard_domain::sla::engine::SlaEngine;
    use switchboard_domain::sla::scheduler::{minute_of, scan};

    let log = CallLog::default();
    let store = counting_store(log.clone()).await?;
    let mut rows = Vec::new();

    // Far in the future, so that no other ticket's deadline is in these
    // buckets: the steady state of a minute with nothing due.
    let mut now = minute_of(jiff::Timestamp::now()) + jiff::SignedDuration::from_hours(24 * 365);
    store
        .set_scheduler_cursor(now + jiff::SignedDuration::from_mins(1))
        .await?;
    log.take();
    for _ in 0..60 {
        now += jiff::SignedDuration::from_mins(1);
        scan(&store, &NoQueue, now).await?;
    }
    let calls = log.take();
    println!(
        "idle scheduler: {} requests over 60 runs (one a minute, nothing due)",
        calls.len()
    );
    now += jiff::SignedDuration::from_mins(1);
    scan(&store, &NoQueue, now).await?;
    rows.push(Row {
        operation: "sla-scheduler, one run with nothing due".into(),
        calls: log.take(),
    });

    // The router's SLA step for one ticket under a one-policy helpdesk.
    let app = counting_router(log.clone()).await?;
    let t = TestTenant::new().await;
    let owner = t.person("admin", "Bench Admin").await;
    let settings = switchboard_domain::sla::settings::SlaSettings::new(kit::store().await);
    let principal = kit::principal(&owner.auth).await;
    let created = send(
        &app,
        Method::POST,
        "/v1/tickets",
        Some(json!({"subject": "SLA bench", "description": "x"})),
        &[("authorization", t.owner.as_str())],
    )
    .await;
    let id: switchboard_domain::ids::TicketId = created.body["id"]
        .as_str()
        .context("no ticket id")?
        .parse()
        .map_err(|_| anyhow::anyhow!("bad ticket id"))?;
    let engine = SlaEngine::new(store.clone(), NoQueue);
    log.take();
    engine.recompute(t.id, id, jiff::Timestamp::now()).await?;
    rows.push(Row {
        operation: "router SLA step, helpdesk without policies".into(),
        calls: log.take(),
    });
    settings
        .create_policy(
            &principal,
            switchboard_domain::sla::settings::PolicyInput {
                name: Some("Bench".into()),
                targets: Some(
                    serde_json::from_value(json!({"normal": {"firstResponse": {"minutes": 60}, "resolution": {"minutes": 480}}}))?,
                ),
                ..Default::default()
            },
            jiff::Timestamp::now(),
        )
        .await?;
    log.take();
    engine.recompute(t.id, id, jiff::Timestamp::now()).await?;
    rows.push(Row {
        operation: "router SLA step (recompute, state changed)".into(),
        calls: log.take(),
    });
    engine.recompute(t.id, id, jiff::Timestamp::now()).await?;
    rows.push(Row {
        operation: "router SLA step (recompute, unchanged)".into(),
        calls: log.take(),
    });
    print!("{}", summarise(&rows));
    Ok(())
}
