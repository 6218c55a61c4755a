//! The success responses handlers give, in one place: an object with its
//! `ETag`, a created one with its `Location`, a redirect to a presigned
//! download.

use axum::response::{IntoResponse, Response};
use http::header::ETAG;
use http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::conditional::etag;
use crate::extract::Json;
use crate::layers::location;

/// `200` with the object at `version` as its `ETag`.
pub fn versioned(version: u64, body: impl Serialize) -> Response {
    ([(ETAG, etag(version))], Json(body)).into_response()
}

/// `201` with `Location` and, for versioned objects, `ETag`.
pub fn created(location_path: &str, version: Option<u64>, body: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, [location(location_path)], Json(body)).into_response();
    if let Some(v) = version {
        response.headers_mut().insert(ETAG, etag(v));
    }
    response
}

/// `302` to a presigned request's address (a download the caller makes
/// itself), kept by no cache: the address expires.
pub fn presigned_redirect(url: &str) -> Result<Response, crate::ApiError> {
    let location = HeaderValue::from_str(url)
        .map_err(|_| crate::ApiError::internal("a presigned address is not a header value"))?;
    Ok((
        StatusCode::FOUND,
        [
            (http::header::LOCATION, location),
            (
                http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ),
        ],
    )
        .into_response())
}

const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Marks a response as the replay of an earlier request with the same
/// `Idempotency-Key`.
pub fn replayed(mut response: Response, replayed: bool) -> Response {
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
