//! Responses browsers and CDNs may keep: a strong `ETag` made from the
//! body itself (so it changes exactly when the answer does), `304 Not
//! Modified` for an `If-None-Match` that still holds, and `Cache-Control`
//! by audience: shared caches may keep what anyone may read; what a
//! signed-in reader got stays in their own browser, revalidated each time.

use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::problem::ApiError;

/// Who the answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: shared caches may keep it.
    Public,
    /// A signed-in reader: their browser only, revalidated.
    Private,
}

impl Audience {
    fn cache_control(self) -> &'static str {
        match self {
            Audience::Public => "public, no-cache",
            Audience::Private => "private, no-cache",
        }
    }
}

/// The strong validator of `body`.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether `If-None-Match` names `tag` (or is `*`). Weak comparison, as
/// RFC 9110 asks of `If-None-Match`.
fn still_fresh(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

/// `body` as JSON with its `ETag` and `Cache-Control`, or `304` when the
/// caller's copy is current.
pub fn cached_json(
    request: &HeaderMap,
    body: &impl Serialize,
    audience: Audience,
) -> Result<Response, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
    let tag = etag_of(&bytes);
    let mut response = if still_fresh(request, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(http::header::CONTENT_TYPE, "application/json")], bytes).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(ETAG, v);
    }
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(audience.cache_control()),
    );
    headers.insert(
        VARY,
        HeaderValue::from_static("Authorization, Accept-Language"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(tag: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(tag) {
            h.insert(IF_NONE_MATCH, v);
        }
        h
    }

    #[test]
    fn the_same_answer_is_not_modified_and_a_new_one_is_sent() {
        let body = serde_json::json!({"title": "Reset"});
        let first = cached_json(&HeaderMap::new(), &body, Audience::Public).ok();
        let first = first.map(|r| (r.status(), r.headers().clone()));
        let Some((status, headers)) = first else {
            panic!("no response");
        };
        assert_eq!(status, StatusCode::OK);
        let tag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()),
            Some("public, no-cache")
        );
        let again = cached_json(&asking(&tag), &body, Audience::Private).map(|r| r.status());
        assert_eq!(again.ok(), Some(StatusCode::NOT_MODIFIED));
        let weak = cached_json(&asking(&format!("W/{tag}, \"x\"")), &body, Audience::Public);
        assert_eq!(
            weak.map(|r| r.status()).ok(),
            Some(StatusCode::NOT_MODIFIED)
        );
        let changed = serde_json::json!({"title": "Reset!"});
        let fresh = cached_json(&asking(&tag), &changed, Audience::Public).map(|r| r.status());
        assert_eq!(fresh.ok(), Some(StatusCode::OK));
    }
}
