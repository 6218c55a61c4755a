//! Bringing the whole stack up: resources, functions, gateways.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::cloud::Cloud;
use crate::http_api::{self, Gateway};
use crate::lambda::{Pool, RuntimeEnv};
use crate::provision;
use crate::template::{self, Context, Template};

#[derive(Debug, Clone)]
pub struct Options {
    pub template: PathBuf,
    pub parameters_file: Option<PathBuf>,
    pub parameters: HashMap<String, String>,
    pub moto: String,
    pub region: String,
    pub stack: String,
    pub http: SocketAddr,
    pub ws: SocketAddr,
    pub smtp: SocketAddr,
    pub bin_dir: PathBuf,
    pub max_instances: usize,
    pub ready_file: Option<PathBuf>,
    /// Starts per function for `devstack cold-starts`.
    pub cold_starts: usize,
}

impl Options {
    /// What every instance gets besides the template's environment.
    fn runtime_env(&self, ctx: &Context) -> RuntimeEnv {
        RuntimeEnv {
            region: self.region.clone(),
            endpoint: self.moto.clone(),
            account: ctx.account.clone(),
        }
    }

    /// Parameter values: the file's, then those given one by one.
    pub fn parameter_overrides(&self) -> anyhow::Result<HashMap<String, String>> {
        let mut values = HashMap::new();
        if let Some(path) = &self.parameters_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let file: HashMap<String, Value> = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} must be a JSON object of parameter values",
                    path.display()
                )
            })?;
            for (k, v) in file {
                values.insert(k, crate::template::scalar_string(&v));
            }
        }
        values.extend(self.parameters.clone());
        Ok(values)
    }
}

/// Waits for the emulator to answer.
pub async fn wait_for_moto(cloud: &Cloud, endpoint: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if cloud.dynamodb.list_tables().send().await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the AWS emulator at {endpoint} does not answer (is moto running?)")
}

/// Creates the template's resources and returns what they resolve to.
pub async fn provision_only(opts: &Options) -> anyhow::Result<(Template, Context)> {
    let template = Template::load(&opts.template)?;
    let ctx = provision_template(opts, &template).await?;
    Ok((template, ctx))
}

async fn provision_template(opts: &Options, template: &Template) -> anyhow::Result<Context> {
    let parameters = template.parameters(&opts.parameter_overrides()?)?;
    let cloud = Cloud::connect(&opts.moto, &opts.region).await;
    wait_for_moto(&cloud, &opts.moto).await?;
    provision::provision(&cloud, template, parameters, &opts.stack).await
}

/// The stack's listening sockets, bound before anything else happens: a
/// port in use fails the start at once, before the emulator is touched or
/// a function started.
struct Listeners {
    http: TcpListener,
    ws: Option<TcpListener>,
    smtp: Option<TcpListener>,
}

impl Listeners {
    async fn bind(opts: &Options, template: &Template) -> anyhow::Result<Self> {
        let http = bind("the HTTP API", opts.http).await?;
        let ws = if template::has_websocket_api(template) {
            Some(bind("the WebSocket API", opts.ws).await?)
        } else {
            None
        };
        let smtp = if template::has_receipt_rule(template) {
            Some(bind("SMTP", opts.smtp).await?)
        } else {
            None
        };
        Ok(Self { http, ws, smtp })
    }
}

async fn bind(what: &str, addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {what} to {addr}"))
}

