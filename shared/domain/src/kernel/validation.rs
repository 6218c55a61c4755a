//! Collecting every field error of an input at once, so a form can show them
//! all instead of one per round trip.

pub use crate::kernel::error::{FieldError, Invalid};

/// Accumulates field errors while parsing an input into domain types.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records the error under `field`.
    pub fn field<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.errors
                    .push(FieldError::new(field, invalid.code, invalid.message));
                None
            }
        }
    }

    /// Like [`Validator::field`] for optional inputs.
    pub fn optional<T, U>(
        &mut self,
        field: &str,
        input: Option<U>,
        parse: impl FnOnce(U) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match input {
            None => Some(None),
            Some(raw) => self.field(field, parse(raw)).map(Some),
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// The collected errors, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), crate::DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::DomainError::Invalid(self.errors))
        }
    }
}

/// Trims and checks a free-text field's length in characters.
pub fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        return Err(if min == 1 {
            Invalid::new("required", "must not be empty")
        } else {
            Invalid::new("too_short", format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A prefixed id (`tkt_…`, `tea_…`) from input.
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, Invalid> {
    raw.parse()
        .map_err(|_| Invalid::new("invalid_id", format!("`{raw}` is not a valid id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validator_reports_every_failed_field() {
        let mut v = Validator::new();
        let a = v.field("name", bounded_text("  ", 1, 10));
        let b = v.field("title", bounded_text("ok", 1, 10));
        let c = v.field("bio", bounded_text("far too long here", 1, 5));
        assert_eq!((a, b.as_deref(), c), (None, Some("ok"), None));
        match v.finish() {
            Err(crate::DomainError::Invalid(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
                assert_eq!(fields, vec![("name", "required"), ("bio", "too_long")]);
            }
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_control_characters_refused() {
        assert_eq!(bounded_text("  Acme  ", 1, 80), Ok("Acme".to_owned()));
        assert_eq!(
            bounded_text("a\u{0}b", 1, 80).map_err(|e| e.code),
            Err("invalid_characters")
        );
        assert_eq!(
            bounded_text("ab", 3, 80).map_err(|e| e.code),
            Err("too_short")
        );
    }
}
