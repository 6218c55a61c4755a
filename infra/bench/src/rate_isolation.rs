//! `bench rate-isolation`: does one tenant's flood slow another's
//! requests? Tenant B's `GET /v1/auth/me` latency alone, then while tenant
//! A (Free plan) floods the same router from eight clients each sending a
//! request every 5 ms; how many of A's requests were admitted and refused.
//! Both run in one process on this machine's two cores with moto, so the
//! flood also competes for CPU, which Lambda would not share.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use http::Method;
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::tenant::Plan;
use switchboard_domain::limits::limiter::Limiter;
use switchboard_harness::{self as kit, TestTenant, send};

use crate::{ms, percentile};

const SAMPLES: usize = 300;
const FLOODERS: usize = 8;
/// Each flooding client's pause between requests (up to 1,600 requests a
/// second in all, against a plan of 300 a minute).
const PACE: Duration = Duration::from_millis(5);

async fn router() -> anyhow::Result<Router> {
    Ok(auth::router(Arc::new(
        switchboard_wiring::Api::new(
            kit::accounts().await,
            auth::Services {
                recovery: Recovery::new(kit::store().await, Passwords::owasp()?),
            },
        )
        .with_limiter(Limiter::new(kit::store().await)),
    )))
}

async fn latencies(app: &Router, auth: &str) -> Vec<Duration> {
    let mut out = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let r = send(
            app,
            Method::GET,
            "/v1/auth/me",
            None,
            &[("authorization", auth)],
        )
        .await;
        out.push(started.elapsed());
        assert_eq!(r.status, 200, "tenant B was refused: {:#}", r.body);
    }
    out.sort();
    out
}

pub async fn run() -> anyhow::Result<()> {
    let app = router().await?;
    let flooder = TestTenant::new().await;
    let store = kit::store().await;
    if let Some(mut tenant) = store.tenant(flooder.id).await? {
        tenant.settings.plan = Plan::Free;
        tenant.version += 1;
        store
            .update_tenant(&tenant, tenant.version - 1, &[])
            .await?;
    }
    let calm = TestTenant::new().await;
    let alone = latencies(&app, &calm.owner).await;

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, limited) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut flood = Vec::new();
    for _ in 0..FLOODERS {
        let (app, auth) = (app.clone(), flooder.owner.clone());
        let (stop, ok, limited) = (stop.clone(), ok.clone(), limited.clone());
        flood.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let r = send(
                    &app,
                    Method::GET,
                    "/v1/auth/me",
                    None,
                    &[("authorization", &auth)],
                )
                .await;
                let counter = if r.status == 429 { &limited } else { &ok };
                counter.fetch_add(1, Ordering::Relaxed);
                // A client over a network, not a spin loop on B's cores.
                tokio::time::sleep(PACE).await;
            }
        }));
    }
    let started = Instant::now();
    let during = latencies(&app, &calm.owner).await;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        f.await?;
    }
    println!("| tenant B's `GET /v1/auth/me` | p50 | p95 | p99 |");
    println!("|---|---|---|---|");
    for (name, l) in [
        ("alone", &alone),
        (&*format!("while A floods ({FLOODERS} clients)"), &during),
    ] {
        println!(
            "| {name} | {} | {} | {} |",
            ms(percentile(l, 50.0)),
            ms(percentile(l, 95.0)),
            ms(percentile(l, 99.0))
        );
    }
    println!();
    println!(
        "Tenant A (Free plan, 300 a minute) meanwhile, over {:.1} s: {} admitted, {} refused with 429.",
        elapsed.as_secs_f64(),
        ok.load(Ordering::Relaxed),
        limited.load(Ordering::Relaxed)
    );
    Ok(())
}
