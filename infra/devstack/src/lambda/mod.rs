//! Runs functions as Lambda does: each instance is the function's own
//! binary as a separate process, talking to a Lambda Runtime API that
//! devstack serves. One invocation at a time per instance; more instances
//! start when invocations queue up, up to a limit.

mod runtime_api;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::template::Function;

/// How an invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The function's response payload.
    Response(Bytes),
    /// The function reported an error (its error payload).
    Error(Bytes),
    /// The instance died while handling it.
    Crashed(String),
    /// No response within the function's timeout; the instance was killed.
    TimedOut,
}

pub(crate) struct Invocation {
    pub id: String,
    pub payload: Bytes,
    pub deadline_ms: u64,
    pub reply: oneshot::Sender<Outcome>,
}

/// The environment every instance gets besides the template's.
#[derive(Debug, Clone)]
pub struct RuntimeEnv {
    pub region: String,
    pub endpoint: String,
    pub account: String,
}

pub struct Pool {
    pub function: Function,
    binary: PathBuf,
    runtime_env: RuntimeEnv,
    max_instances: usize,
    queue_tx: mpsc::UnboundedSender<Invocation>,
    queue_rx: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    queued: AtomicUsize,
    /// Instances blocked in `next`, ready for work.
    waiting: AtomicUsize,
    /// Instances started but not yet at their first `next`.
    starting: AtomicUsize,
    instances: Mutex<Vec<Arc<runtime_api::Instance>>>,
    /// Instances running or starting; reserved before a start so that
    /// concurrent invocations never exceed `max_instances`.
    live: AtomicUsize,
    next_instance: AtomicUsize,
    /// Set when devstack stops: no instance starts after it.
    closed: AtomicBool,
    stats: Mutex<Stats>,
    pub(crate) log_bytes: Arc<AtomicU64>,
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Process start to first `next`, per instance started, in ms.
    pub init_ms: Vec<f64>,
    pub invocations: u64,
    pub errors: u64,
    pub crashes: u64,
    pub timeouts: u64,
    /// Invocation time from hand-over to result (queueing for a free
    /// instance excluded), each rounded up to the millisecond as Lambda
    /// bills it, summed.
    pub billed_ms: u64,
    /// What the instances wrote to stdout and stderr (CloudWatch Logs
    /// ingests as much), in bytes.
    pub log_bytes: u64,
    /// The highest peak resident memory seen of any instance, in KiB.
    pub peak_rss_kib: u64,
}

/// One running instance, as `GET /_devstack/functions` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceStatus {
    pub n: usize,
    pub pid: Option<u32>,
    pub busy: bool,
    pub peak_rss_kib: Option<u64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatus {
    pub name: String,
    pub binary: String,
    pub memory_mb: u64,
    pub instances: usize,
    pub live: Vec<InstanceStatus>,
    #[serde(flatten)]
    pub stats: Stats,
}

impl Pool {
    pub fn new(
        function: Function,
        binary: PathBuf,
        runtime_env: RuntimeEnv,
        max_instances: usize,
    ) -> Arc<Self> {
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        Arc::new(Self {
            function,
            binary,
            runtime_env,
            max_instances: max_instances.max(1),
            queue_tx,
            queue_rx: Mutex::new(queue_rx),
            queued: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            starting: AtomicUsize::new(0),
            instances: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            next_instance: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
            stats: Mutex::new(Stats::default()),
            log_bytes: Arc::default(),
        })
    }

    /// Starts one instance ahead of traffic and waits until it asks for
    /// work (devstack warms functions one at a time, so that init times are
    /// measured without the others competing for the CPU).
    pub async fn warm(self: &Arc<Self>) -> anyhow::Result<()> {
        self.spawn_instance().await?;
        for _ in 0..200 {
            if self.starting.load(Ordering::SeqCst) == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        anyhow::bail!("{} did not become ready within 5 s", self.function.name)
    }

    /// Invokes the function with `payload` and waits for the outcome.
    pub async fn invoke(self: &Arc<Self>, payload: Bytes) -> Outcome {
        let (reply, outcome) = oneshot::channel();
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let timeout = self.function.timeout;
        let deadline_ms =
            u64::try_from((jiff::Timestamp::now() + timeout).as_millisecond()).unwrap_or(0);
        self.queued.fetch_add(1, Ordering::SeqCst);
        if self
            .queue_tx
            .send(Invocation {
                id: id.clone(),
                payload,
                deadline_ms,
                reply,
            })
            .is_err()
        {
            return Outcome::Crashed("the function's queue is closed".into());
        }
        self.scale().await;
        let result = match tokio::time::timeout(timeout, outcome).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome::Crashed("the instance dropped the invocation".into()),
            Err(_) => {
                self.kill_holder_of(&id).await;
                Outcome::TimedOut
            }
        };
        let mut stats = self.stats.lock().await;
        stats.invocations += 1;
        match &result {
            Outcome::Response(_) => {}
            Outcome::Error(_) => stats.errors += 1,
            Outcome::Crashed(_) => stats.crashes += 1,
            Outcome::TimedOut => stats.timeouts += 1,
        }
        result
    }

    /// Starts another instance when invocations wait and no instance is
    /// free or coming.
    async fn scale(self: &Arc<Self>) {
        let ready = self.waiting.load(Ordering::SeqCst) + self.starting.load(Ordering::SeqCst);
        if self.queued.load(Ordering::SeqCst) <= ready {
            return;
        }
        if let Err(e) = self.spawn_instance().await {
            tracing::error!(function = %self.function.name, error = %e, "could not start an instance");
        }
    }

