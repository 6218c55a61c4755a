//! Password links: the invitation of a person an admin created without a
//! password, and the password reset. A link is a random token; only its
//! digest is stored, it works once (taken with a conditional delete) and
//! expires (an hour for resets, a week for invitations).
//!
//! The token is minted by the email worker when it writes the mail, so
//! the raw token exists only in that mail: the request writes an internal
//! event, never the token, to the outbox.

use crate::accounts::events::UserUpdated;
use crate::accounts::input::ResetConfirmation;
use crate::accounts::input::ResetRequest;
use crate::accounts::password_link::{LinkPurpose, PasswordLink};
use crate::accounts::ports::PasswordLinks;
use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::kernel::events::NoData;
use crate::kernel::ports::EventLog;
use jiff::{SignedDuration, Timestamp};

use crate::accounts::passwords::Passwords;
use crate::accounts::user::User;
use crate::kernel::error::DomainError;
use crate::kernel::events::{Actor, DomainEvent, EventType, Subject};
use crate::kernel::secrets::token_digest;
use crate::kernel::validation::FieldError;

/// At most one reset mail per person in this window, however often asked.
pub const RESET_WINDOW: SignedDuration = SignedDuration::from_mins(5);

pub struct Recovery<S> {
    store: S,
    passwords: Passwords,
}

impl<S: TenantStore + UserStore + PasswordLinks + EventLog> Recovery<S> {
    pub fn new(store: S, passwords: Passwords) -> Self {
        Self { store, passwords }
    }

    /// Asks for a reset link. The answer is the same whether or not the
    /// helpdesk or the address exists; only malformed input is refused.
    pub async fn request(&self, input: ResetRequest, now: Timestamp) -> Result<(), DomainError> {
        let ResetRequest {
            tenant: slug,
            email,
        } = input;
        let Some(tenant) = self
            .store
            .tenant_by_slug(&slug)
            .await?
            .filter(|t| t.is_active())
        else {
            return Ok(());
        };
        let Some(user) = self
            .store
            .user_by_email(tenant.id, &email)
            .await?
            .filter(User::is_active)
        else {
            return Ok(());
        };
        let event = DomainEvent::new(
            EventType::PasswordResetRequested,
            tenant.id,
            now,
            Actor::operator(),
            Subject {
                user_id: Some(user.id),
                ..Subject::default()
            },
            &NoData {},
        );
        // Noted with its event: one mail per window, and a failed write
        // leaves nothing noted, so asking again works at once.
        self.store
            .note_reset_request(tenant.id, user.id, now, now + RESET_WINDOW, &[event])
            .await?;
        Ok(())
    }

    /// Sets the password with a link's token, which is then spent, and
    /// ends the person's other sessions.
    pub async fn confirm(
        &self,
        input: ResetConfirmation,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let ResetConfirmation { token, password } = input;
        let (link, mut user) = self
            .spend(
                &token,
                |p| p != LinkPurpose::Verification,
                "ask for a new one",
                now,
            )
            .await?;
        let expected = user.version;
        let hash = match self.passwords.hash(&password).await {
            Ok(hash) => hash,
            Err(e) => return Err(self.give_back(&link, e).await),
        };
        user.password_hash = Some(hash);
        user.password_changed_at = Some(now);
        // The link came by mail: the address is theirs.
        user.email_verified = true;
        self.save(&link, user, expected, "password", now).await
    }

    /// Follows a self-registered customer's verification link: their
    /// address is proven, and mail from it is theirs from now on.
    pub async fn verify_email(&self, token: &str, now: Timestamp) -> Result<(), DomainError> {
        let (link, mut user) = self
            .spend(
                token,
                |p| p == LinkPurpose::Verification,
                "sign in to get a new one",
                now,
            )
            .await?;
        if user.email_verified {
            return Ok(());
        }
        let expected = user.version;
        user.email_verified = true;
        self.save(&link, user, expected, "emailVerified", now).await
    }

    /// Takes a link of a purpose `fits` accepts, unexpired, of an active
    /// person: the link and the person. A link of another purpose is put
    /// back; every refusal is one field error ending with `then`.
    async fn spend(
        &self,
        token: &str,
        fits: impl Fn(LinkPurpose) -> bool,
        then: &str,
        now: Timestamp,
    ) -> Result<(PasswordLink, User), DomainError> {
        let invalid = || {
            DomainError::Invalid(vec![FieldError::new(
                "token",
                "invalid_token",
                format!("this link is not valid (used, expired or mistyped): {then}"),
            )])
        };
        let Some(link) = self.store.take_password_link(&token_digest(token)).await? else {
            return Err(invalid());
        };
        if !fits(link.purpose) {
            return Err(self.give_back(&link, invalid()).await);
        }
        if now >= link.expires_at {
            return Err(invalid());
        }
        let Some(user) = self
            .store
            .user(link.tenant_id, link.user_id)
            .await?
            .filter(User::is_active)
        else {
            return Err(invalid());
        };
        Ok((link, user))
    }

    /// Writes the person changed by a link, announcing `changed`; on
    /// failure the link is given back so it can be used again.
    async fn save(
        &self,
        link: &PasswordLink,
        mut user: User,
        expected: u64,
        changed: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        user.updated_at = now;
        user.version += 1;
        let event = UserUpdated::event(
            EventType::UserUpdated,
            &user,
            Actor::user(user.id),
            &[changed],
            now,
        );
        if let Err(e) = self
            .store
            .update_user(&user, expected, None, &[event])
            .await
        {
            return Err(self.give_back(link, e.into()).await);
        }
        Ok(())
    }

    /// Puts a link taken for a change that then failed back, so the
    /// person can try again with it; `error` is what they are told.
    async fn give_back(&self, link: &PasswordLink, error: DomainError) -> DomainError {
        if let Err(e) = self.store.put_password_link(link).await {
            tracing::warn!(error = %e, "a spent password link could not be put back");
        }
        error
    }
}
