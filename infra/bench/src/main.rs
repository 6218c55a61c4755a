//! `bench dynamodb-cost`: the DynamoDB requests and consumed capacity of
//! each API operation, and the time spent in our own code apart from AWS
//! calls, through the functions' routers over a client with a counting
//! layer (authentication included: every request pays it). `bench
//! sla-cost`: the same for the SLA scheduler and the router's SLA step.
//! `bench search`: the ticket index at a tenant's scale (`search.rs`).
//! `bench automation-cost`: triggers in the router and the hourly run of
//! automations (`automation.rs`).
//! Print Markdown tables for BENCHMARKS.md.
//!
//! Needs the emulator and table that `infra/bench` starts.

mod automation;
mod rate_isolation;
mod search;

use anyhow::{Context, bail};
use axum::Router;
use http::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_aws::DynamoStore;
use switchboard_aws::cursor::CursorSealer;
use switchboard_aws::metrics::{Call, CallLog, Counting, time_waiting};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::service::Accounts;
use switchboard_domain::accounts::throttle::LoginThrottle;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant, send};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("dynamodb-cost") => dynamodb_cost().await,
        Some("sla-cost") => sla_cost().await,
        Some("rate-isolation") => rate_isolation::run().await,
        Some("search") => search::run().await,
        Some("automation-cost") => automation::run().await,
        _ => bail!("usage: bench dynamodb-cost|sla-cost|rate-isolation|search|automation-cost"),
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
    Ok(tickets::router(Arc::new(switchboard_wiring::Api::new(
        accounts,
        tickets::Services {
            tickets: Ticketing::new(store.clone()),
            sla: switchboard_domain::sla::views::SlaViews::new(store.clone()),
            macros: switchboard_domain::automation::applying::Macros::new(store.clone()),
            surveys: [5; 32],
            attachments: switchboard_domain::attachments::service::Attachments::new(
                store,
                kit::bucket().await,
            ),
        },
    ))))
}

struct Row {
    operation: String,
    calls: Vec<Call>,
}

/// One timed request: what it asked of DynamoDB and how long it took.
struct Sample {
    calls: Vec<Call>,
    total: Duration,
}

impl Sample {
    /// Time in our own code: the request's time less the time spent
    /// waiting on DynamoDB (calls in parallel counted once).
    fn own(&self) -> Duration {
        self.total.saturating_sub(time_waiting(&self.calls))
    }
}

/// The samples of one API operation.
struct Timed {
    operation: String,
    samples: Vec<Sample>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn summarise(rows: &[Row]) -> String {
    let mut out = String::from(
        "| API operation | DynamoDB requests | by request | read units (reported) | write units (reported) |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        let (requests, ops, read, write) = counts(&row.calls);
        out.push_str(&format!(
            "| {} | {requests} | {ops} | {read} | {write} |\n",
            row.operation
        ));
    }
    out
}

/// Requests, requests by operation, and the reported read and write units.
fn counts(calls: &[Call]) -> (usize, String, String, String) {
    let mut by_op: BTreeMap<&str, usize> = BTreeMap::new();
    for c in calls {
        *by_op.entry(c.operation).or_default() += 1;
    }
    let ops: Vec<String> = by_op.iter().map(|(op, n)| format!("{op} ×{n}")).collect();
    let sum = |f: fn(&Call) -> Option<f64>| {
        let total: f64 = calls.iter().filter_map(f).sum::<f64>() + 0.0;
        let missing = calls.iter().filter(|c| f(c).is_none()).count();
        if missing == 0 {
            format!("{total}")
        } else {
            format!("{total} (+{missing} unreported)")
        }
    };
    (
        calls.len(),
        ops.join(", "),
        sum(|c| c.read_units),
        sum(|c| c.write_units),
    )
}

fn summarise_timed(rows: &[Timed]) -> String {
    let mut out = String::from(
        "| API operation | runs | DynamoDB requests | by request (first run) | read units (reported) | write units (reported) | own code p50 | own code p99 | waiting on DynamoDB p50 |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let Some(first) = row.samples.first() else {
            continue;
        };
        let (_, ops, read, write) = counts(&first.calls);
        let lo = row.samples.iter().map(|s| s.calls.len()).min().unwrap_or(0);
        let hi = row.samples.iter().map(|s| s.calls.len()).max().unwrap_or(0);
        let requests = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}–{hi}")
        };
        let mut own: Vec<Duration> = row.samples.iter().map(Sample::own).collect();
        own.sort();
        let mut waiting: Vec<Duration> =
            row.samples.iter().map(|s| time_waiting(&s.calls)).collect();
        waiting.sort();
        out.push_str(&format!(
            "| {} | {} | {requests} | {ops} | {read} | {write} | {} | {} | {} |\n",
            row.operation,
            row.samples.len(),
            ms(percentile(&own, 50.0)),
            ms(percentile(&own, 99.0)),
            ms(percentile(&waiting, 50.0)),
        ));
    }
    out
}

