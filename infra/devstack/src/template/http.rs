//! The HTTP API: each function's `HttpApi` routes and the API's
//! `CorsConfiguration`.

use serde_json::Value;

use super::document::{Template, scalar_string};
use super::kinds::HTTP_API;
use super::resolve::Context;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    pub method: String,
    pub path: String,
    /// The logical id of the event in the template, for messages.
    pub event: String,
}

impl HttpRoute {
    /// API Gateway's route key: `GET /v1/tickets/{id}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

impl Cors {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == "*" || o == origin)
    }
}

impl HttpRoute {
    /// An `HttpApi` event's route: `Method` (default `ANY`) and `Path`
    /// (default `$default`).
    pub(super) fn of_event(event: &str, p: &Value) -> Self {
        Self {
            method: p
                .get("Method")
                .map(scalar_string)
                .unwrap_or_else(|| "ANY".into())
                .to_uppercase(),
            path: p
                .get("Path")
                .map(scalar_string)
                .unwrap_or_else(|| "$default".into()),
            event: event.to_owned(),
        }
    }
}

/// The HTTP API's CORS configuration, if it has one.
pub fn cors(t: &Template, ctx: &Context) -> anyhow::Result<Option<Cors>> {
    let Some((_, api)) = t.resources_of(HTTP_API).next() else {
        return Ok(None);
    };
    let Some(c) = api.pointer("/Properties/CorsConfiguration") else {
        return Ok(None);
    };
    let c = ctx.resolve(c)?;
    let list = |k: &str| -> Vec<String> {
        match c.get(k) {
            Some(Value::Array(a)) => a.iter().map(scalar_string).collect(),
            Some(v) => scalar_string(v)
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect(),
            None => Vec::new(),
        }
    };
    Ok(Some(Cors {
        allow_origins: list("AllowOrigins"),
        allow_methods: list("AllowMethods")
            .into_iter()
            .map(|m| m.to_uppercase())
            .collect(),
        allow_headers: list("AllowHeaders")
            .into_iter()
            .map(|h| h.to_lowercase())
            .collect(),
        expose_headers: list("ExposeHeaders")
            .into_iter()
            .map(|h| h.to_lowercase())
            .collect(),
        max_age: c
            .get("MaxAge")
            .map(scalar_string)
            .and_then(|s| s.parse().ok()),
        allow_credentials: c
            .get("AllowCredentials")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }))
}
