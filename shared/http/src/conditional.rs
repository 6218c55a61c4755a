//! Optimistic locking over HTTP: `ETag` carries an object's version and
//! `If-Match` asks for an update only if it is unchanged.

use axum::extract::FromRequestParts;
use http::HeaderValue;
use http::header::IF_MATCH;
use http::request::Parts;

use crate::problem::ApiError;

/// The ETag of an object at `version`.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// What `If-Match` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// No header.
    Absent,
    /// `*`: any current version.
    Any,
    /// A specific version; a tag we never issued is `Version(u64::MAX)`,
    /// which matches nothing and so fails the precondition.
    Version(u64),
}

impl IfMatch {
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        if value == "*" {
            return IfMatch::Any;
        }
        // If-Match compares strongly (RFC 9110 13.1.1): a weak tag matches
        // no version, so the precondition fails.
        if value.starts_with("W/") {
            return IfMatch::Version(u64::MAX);
        }
        value
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse().ok())
            .map_or(IfMatch::Version(u64::MAX), IfMatch::Version)
    }

    /// The version to check, where one was given.
    pub fn version(self) -> Option<u64> {
        match self {
            IfMatch::Version(v) => Some(v),
            IfMatch::Absent | IfMatch::Any => None,
        }
    }

    /// For updates that must not proceed blind: `428` without the header,
    /// and with `*` (any version is a blind update too).
    pub fn required(self) -> Result<u64, ApiError> {
        match self {
            IfMatch::Version(v) => Ok(v),
            IfMatch::Absent | IfMatch::Any => Err(ApiError::precondition_required()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(
            match parts.headers.get(IF_MATCH).and_then(|v| v.to_str().ok()) {
                Some(v) => IfMatch::parse(v),
                None => IfMatch::Absent,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_values_parse() {
        assert_eq!(IfMatch::parse("\"3\""), IfMatch::Version(3));
        assert_eq!(
            IfMatch::parse("W/\"3\""),
            IfMatch::Version(u64::MAX),
            "a weak tag never matches"
        );
        assert_eq!(IfMatch::parse("*"), IfMatch::Any);
        assert_eq!(IfMatch::parse("3"), IfMatch::Version(u64::MAX));
        assert_eq!(
            IfMatch::Absent.required().map_err(|e| e.status.as_u16()),
            Err(428)
        );
        assert_eq!(
            IfMatch::Any.required().map_err(|e| e.status.as_u16()),
            Err(428),
            "`*` is a blind update"
        );
        assert_eq!(IfMatch::parse("\"3\"").required().ok(), Some(3));
        assert_eq!(etag(7), HeaderValue::from_static("\"7\""));
    }
}