/// Runs one request through `app`, timed and counted; fails unless it
/// answers `expect`.
async fn timed(
    log: &CallLog,
    app: &Router,
    request: (Method, &str, Option<Value>),
    headers: &[(&str, &str)],
    expect: u16,
) -> anyhow::Result<(Value, Sample)> {
    let (method, path, body) = request;
    log.take();
    let started = Instant::now();
    let reply = send(app, method, path, body, headers).await;
    let total = started.elapsed();
    let calls = log.take();
    if reply.status.as_u16() != expect {
        bail!(
            "{path}: expected {expect}, got {} {}",
            reply.status,
            reply.body
        );
    }
    Ok((reply.body, Sample { calls, total }))
}

/// `runs` timed runs of one request, whose body run `i` takes from
/// `body(i)`; returns the samples and the last answer.
async fn repeated(
    log: &CallLog,
    app: &Router,
    (method, path): (Method, &str),
    body: impl Fn(usize) -> Option<Value>,
    headers: &[(&str, &str)],
    expect: u16,
    runs: usize,
) -> anyhow::Result<(Vec<Sample>, Value)> {
    let mut samples = Vec::with_capacity(runs);
    let mut last = Value::Null;
    for i in 0..runs {
        let (answer, sample) =
            timed(log, app, (method.clone(), path, body(i)), headers, expect).await?;
        samples.push(sample);
        last = answer;
    }
    Ok((samples, last))
}

/// Runs of each operation: enough for a p99 that is not the maximum of a
/// handful (30), fewer for the heavy bulk update.
const RUNS: usize = 30;
const BULK_RUNS: usize = 5;

