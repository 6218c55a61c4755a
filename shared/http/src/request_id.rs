//! Every request's id: the caller's (when plain and short), API Gateway's,
//! or a new one; carried in the task while it is served, so problems and
//! logs can name it.

use axum::extract::Request;
use http::header::HeaderName;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    pub(crate) static CURRENT_REQUEST_ID: String;
}

/// The id of the request being served on this task, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

pub(crate) fn request_id(req: &Request) -> String {
    let from_caller = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_safe_id(v));
    if let Some(id) = from_caller {
        return id.to_owned();
    }
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref()
        && let Some(id) = ctx.request_id.as_deref()
    {
        return id.to_owned();
    }
    ulid::Ulid::new().to_string()
}

/// Caller-supplied ids end up in logs: keep them short and plain.
fn is_safe_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_request_ids_are_taken_from_callers() {
        assert!(is_safe_id("b0c2d0e4-9f7c-4f8e-a3d2-0c0b8e6f1a2b"));
        assert!(!is_safe_id(""));
        assert!(!is_safe_id("has space"));
        assert!(!is_safe_id("new\nline"));
        assert!(!is_safe_id(&"x".repeat(129)));
    }
}
