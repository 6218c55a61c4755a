//! Triggers and automations are ordered sets of rules: room is bounded,
//! and a rule goes where its `position` says (the end by default).

use crate::kernel::error::DomainError;

/// A set with `len` rules takes one more only below `max`.
pub(crate) fn check_room(len: usize, max: usize, what: &str) -> Result<(), DomainError> {
    if len >= max {
        return Err(DomainError::field(
            "title",
            "too_many",
            format!("at most {max} {what}"),
        ));
    }
    Ok(())
}

/// Puts `item` at `position` (or `fallback`), within the list; where it went.
pub(crate) fn place<T>(
    list: &mut Vec<T>,
    item: T,
    position: Option<usize>,
    fallback: usize,
) -> usize {
    let at = position.unwrap_or(fallback).min(list.len());
    list.insert(at, item);
    at
}