async fn dynamodb_cost() -> anyhow::Result<()> {
    let log = CallLog::default();
    let app = counting_router(log.clone()).await?;
    let store = counting_store(log.clone()).await?;
    let secret = kit::signing_secret();
    let accounts = || {
        Ok::<_, anyhow::Error>(Accounts::new(
            store.clone(),
            kit::token_issuer(&secret),
            Passwords::owasp()?,
            LoginThrottle::default(),
        ))
    };
    let tenants_app = tenants::router(Arc::new(switchboard_wiring::Api::new(accounts()?, ())));
    let auth_app = auth::router(Arc::new(switchboard_wiring::Api::new(
        accounts()?,
        auth::Services {
            recovery: Recovery::new(store.clone(), Passwords::owasp()?),
        },
    )));
    let mut rows: Vec<Timed> = Vec::new();
    let mut row = |operation: &str, samples: Vec<Sample>| {
        rows.push(Timed {
            operation: operation.to_owned(),
            samples,
        });
    };

    // Sign-up and login (Argon2id hashing and verification are our code).
    let slugs: Vec<String> = (0..RUNS).map(|_| kit::unique_slug()).collect();
    let sign_up = |i: usize| Some(kit::sign_up_body(&slugs[i], "owner@acme.example"));
    let (samples, _) = repeated(
        &log,
        &tenants_app,
        (Method::POST, "/v1/tenants"),
        sign_up,
        &[],
        201,
        RUNS,
    )
    .await?;
    row("sign-up (tenant and owner)", samples);
    let slug = slugs.last().context("no tenant signed up")?;
    let login =
        |_| Some(json!({"tenant": slug, "email": "owner@acme.example", "password": kit::PASSWORD}));
    let (samples, _) = repeated(
        &log,
        &auth_app,
        (Method::POST, "/v1/auth/login"),
        login,
        &[],
        200,
        RUNS,
    )
    .await?;
    row("login", samples);

    let t = TestTenant::new().await;
    let agent = t.person("agent", "Bench Agent").await;
    let owner = [("authorization", t.owner.as_str())];
    // Tickets for the list pages and the bulk update (100 in all, with the
    // measured creates below).
    for i in 0..(100 - RUNS) {
        send(
            &app,
            Method::POST,
            "/v1/tickets",
            Some(json!({"subject": format!("Seed {i}"), "description": "seed"})),
            &owner,
        )
        .await;
    }

    let create = |_| {
        Some(
            json!({"subject": "Bench", "description": "How much does this cost?", "assigneeId": agent.id.to_string(), "tags": ["bench"]}),
        )
    };
    let (samples, created) = repeated(
        &log,
        &app,
        (Method::POST, "/v1/tickets"),
        create,
        &owner,
        201,
        RUNS,
    )
    .await?;
    row("create ticket", samples);
    let id = created["id"].as_str().context("id")?.to_owned();
    let comments = format!("/v1/tickets/{id}/comments");
    for i in 0..19 {
        send(
            &app,
            Method::POST,
            &comments,
            Some(json!({"body": format!("reply {i}")})),
            &owner,
        )
        .await;
    }
    let ticket = format!("/v1/tickets/{id}");
    let (samples, _) = repeated(
        &log,
        &app,
        (Method::GET, &ticket),
        |_| None,
        &owner,
        200,
        RUNS,
    )
    .await?;
    row("get ticket with 20 comments", samples);
    for (name, path) in [
        (
            "list page of 50 (status view)",
            "/v1/tickets?status=new&limit=50",
        ),
        (
            "list page of 50 (all, by creation)",
            "/v1/tickets?sort=createdAt&limit=50",
        ),
    ] {
        let (samples, _) =
            repeated(&log, &app, (Method::GET, path), |_| None, &owner, 200, RUNS).await?;
        row(name, samples);
    }
    let mut version = send(&app, Method::GET, &ticket, None, &owner).await.body["version"]
        .as_u64()
        .unwrap_or(0);
    let mut samples = Vec::new();
    for i in 0..RUNS {
        let (priority, status) = if i % 2 == 0 {
            ("high", "pending")
        } else {
            ("low", "open")
        };
        let v = format!("\"{version}\"");
        let (patched, s) = timed(
            &log,
            &app,
            (
                Method::PATCH,
                &ticket,
                Some(json!({"priority": priority, "status": status})),
            ),
            &[("authorization", t.owner.as_str()), ("if-match", &v)],
            200,
        )
        .await?;
        version = patched["version"].as_u64().context("version")?;
        samples.push(s);
    }
    row("patch (priority, status)", samples);
    let reply = |_| Some(json!({"body": "Thanks!"}));
    let (samples, _) = repeated(
        &log,
        &app,
        (Method::POST, &comments),
        reply,
        &owner,
        201,
        RUNS,
    )
    .await?;
    row("comment (public reply)", samples);
    let ids: Vec<Value> = send(&app, Method::GET, "/v1/tickets?limit=100", None, &owner)
        .await
        .body["items"]
        .as_array()
        .map(|a| a.iter().map(|t| t["id"].clone()).collect())
        .unwrap_or_default();
    let bulk = |i: usize| {
        let priority = if i.is_multiple_of(2) { "low" } else { "urgent" };
        Some(json!({"ids": ids, "update": {"priority": priority}}))
    };
    let (samples, _) = repeated(
        &log,
        &app,
        (Method::POST, "/v1/tickets/bulk"),
        bulk,
        &owner,
        200,
        BULK_RUNS,
    )
    .await?;
    row(&format!("bulk update of {}", ids.len()), samples);

    print!("{}", summarise_timed(&rows));
    Ok(())
}

/// Hands nothing anywhere: the scan's own DynamoDB requests are measured.
struct NoQueue;

impl switchboard_domain::sla::ports::SlaQueue for NoQueue {
    async fn enqueue_check(
        &self,
        _: &switchboard_domain::sla::stored::SlaCheck,
        _: u32,
    ) -> Result<(), switchboard_domain::StoreError> {
        Ok(())
    }
}

/// `bench sla-cost`: the DynamoDB requests of one idle scheduler run (no
/// ticket due), and of the router's SLA step for one ticket under a policy.
async fn sla_cost() -> anyhow::Result<()> {
    use switchboard_domain::sla::engine::SlaEngine;
    use switchboard_domain::sla::ports::SlaTimers;
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
    let id: switchboard_domain::kernel::ids::TicketId = created.body["id"]
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
