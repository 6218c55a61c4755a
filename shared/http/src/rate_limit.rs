//! Rate limit headers: authentication records what each bucket admitted
//! for the request, and every response then carries the IETF
//! `RateLimit-Policy` and `RateLimit` fields (draft-ietf-httpapi-
//! ratelimit-headers) and the common `X-RateLimit-*` ones for the bucket
//! closest to empty.

use std::sync::{Arc, Mutex, PoisonError};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use switchboard_domain::limits::limiter::Admission;

tokio::task_local! {
    static ADMISSIONS: Arc<Mutex<Vec<Admission>>>;
}

/// Records what the buckets said for the current request (a no-op
/// outside a request).
pub fn record(admissions: &[Admission]) {
    let _ = ADMISSIONS.try_with(|a| {
        a.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(admissions)
    });
}

/// Runs a request with a place for its admissions; returns them too.
pub(crate) async fn scope<F: Future>(f: F) -> (F::Output, Vec<Admission>) {
    let cell = Arc::new(Mutex::new(Vec::new()));
    let out = ADMISSIONS.scope(cell.clone(), f).await;
    let admissions = std::mem::take(&mut *cell.lock().unwrap_or_else(PoisonError::into_inner));
    (out, admissions)
}

/// Seconds until the bucket has a request's worth again.
fn reset(a: &Admission) -> u64 {
    if a.allowed && a.remaining > 0 {
        0
    } else {
        a.retry_after_secs.max(a.policy.seconds_per_token())
    }
}

pub(crate) fn headers(headers: &mut HeaderMap, admissions: &[Admission]) {
    if admissions.is_empty() {
        return;
    }
    let policies: Vec<String> = admissions
        .iter()
        .map(|a| a.policy.header(a.scope.name()))
        .collect();
    let states: Vec<String> = admissions
        .iter()
        .map(|a| format!("\"{}\";r={};t={}", a.scope.name(), a.remaining, reset(a)))
        .collect();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("ratelimit-policy", policies.join(", "));
    set("ratelimit", states.join(", "));
    if let Some(tightest) = admissions.iter().min_by_key(|a| a.remaining) {
        set("x-ratelimit-limit", tightest.policy.limit.to_string());
        set("x-ratelimit-remaining", tightest.remaining.to_string());
        set("x-ratelimit-reset", reset(tightest).to_string());
    }
}
