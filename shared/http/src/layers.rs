//! What wraps every route of every API function: request ids, the request
//! log span, security headers, the body limit, panics turned into problems,
//! and problem+json for unknown routes and methods.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::{self, HeaderName};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Instrument;
use tracing::field::Empty;

use crate::problem::ApiError;
use crate::request_id::{CURRENT_REQUEST_ID, REQUEST_ID, request_id};
use switchboard_domain::kernel::audit::Origin;

/// The largest JSON body any route accepts. Larger uploads go to S3 directly.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

fn function_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into())
    })
}

/// Wraps a function's router in the shared conventions.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    const SECURITY_HEADERS: [(&str, &str); 6] = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("cache-control", "no-store"),
    ];
    let mut router = router
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a handler panicked").into_response()
        }));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    router.layer(middleware::from_fn(request_scope))
}

/// Gives the request an id (the caller's, API Gateway's, or a new one), a
/// log span carrying it, and a completion log line.
async fn request_scope(req: Request, next: Next) -> Response {
    let id = request_id(&req);
    let span = tracing::info_span!(
        "request",
        function = function_name(),
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
        tenant_id = Empty,
        caller_id = Empty,
    );
    let started = Instant::now();
    let origin = Origin {
        ip: crate::public::source_address(req.extensions()).map(|a| a.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect()),
        request_id: Some(id.clone()),
        retention_days: None,
    };
    let (mut response, admissions) = crate::rate_limit::scope(CURRENT_REQUEST_ID.scope(
        id.clone(),
        origin.scope(next.run(req).instrument(span.clone())),
    ))
    .await;
    crate::rate_limit::headers(response.headers_mut(), &admissions);
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1e3,
            "request completed"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// `Location` for a created resource.
pub fn location(path: &str) -> (HeaderName, String) {
    (header::LOCATION, path.to_owned())
}