/// `devstack cold-starts`: starts every function `opts.cold_starts` times, one
/// instance at a time with nothing else running, and prints each one's
/// init time (process start to its first Runtime API `next`) and binary
/// size as a Markdown table.
pub async fn cold_starts(opts: Options) -> anyhow::Result<()> {
    let (template, ctx) = provision_only(&opts).await?;
    let runtime_env = opts.runtime_env(&ctx);
    println!("| function | init, median | p90 | min–max | binary |");
    println!("|---|---|---|---|---|");
    for f in template::functions(&template, &ctx)? {
        let binary = opts.bin_dir.join(&f.binary);
        let size = std::fs::metadata(&binary)
            .with_context(|| format!("{} (build it first)", binary.display()))?
            .len();
        let pool = Pool::new(f.clone(), binary, runtime_env.clone(), 1);
        let mut times = pool.cold_starts(opts.cold_starts).await?;
        times.sort_by(f64::total_cmp);
        let at =
            |p: f64| times[((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1}–{:.1} ms | {:.1} MiB |",
            f.binary,
            at(0.5),
            at(0.9),
            times[0],
            times[times.len() - 1],
            size as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

/// Runs the stack until interrupted.
pub async fn up(opts: Options) -> anyhow::Result<()> {
    let template = Template::load(&opts.template)?;
    let listeners = Listeners::bind(&opts, &template).await?;
    let ctx = provision_template(&opts, &template).await?;
    let mut functions = template::functions(&template, &ctx)?;
    let websocket = template::websocket_api(&template, &ctx, &functions)?;
    // The WebSocket API listens before functions start: their callback URLs
    // (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`) are
    // pointed at it, as DNS would point them at API Gateway.
    let ws_listener = websocket.as_ref().and(listeners.ws);
    if let (Some(api), Some(listener)) = (&websocket, &ws_listener) {
        let local = listener.local_addr()?;
        let host = format!("{}.execute-api.{}.amazonaws.com", api.id, opts.region);
        for f in &mut functions {
            for value in f.environment.values_mut() {
                *value = value
                    .replace(&format!("https://{host}"), &format!("http://{local}"))
                    .replace(&format!("wss://{host}"), &format!("ws://{local}"));
            }
        }
    }
    let missing: Vec<_> = functions
        .iter()
        .map(|f| opts.bin_dir.join(&f.binary))
        .filter(|p| !p.is_file())
        .collect();
    if !missing.is_empty() {
        bail!(
            "function binaries missing (build them with `cargo build --workspace`): {}",
            missing
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let runtime_env = opts.runtime_env(&ctx);
    let mut pools = Vec::new();
    let mut routes = Vec::new();
    for f in functions {
        let pool = Pool::new(
            f.clone(),
            opts.bin_dir.join(&f.binary),
            runtime_env.clone(),
            opts.max_instances,
        );
        for r in &f.http_routes {
            routes.push((r.clone(), pool.clone()));
        }
        pools.push(pool);
    }
    for pool in &pools {
        pool.warm().await?;
    }
    let cloud = Cloud::connect(&opts.moto, &opts.region).await;
    for pool in &pools {
        for (event, schedule) in &pool.function.schedules {
            let rule = format!("{}-{event}", pool.function.name);
            tokio::spawn(crate::schedules::run(
                pool.clone(),
                rule,
                schedule.clone(),
                opts.region.clone(),
                ctx.account.clone(),
            ));
        }
        for source in &pool.function.queue_sources {
            let (pool, source, cloud) = (pool.clone(), source.clone(), cloud.clone());
            tokio::spawn(async move {
                let name = pool.function.name.clone();
                if let Err(e) = crate::queues::run(pool, source, cloud).await {
                    tracing::error!(function = %name, error = %format!("{e:#}"), "the queue mapping stopped");
                }
            });
        }
        for source in &pool.function.stream_sources {
            let (pool, source, cloud) = (pool.clone(), source.clone(), cloud.clone());
            tokio::spawn(async move {
                let name = pool.function.name.clone();
                if let Err(e) = crate::streams::run(pool, source, cloud).await {
                    tracing::error!(function = %name, error = %format!("{e:#}"), "the stream mapping stopped");
                }
            });
        }
    }
    let mut smtp_addr = None;
    if let Some(rule) = template::receipt_rule(&template, &ctx, &functions_of(&pools))? {
        let pool = pools
            .iter()
            .find(|p| p.function.logical_id == rule.function)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no function {}", rule.function))?;
        let listener = listeners
            .smtp
            .ok_or_else(|| anyhow::anyhow!("no SMTP listener for {}", opts.smtp))?;
        smtp_addr = Some(listener.local_addr()?.to_string());
        let server = Arc::new(crate::smtp::SmtpServer {
            rule,
            pool,
            cloud: cloud.clone(),
        });
        tokio::spawn(server.serve(listener));
    }
    let mut ws_url = None;
    if let (Some(api), Some(listener)) = (websocket, ws_listener) {
        let local = listener.local_addr()?;
        let routes = api
            .routes
            .iter()
            .filter_map(|(key, id)| {
                pools
                    .iter()
                    .find(|p| &p.function.logical_id == id)
                    .map(|p| (key.clone(), p.clone()))
            })
            .collect();
        ws_url = Some(format!("ws://{local}/{}", api.stage));
        let gateway = crate::websocket::WsGateway::new(api, routes, local.to_string());
        let app = gateway.router();
        tokio::spawn(async move {
            let served = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the WebSocket API stopped");
            }
        });
    }
    let gateway = Arc::new(Gateway {
        routes,
        cors: template::cors(&template, &ctx)?,
        pools: pools.clone(),
    });
    let mail = Router::new()
        .route("/_devstack/mail", get(crate::outbound_mail::list))
        .with_state(Arc::new(opts.moto.clone()));
    let app = Router::new()
        .route("/_devstack/functions", get(http_api::functions_status))
        .route(
            "/_devstack/functions/{name}/crash",
            axum::routing::post(http_api::crash_function),
        )
        .fallback(http_api::handle)
        .with_state(gateway.clone())
        .merge(mail);
    let listener = listeners.http;
    let http_url = format!("http://{}", listener.local_addr()?);
    let resources: HashMap<_, _> = ctx
        .resources
        .iter()
        .map(|(k, v)| (k.clone(), v.reference.clone()))
        .collect();
    let ready = json!({
        "httpApi": http_url,
        "webSocket": ws_url,
        "smtp": smtp_addr,
        "moto": opts.moto,
        "region": opts.region,
        "resources": resources,
        "functions": pools.iter().map(|p| p.function.name.clone()).collect::<Vec<_>>(),
    });
    if let Some(path) = &opts.ready_file {
        write_atomically(path, &serde_json::to_vec_pretty(&ready)?)?;
    }
    println!("devstack: HTTP API on {http_url}  (functions: GET {http_url}/_devstack/functions)");
    println!("devstack: outbound email (as SES sent it): GET {http_url}/_devstack/mail");
    if let Some(url) = &ws_url {
        println!("devstack: WebSocket API on {url}");
    }
    if let Some(addr) = &smtp_addr {
        println!("devstack: inbound email (SMTP) on {addr}");
    }
    let stopping = on_signal();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signalled(stopping.clone()));
    // Requests still open a moment after the signal (a client holding a
    // connection, an invocation that will not finish) do not keep the
    // stack, and its ports, alive.
    let grace = async {
        signalled(stopping).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = server.into_future() => served?,
        () = grace => tracing::warn!("requests still open {SHUTDOWN_GRACE:?} after the signal; stopping anyway"),
    }
    tracing::info!("stopping every function instance");
    for pool in &pools {
        pool.shut_down().await;
    }
    if let Some(path) = &opts.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn functions_of(pools: &[Arc<Pool>]) -> Vec<template::Function> {
    pools.iter().map(|p| p.function.clone()).collect()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// How long open requests may go on once devstack is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Turns true at the first SIGINT or SIGTERM.
fn on_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping (signal received)");
        let _ = tx.send(true);
    });
    rx
}

async fn signalled(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}
