//! Request extractors whose rejections are problem+json like every other
//! error: malformed JSON is `400`, a wrong or missing field `422` with the
//! field named, a body over the limit `413`, a non-JSON body `415`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_domain::kernel::validation::FieldError;

use crate::layers::BODY_LIMIT_BYTES;
use crate::problem::ApiError;

/// A JSON body, deserialized strictly (DTOs use `deny_unknown_fields`).
/// Also a JSON response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The body of a JSON request, within the size limit.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !is_json(req.headers().get(CONTENT_TYPE)) {
        return Err(ApiError::unsupported_media_type());
    }
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::payload_too_large(BODY_LIMIT_BYTES)
        } else {
            ApiError::malformed_json("the body could not be read")
        }
    })
}

fn is_json(content_type: Option<&http::HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON document into `T`, classifying failures for the client.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, over the whole document: malformed JSON is a 400 even
    // when its first value alone would fail the type with a 422.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| {
        ApiError::malformed_json(format!(
            "invalid JSON at line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(classify)?;
    de.end()
        .map_err(|_| ApiError::malformed_json("unexpected data after the JSON value"))?;
    Ok(value)
}

fn classify(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::malformed_json(format!(
            "invalid JSON at line {}, column {}",
            inner.line(),
            inner.column()
        )),
        Category::Data => ApiError::invalid_body(vec![field_error(&path, &inner.to_string())]),
    }
}

/// Turns serde's message into a field error naming the offending field.
fn field_error(path: &str, message: &str) -> FieldError {
    // serde appends " at line L column C"; clients get the field instead.
    let message = message.split(" at line ").next().unwrap_or(message);
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = quoted(rest).unwrap_or_default();
        return FieldError::new(join(&name), "required", "is required");
    }
    if message.starts_with("unknown field ") {
        // serde_path_to_error already points at the unknown key.
        return FieldError::new(parent, "unknown_field", "is not a known field");
    }
    let code = if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    FieldError::new(parent, code, message)
}

/// A JSON body of a create that honours `Idempotency-Key`: the body, and
/// the client's key with a canonical digest of the request (key order and
/// whitespace do not make two requests different).
pub struct IdempotentJson<T> {
    pub body: T,
    pub key: Option<(String, Vec<u8>)>,
}

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = match req.headers().get(IDEMPOTENCY_KEY) {
            None => None,
            Some(v) => {
                let k = v.to_str().unwrap_or("").trim().to_owned();
                if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ApiError::invalid_body(vec![FieldError::new(
                        "Idempotency-Key",
                        "invalid_header",
                        "1 to 255 printable ASCII characters",
                    )]));
                }
                Some(k)
            }
        };
        let bytes = json_bytes(req, state).await?;
        let body = parse_json(&bytes)?;
        let key = match key {
            Some(k) => {
                let canonical: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|_| ApiError::malformed_json("the body is not JSON"))?;
                Some((k, serde_json::to_vec(&canonical).unwrap_or_default()))
            }
            None => None,
        };
        Ok(IdempotentJson { body, key })
    }
}

/// For `Option<Option<T>>` fields of a PATCH: absent is `None`, `null` is
/// `Some(None)` (clear), a value is `Some(Some(v))`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// An id from the path. One that does not parse names nothing that
/// exists: `404`, like an absent or another tenant's object.
pub fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// `?limit=&cursor=` as every list takes it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(self) -> Result<switchboard_domain::kernel::pagination::PageRequest, ApiError> {
        switchboard_domain::kernel::pagination::PageRequest::parse(self.limit, self.cursor)
            .map_err(|e| ApiError::invalid_query(vec![FieldError::new("limit", e.code, e.message)]))
    }
}

/// A query string, with problem+json rejections.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ApiError::invalid_query(vec![field_error(&path, &message)])
            })
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Owner {
        name: String,
        email: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct SignUp {
        name: String,
        owner: Owner,
    }

    fn fail(body: &str) -> (u16, &'static str, Vec<(String, &'static str)>) {
        let e = parse_json::<SignUp>(body.as_bytes()).unwrap_err();
        let fields = e.errors.iter().map(|f| (f.field.clone(), f.code)).collect();
        (e.status.as_u16(), e.code, fields)
    }

    #[test]
    fn malformed_json_is_a_400() {
        assert_eq!(fail("{").1, "malformed_json");
        assert_eq!(fail("{} x").0, 400);
        assert_eq!(fail("").0, 400);
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_named() {
        assert_eq!(
            fail(r#"{"owner":{"name":"A","email":"a@b.co"}}"#),
            (422, "validation_failed", vec![("name".into(), "required")])
        );
        assert_eq!(
            fail(r#"{"name":"A","owner":{"name":"A"}}"#).2,
            vec![("owner.email".into(), "required")]
        );
        assert_eq!(
            fail(r#"{"name":"A","owner":{"name":"A","email":"a@b.co"},"admin":true}"#).2,
            vec![("admin".into(), "unknown_field")]
        );
        assert_eq!(
            fail(r#"{"name":5,"owner":{"name":"A","email":"a@b.co"}}"#).2,
            vec![("name".into(), "invalid_type")]
        );
    }

    #[test]
    fn json_content_types_are_recognised() {
        let v = |s: &'static str| http::HeaderValue::from_static(s);
        assert!(is_json(Some(&v("application/json"))));
        assert!(is_json(Some(&v("application/json; charset=utf-8"))));
        assert!(is_json(Some(&v("application/merge-patch+json"))));
        assert!(!is_json(Some(&v("text/plain"))));
        assert!(!is_json(None));
    }
}
