//! Structured JSON logs, one object per line, for CloudWatch and devstack
//! alike. Level from `RUST_LOG` (default `info`). Secrets, tokens and
//! message bodies are never logged: handlers log ids and outcomes only.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
