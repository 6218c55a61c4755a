//! The Lambda Runtime API (2018-06-01) for one instance: the function's own
//! runtime loop (lambda_runtime) polls `next` and posts each result back.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, oneshot, watch};

use super::{Invocation, Outcome, Pool};

pub(crate) struct Instance {
    pub n: usize,
    pub pid: Option<u32>,
    pool: Arc<Pool>,
    spawned: Instant,
    initialised: Mutex<bool>,
    /// The invocation being handled: its id, its caller, when it was handed
    /// over (Lambda bills from there to the response).
    inflight: Mutex<Option<(String, oneshot::Sender<Outcome>, Instant)>>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
    alive: watch::Receiver<bool>,
}

impl Instance {
    /// Binds a Runtime API on a free port, starts the binary against it,
    /// and watches the process.
    pub async fn start(pool: Arc<Pool>, n: usize) -> anyhow::Result<Arc<Self>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let api = listener.local_addr()?.to_string();
        let (alive_tx, alive) = watch::channel(true);
        let (kill_tx, kill_rx) = oneshot::channel();
        let mut command = Command::new(&pool.binary);
        command
            .env_clear()
            .envs(pool.environment(&api, n))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| anyhow::anyhow!("starting {}: {e}", pool.binary.display()))?;
        let instance = Arc::new(Self {
            n,
            pid: child.id(),
            pool: pool.clone(),
            spawned: Instant::now(),
            initialised: Mutex::new(false),
            inflight: Mutex::new(None),
            kill: Mutex::new(Some(kill_tx)),
            alive,
        });
        forward_output(
            &mut child,
            format!("{}#{n}", pool.function.logical_id),
            pool.log_bytes.clone(),
        );

        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(instance.clone());
        let mut server_alive = instance.alive.clone();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = server_alive.wait_for(|alive| !alive).await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        tokio::spawn(watch_process(instance.clone(), child, kill_rx, alive_tx));
        Ok(instance)
    }

    pub async fn holds(&self, id: &str) -> bool {
        self.inflight
            .lock()
            .await
            .as_ref()
            .is_some_and(|(held, _, _)| held == id)
    }

    /// Handling an invocation right now.
    pub async fn busy(&self) -> bool {
        self.inflight.lock().await.is_some()
    }

    /// The process's peak resident memory so far (Linux `VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub async fn kill(&self) {
        if let Some(k) = self.kill.lock().await.take() {
            let _ = k.send(());
        }
    }

    /// Waits until the process has exited (and been reaped), at most `limit`.
    pub async fn exited(&self, limit: std::time::Duration) {
        let mut alive = self.alive.clone();
        let _ = tokio::time::timeout(limit, alive.wait_for(|a| !a)).await;
    }
}

async fn watch_process(
    instance: Arc<Instance>,
    mut child: Child,
    kill: oneshot::Receiver<()>,
    alive: watch::Sender<bool>,
) {
    let status = tokio::select! {
        status = child.wait() => status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
        _ = kill => {
            let _ = child.kill().await;
            "killed by devstack".to_owned()
        }
    };
    let _ = alive.send(false);
    let pool = &instance.pool;
    if !*instance.initialised.lock().await {
        pool.starting.fetch_sub(1, Ordering::SeqCst);
        tracing::error!(function = %pool.function.name, instance = instance.n, %status, "instance exited during init");
    } else {
        tracing::info!(function = %pool.function.name, instance = instance.n, %status, "instance exited");
    }
    if let Some((_, reply, _)) = instance.inflight.lock().await.take() {
        let _ = reply.send(Outcome::Crashed(status));
    }
    pool.forget(instance.n).await;
}

/// Prefixes the function's log lines with its name and instance, and counts
/// their bytes.
fn forward_output(child: &mut Child, prefix: String, bytes: Arc<AtomicU64>) {
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward_lines(out, format!("{prefix} |"), bytes.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward_lines(err, format!("{prefix} !"), bytes));
    }
}

async fn forward_lines(
    from: impl tokio::io::AsyncRead + Unpin,
    prefix: String,
    bytes: Arc<AtomicU64>,
) {
    let mut lines = BufReader::new(from).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        bytes.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
        println!("{prefix} {line}");
    }
}

async fn next(State(instance): State<Arc<Instance>>) -> Response {
    let pool = instance.pool.clone();
    {
        let mut initialised = instance.initialised.lock().await;
        if !*initialised {
            *initialised = true;
            pool.starting.fetch_sub(1, Ordering::SeqCst);
            let elapsed = instance.spawned.elapsed();
            pool.record_init(elapsed).await;
            tracing::info!(function = %pool.function.name, instance = instance.n, init_ms = elapsed.as_secs_f64() * 1e3, "instance ready");
        }
    }
    pool.waiting.fetch_add(1, Ordering::SeqCst);
    let mut alive = instance.alive.clone();
    let invocation = loop {
        let received = tokio::select! {
            inv = async { pool.queue_rx.lock().await.recv().await } => inv,
            _ = alive.wait_for(|a| !a) => None,
        };
        match received {
            // Its caller gave up (timed out) while it was queued: skip it.
            Some(inv) if inv.reply.is_closed() => {
                pool.queued.fetch_sub(1, Ordering::SeqCst);
                continue;
            }
            other => break other,
        }
    };
    pool.waiting.fetch_sub(1, Ordering::SeqCst);
    let Some(Invocation {
        id,
        payload,
        deadline_ms,
        reply,
    }) = invocation
    else {
        return StatusCode::GONE.into_response();
    };
    pool.queued.fetch_sub(1, Ordering::SeqCst);
    *instance.inflight.lock().await = Some((id.clone(), reply, Instant::now()));
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", id.clone());
    set("lambda-runtime-deadline-ms", deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", pool.invoked_arn());
    set(
        "lambda-runtime-trace-id",
        format!("Root=1-{}-{};Sampled=0", &id[..8], &id[8..]),
    );
    set("content-type", "application/json".to_owned());
    (StatusCode::OK, headers, payload).into_response()
}

async fn finish(instance: &Instance, id: &str, outcome: Outcome) -> StatusCode {
    let mut inflight = instance.inflight.lock().await;
    match inflight.take() {
        Some((held, reply, handed_over)) if held == id => {
            instance.pool.record_billed(handed_over.elapsed()).await;
            let _ = reply.send(outcome);
            StatusCode::ACCEPTED
        }
        other => {
            *inflight = other;
            StatusCode::BAD_REQUEST
        }
    }
}

async fn response(
    State(instance): State<Arc<Instance>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&instance, &id, Outcome::Response(body)).await
}

async fn error(
    State(instance): State<Arc<Instance>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    tracing::warn!(function = %instance.pool.function.name, error = %String::from_utf8_lossy(&body), "invocation failed");
    finish(&instance, &id, Outcome::Error(body)).await
}

async fn init_error(State(instance): State<Arc<Instance>>, body: Bytes) -> StatusCode {
    tracing::error!(function = %instance.pool.function.name, error = %String::from_utf8_lossy(&body), "init failed");
    StatusCode::ACCEPTED
}
