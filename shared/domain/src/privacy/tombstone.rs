//! What is left of an erased person: an account that names no one.

use jiff::Timestamp;

use crate::accounts::user::{Email, Erasure, User, UserStatus};
use crate::kernel::ids::JobId;

/// The name an erased person is shown by.
pub const ERASED_NAME: &str = "Erased person";

/// The address an erased person's account keeps: unique, undeliverable
/// (`.invalid` is reserved, RFC 2606), and saying nothing of them.
pub fn tombstone_address(user: &User) -> Option<Email> {
    Email::parse(&format!(
        "erased-{}@erased.invalid",
        user.id.ulid().to_string().to_lowercase()
    ))
    .ok()
}

/// Makes `user` a tombstone: no name, address, notes, password,
/// organisation or session; deactivated for good. `false` if they were
/// erased already (nothing changes).
pub fn erase(user: &mut User, job: JobId, now: Timestamp) -> bool {
    if user.is_erased() {
        return false;
    }
    if let Some(address) = tombstone_address(user) {
        user.email = address;
    }
    user.name = ERASED_NAME.to_owned();
    user.notes.clear();
    user.password_hash = None;
    user.organization_id = None;
    user.email_verified = false;
    user.status = UserStatus::Deactivated;
    user.sessions_ended_at = Some(now);
    user.erasure = Some(Erasure {
        at: now,
        job_id: job,
    });
    user.updated_at = now;
    user.version += 1;
    true
}

/// Replaces every mention of `address` in a JSON value (history entries
/// record copied addresses as they were).
pub fn scrub(value: &mut serde_json::Value, address: &str) -> bool {
    match value {
        serde_json::Value::String(s) if s.to_lowercase().contains(address) => {
            *s = "[erased]".to_owned();
            true
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| scrub(v, address) | changed),
        serde_json::Value::Object(map) => map
            .values_mut()
            .fold(false, |changed, v| scrub(v, address) | changed),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::user::Role;
    use crate::kernel::ids::TenantId;
    use serde_json::json;

    #[test]
    fn a_tombstone_names_no_one_and_erasing_twice_changes_nothing() {
        let mut user = User::new(
            TenantId::new(),
            Email::parse("ana@example.com").unwrap(),
            "Ana Lima".into(),
            Role::Customer,
            Some("$argon2id$v=19$secret".into()),
            Timestamp::UNIX_EPOCH,
        );
        user.notes = "prefers phone".into();
        let job = JobId::new();
        assert!(erase(&mut user, job, Timestamp::UNIX_EPOCH));
        let shown = format!("{user:?}");
        for gone in ["Ana", "ana@example.com", "prefers phone", "argon2id"] {
            assert!(!shown.contains(gone), "{gone} survived: {shown}");
        }
        assert!(user.email.as_str().ends_with("@erased.invalid"));
        assert!(!user.is_active());
        let erased = user.clone();
        assert!(!erase(&mut user, JobId::new(), Timestamp::UNIX_EPOCH));
        assert_eq!(user, erased);
    }

    #[test]
    fn scrubbing_replaces_the_address_wherever_it_is() {
        let mut v = json!({"before": ["ana@example.com", "bo@example.com"], "after": ["Ana@Example.com"], "n": 1});
        assert!(scrub(&mut v, "ana@example.com"));
        assert_eq!(
            v,
            json!({"before": ["[erased]", "bo@example.com"], "after": ["[erased]"], "n": 1})
        );
        assert!(!scrub(&mut v, "ana@example.com"));
    }
}