    async fn spawn_instance(self: &Arc<Self>) -> anyhow::Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let reserved = self
            .live
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max_instances).then_some(n + 1)
            });
        if reserved.is_err() {
            return Ok(());
        }
        let n = self.next_instance.fetch_add(1, Ordering::SeqCst);
        self.starting.fetch_add(1, Ordering::SeqCst);
        let started = runtime_api::Instance::start(self.clone(), n).await;
        match started {
            Ok(instance) => {
                self.instances.lock().await.push(instance);
                Ok(())
            }
            Err(e) => {
                self.starting.fetch_sub(1, Ordering::SeqCst);
                self.live.fetch_sub(1, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    async fn kill_holder_of(&self, id: &str) {
        for instance in self.instances.lock().await.iter() {
            if instance.holds(id).await {
                tracing::warn!(function = %self.function.name, instance = instance.n, "invocation timed out; killing the instance");
                instance.kill().await;
            }
        }
    }

    pub(crate) async fn forget(&self, n: usize) {
        self.instances.lock().await.retain(|i| i.n != n);
        self.live.fetch_sub(1, Ordering::SeqCst);
    }

    /// Adds one invocation's time, from its hand-over to the function to
    /// its result, rounded up to the millisecond as Lambda bills it.
    pub(crate) async fn record_billed(&self, elapsed: Duration) {
        let ms = u64::try_from(elapsed.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
        self.stats.lock().await.billed_ms += ms;
    }

    pub(crate) async fn record_init(&self, elapsed: Duration) {
        self.stats
            .lock()
            .await
            .init_ms
            .push(elapsed.as_secs_f64() * 1e3);
    }

    pub(crate) fn environment(&self, runtime_api: &str, n: usize) -> BTreeMap<String, String> {
        let f = &self.function;
        let e = &self.runtime_env;
        let mut env: BTreeMap<String, String> = f.environment.clone();
        let now = jiff::Timestamp::now().strftime("%Y/%m/%d").to_string();
        for (k, v) in [
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", f.name),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("{now}/[$LATEST]devstack{n}"),
            ),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
            ("AWS_REGION", e.region.clone()),
            ("AWS_DEFAULT_REGION", e.region.clone()),
            ("AWS_ENDPOINT_URL", e.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("TZ", ":UTC".to_owned()),
            // Names the function in the SDK's User-Agent (`app/…`), so the
            // emulator can count requests per function; Lambda sets none.
            ("AWS_SDK_UA_APP_ID", f.binary.clone()),
            ("LANG", "en_US.UTF-8".to_owned()),
        ] {
            env.insert(k.to_owned(), v);
        }
        if let Ok(path) = std::env::var("PATH") {
            env.insert("PATH".to_owned(), path);
        }
        env
    }

    pub fn invoked_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.runtime_env.region, self.runtime_env.account, self.function.name
        )
    }

    pub async fn status(&self) -> PoolStatus {
        let instances: Vec<_> = self.instances.lock().await.clone();
        let mut live = Vec::new();
        for i in &instances {
            live.push(InstanceStatus {
                n: i.n,
                pid: i.pid,
                busy: i.busy().await,
                peak_rss_kib: i.peak_rss_kib(),
            });
        }
        let mut stats = self.stats.lock().await;
        let seen = live
            .iter()
            .filter_map(|i| i.peak_rss_kib)
            .max()
            .unwrap_or(0);
        stats.peak_rss_kib = stats.peak_rss_kib.max(seen);
        stats.log_bytes = self.log_bytes.load(Ordering::Relaxed);
        PoolStatus {
            name: self.function.name.clone(),
            binary: self.function.binary.clone(),
            memory_mb: self.function.memory_mb,
            instances: instances.len(),
            live,
            stats: stats.clone(),
        }
    }

    /// Kills every instance that is handling an invocation, as a crash
    /// would (fault tests): its caller sees the invocation fail. Returns
    /// how many were killed.
    pub async fn crash_busy(&self) -> usize {
        let instances: Vec<_> = self.instances.lock().await.clone();
        let mut killed = 0;
        for i in instances {
            if i.busy().await {
                tracing::warn!(function = %self.function.name, instance = i.n, "crashing a busy instance (fault injection)");
                i.kill().await;
                killed += 1;
            }
        }
        killed
    }

    /// `count` cold starts one after another, each instance stopped before
    /// the next starts; returns every init time recorded so far, in ms.
    pub async fn cold_starts(self: &Arc<Self>, count: usize) -> anyhow::Result<Vec<f64>> {
        for _ in 0..count.max(1) {
            self.warm().await?;
            self.stop_all().await;
            for _ in 0..500 {
                if self.live.load(Ordering::SeqCst) == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(self.stats.lock().await.init_ms.clone())
    }

    /// Stops every instance (devstack shutdown, or a forced cold start).
    pub async fn stop_all(&self) {
        let instances: Vec<_> = self.instances.lock().await.drain(..).collect();
        for i in instances {
            i.kill().await;
        }
    }

    /// At devstack's shutdown: starts no more instances, stops every one and
    /// waits (a little) for each process to have exited, so that none
    /// outlives devstack.
    pub async fn shut_down(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let instances: Vec<_> = self.instances.lock().await.drain(..).collect();
        for i in &instances {
            i.kill().await;
        }
        for i in &instances {
            i.exited(Duration::from_secs(2)).await;
        }
    }
}
