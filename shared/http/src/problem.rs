//! RFC 9457 problem details. Every error response of the API is built here,
//! with a stable `code` for programs and per-field `errors` for forms.

use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::validation::FieldError;
use switchboard_domain::{DomainError, StoreError};

use crate::request_id::current_request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    /// RFC 6901 pointer into the request body.
    pub pointer: String,
    pub code: &'static str,
    pub detail: String,
    /// For a query: the character offset of the token at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// For a query: the token at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        let pointer = if e.field.is_empty() {
            String::new()
        } else {
            format!(
                "/{}",
                e.field
                    .replace('~', "~0")
                    .replace('/', "~1")
                    .replace('.', "/")
            )
        };
        let (position, token) = e.at.map(|a| (a.position, a.token)).unzip();
        Self {
            field: e.field,
            pointer,
            code: e.code,
            detail: e.message,
            position,
            token,
        }
    }
}

/// An error on its way to becoming a response (boxed: errors are the rare
/// path, and a small `Result` keeps the common one cheap).
#[derive(Debug)]
pub struct ApiError(Box<Problem>);

#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<ProblemField>,
    pub retry_after: Option<u64>,
    /// Logged for 5xx; never sent.
    pub cause: Option<String>,
}

/// The problem document as the OpenAPI description shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Problem)]
pub struct ProblemSchema {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable, for programs: `validation_failed`, `not_found`, …
    pub code: String,
    pub detail: Option<String>,
    pub errors: Vec<ProblemField>,
    pub request_id: Option<String>,
}

/// The problem responses every route can give, for the OpenAPI
/// description: any 4XX status with a problem+json body. Handlers list it
/// after their success response: `responses((status = 200, body = …), Problems)`.
pub struct Problems;

impl utoipa::IntoResponses for Problems {
    fn responses() -> std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
    > {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description("A problem (RFC 9457)")
            .content(PROBLEM_JSON, content)
            .build();
        [("4XX".to_owned(), response.into())].into()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ProblemField],
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl std::ops::Deref for ApiError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str) -> Self {
        Self(Box::new(Problem {
            status,
            code,
            title,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            cause: None,
        }))
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors.into_iter().map(Into::into).collect();
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.0.retry_after = Some(secs);
        self
    }

    fn cause(mut self, cause: impl Into<String>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body is not valid JSON",
        )
        .detail(detail)
    }

    pub fn invalid_body(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request has invalid fields",
        )
        .with_errors(errors)
    }

    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "The query string is invalid",
        )
        .with_errors(errors)
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be application/json",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The body is too large",
        )
        .detail(format!("bodies are limited to {limit} bytes"))
    }

    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "route_not_found", "No such route")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "The route does not support this method",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found")
    }

    pub fn unauthenticated() -> Self {
        Self::from(DomainError::Unauthenticated(
            switchboard_domain::kernel::error::AuthFailure::Missing,
        ))
    }

    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "This update needs an If-Match header with the ETag you read",
        )
    }

    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side",
        )
        .cause(cause)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        use StatusCode as S;
        match e {
            DomainError::Invalid(errors) => ApiError::invalid_body(errors),
            DomainError::Unauthenticated(why) => {
                let title = match why {
                    switchboard_domain::kernel::error::AuthFailure::InvalidCredentials => {
                        "The tenant, email or password is wrong"
                    }
                    _ => "Authentication is required",
                };
                ApiError::new(S::UNAUTHORIZED, why.code(), title)
            }
            DomainError::Forbidden => ApiError::new(S::FORBIDDEN, "forbidden", "Not permitted"),
            DomainError::NotAllowed(code) => ApiError::new(
                S::FORBIDDEN,
                code,
                "Not allowed by this helpdesk's settings",
            ),
            DomainError::Suspended => ApiError::new(
                S::FORBIDDEN,
                "account_suspended",
                "This account or helpdesk is suspended",
            ),
            DomainError::NotFound | DomainError::Store(StoreError::NotFound) => {
                ApiError::not_found()
            }
            DomainError::Conflict(Conflict::SlugTaken) => {
                ApiError::new(S::CONFLICT, "slug_taken", "The slug is already in use")
                    .with_errors(vec![FieldError::new("slug", "taken", "is already in use")])
            }
            DomainError::Conflict(Conflict::EmailTaken) => ApiError::new(
                S::CONFLICT,
                "email_taken",
                "An account with this email exists",
            ),
            DomainError::Conflict(Conflict::AddressTaken) => ApiError::new(
                S::CONFLICT,
                "address_taken",
                "Another mailbox has this address",
            )
            .with_errors(vec![FieldError::new(
                "address",
                "taken",
                "is already in use",
            )]),
            DomainError::Conflict(Conflict::DomainTaken) => ApiError::new(
                S::CONFLICT,
                "domain_taken",
                "Another organisation has one of these domains",
            )
            .with_errors(vec![FieldError::new(
                "domains",
                "taken",
                "one of them belongs to another organisation",
            )]),
            DomainError::Conflict(Conflict::Concurrent) => ApiError::new(
                S::CONFLICT,
                "conflict",
                "The object was changed concurrently",
            ),
            DomainError::Conflict(Conflict::NotEmpty) => ApiError::new(
                S::CONFLICT,
                "not_empty",
                "Move or delete what it holds first",
            ),
            DomainError::PreconditionFailed => ApiError::new(
                S::PRECONDITION_FAILED,
                "precondition_failed",
                "The object has changed since it was read",
            ),
            DomainError::IdempotencyKeyReused => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ),
            DomainError::Throttled { retry_after_secs } => ApiError::new(
                S::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "Too many attempts; try again later",
            )
            .retry_after(retry_after_secs),
            DomainError::RateLimited { retry_after_secs } => ApiError::new(
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests for this helpdesk or API key; slow down",
            )
            .retry_after(retry_after_secs),
            DomainError::InvalidCursor | DomainError::Store(StoreError::InvalidCursor) => {
                ApiError::new(S::BAD_REQUEST, "invalid_cursor", "The cursor is invalid")
            }
            DomainError::Store(StoreError::Unavailable(cause)) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "Storage is temporarily unavailable",
            )
            .retry_after(1)
            .cause(cause),
            DomainError::Store(other) => ApiError::internal(other.to_string()),
            DomainError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(
                code = self.code,
                cause = self.cause.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let body = Body {
            kind: format!("/problems/{}", self.code.replace('_', "-")),
            title: self.title,
            status: self.status.as_u16(),
            code: self.code,
            detail: self.detail.as_deref(),
            errors: &self.errors,
            request_id: current_request_id(),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        DomainError::Store(e).into()
    }
}
