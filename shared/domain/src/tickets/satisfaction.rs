//! Customer satisfaction (CSAT): the requester of a solved ticket rates it
//! `good` or `bad`, with an optional comment, signed in or through the
//! signed link of the survey mailed when it was solved. A rating can be
//! changed; a `bad` one can reopen the ticket (a tenant setting).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::accounts::events::UserUpdated;
use crate::accounts::permissions::{Caller, Principal};
use crate::kernel::error::{Conflict, DomainError, Invalid};
use crate::kernel::events::{EventType, Payload};
use crate::kernel::ids::{SessionId, TenantId, TicketId, UserId};
use crate::kernel::secrets::{constant_time_eq, hmac_sha256};
use crate::tickets::changes::Extras;
use crate::tickets::events::ticket_event;
use crate::tickets::input::TicketPatch;
use crate::tickets::service::{Ticketing, WRITE_ATTEMPTS, backoff};
use crate::tickets::ticket::{Satisfaction, Score, Status, Ticket};

/// How long a survey's link works.
pub const SURVEY_VALIDITY: SignedDuration = SignedDuration::from_hours(28 * 24);

/// The longest comment a rating takes, in characters.
pub const MAX_COMMENT: usize = 2000;

/// A rating as given, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: Score,
    pub comment: Option<String>,
}

impl Rating {
    /// The comment trimmed (empty is none), at most [`MAX_COMMENT`]
    /// characters.
    pub fn parse_comment(raw: &str) -> Result<Option<String>, Invalid> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > MAX_COMMENT {
            return Err(Invalid::new(
                "too_long",
                format!("at most {MAX_COMMENT} characters"),
            ));
        }
        Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
    }
}

/// `satisfaction.rated`: the score, the comment, and the score it replaced
/// when the requester changed their mind (reports count the latest only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SatisfactionRated {
    pub score: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Score>,
    /// When the replaced rating was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_at: Option<Timestamp>,
    /// The rating reopened the ticket.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reopened: bool,
}

impl Payload for SatisfactionRated {
    const TYPES: &'static [EventType] = &[EventType::SatisfactionRated];
}

/// What a survey link stands for: a ticket and its requester, until it
/// expires. Sealed with an HMAC (a key derived from the deployment's
/// signing secret), so a link cannot be made for another ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyToken {
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub requester_id: UserId,
    pub expires_at: Timestamp,
}

impl SurveyToken {
    pub fn for_ticket(ticket: &Ticket, now: Timestamp) -> Self {
        Self {
            tenant_id: ticket.tenant_id,
            ticket_id: ticket.id,
            requester_id: ticket.requester_id,
            expires_at: now.checked_add(SURVEY_VALIDITY).unwrap_or(now),
        }
    }

    fn body(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.tenant_id.ulid(),
            self.ticket_id.ulid(),
            self.requester_id.ulid(),
            self.expires_at.as_second()
        )
    }

    /// The token to put in a link (URL-safe).
    pub fn seal(&self, key: &[u8; 32]) -> String {
        let body = self.body();
        let tag = hmac_sha256(key, body.as_bytes());
        format!("{body}.{}", hex(&tag[..16]))
    }

    /// The survey a token stands for, if it is intact and still valid:
    /// anything else is `NotFound`, like a ticket one may not see.
    pub fn open(key: &[u8; 32], token: &str, now: Timestamp) -> Result<Self, DomainError> {
        let parsed = || -> Option<Self> {
            let (body, tag) = token.rsplit_once('.')?;
            let expected = hmac_sha256(key, body.as_bytes());
            if !constant_time_eq(hex(&expected[..16]).as_bytes(), tag.as_bytes()) {
                return None;
            }
            let mut parts = body.split('.');
            let tenant = parts.next()?.parse::<ulid::Ulid>().ok()?;
            let ticket = parts.next()?.parse::<ulid::Ulid>().ok()?;
            let requester = parts.next()?.parse::<ulid::Ulid>().ok()?;
            let expires = Timestamp::from_second(parts.next()?.parse().ok()?).ok()?;
            if parts.next().is_some() {
                return None;
            }
            Some(Self {
                tenant_id: TenantId::from_ulid(tenant),
                ticket_id: TicketId::from_ulid(ticket),
                requester_id: UserId::from_ulid(requester),
                expires_at: expires,
            })
        };
        parsed()
            .filter(|t| now < t.expires_at)
            .ok_or(DomainError::NotFound)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl<S> Ticketing<S>
where
    S: crate::tickets::ports::TicketStore
        + crate::tickets::ports::FieldSchemaStore
        + crate::kernel::ports::IdempotencyStore
        + crate::accounts::ports::UserStore
        + crate::accounts::ports::TeamStore
        + crate::accounts::ports::OrganizationStore
        + crate::accounts::ports::TenantStore,
{
    /// The requester rates their solved (or closed) ticket; rating again
    /// replaces the rating. A `bad` rating of a solved ticket reopens it
    /// when the tenant says so. Only while the tenant asks for ratings, only
    /// customers (staff may be requesters, and would rate themselves), and
    /// never a ticket merged away. Answers the ticket as the caller sees it.
    pub async fn rate(
        &self,
        principal: &Principal,
        id: TicketId,
        rating: Rating,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let settings = principal.tenant.settings.satisfaction;
        if !settings.enabled {
            return Err(DomainError::NotAllowed("surveys_disabled"));
        }
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let ticket = self.visible(principal, id).await?;
            if principal.user_id() != Some(ticket.requester_id) || !principal.is_customer() {
                return Err(DomainError::NotAllowed("not_requester"));
            }
            if ticket.merged_into.is_some() {
                return Err(DomainError::field(
                    "ticket",
                    "merged",
                    "the ticket was merged into another: rate that one",
                ));
            }
            if !matches!(ticket.status, Status::Solved | Status::Closed) {
                return Err(DomainError::field(
                    "ticket",
                    "not_solved",
                    "only a solved or closed ticket is rated",
                ));
            }
            let previous = ticket.satisfaction.as_ref().map(|s| s.score);
            let previous_at = ticket.satisfaction.as_ref().map(|s| s.rated_at);
            let reopen = rating.score == Score::Bad
                && settings.reopen_on_bad
                && ticket.status == Status::Solved;
            let rated = ticket_event(
                EventType::SatisfactionRated,
                &ticket,
                principal,
                now,
                &SatisfactionRated {
                    score: rating.score,
                    comment: rating.comment.clone(),
                    previous,
                    previous_at,
                    reopened: reopen,
                },
            );
            let patch = TicketPatch {
                status: reopen.then_some(Status::Open),
                ..TicketPatch::default()
            };
            let extras = Extras {
                events: vec![rated],
                satisfaction: Some(Satisfaction {
                    score: rating.score,
                    comment: rating.comment.clone(),
                    rated_at: now,
                }),
                ..Extras::default()
            };
            match self
                .apply_patch(principal, ticket, patch, &extras, now)
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                Ok(rated) => {
                    let schema = self.store.field_schema(rated.tenant_id).await?;
                    return Ok(rated.as_seen_by_customer(&schema));
                }
                Err(e) => return Err(e),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    /// The requester a survey link stands for, acting on its ticket as
    /// they would signed in: a link that is forged, expired, or whose
    /// tenant, person or ticket is gone is `NotFound`.
    pub async fn surveyed(
        &self,
        key: &[u8; 32],
        token: &str,
        now: Timestamp,
    ) -> Result<(Principal, Ticket), DomainError> {
        let survey = SurveyToken::open(key, token, now)?;
        // Links die with the tenant's surveys.
        let tenant = self
            .store
            .tenant(survey.tenant_id)
            .await?
            .filter(|t| t.is_active() && t.settings.satisfaction.enabled)
            .ok_or(DomainError::NotFound)?;
        let user = self
            .store
            .user(survey.tenant_id, survey.requester_id)
            .await?
            .filter(|u| u.is_active())
            .ok_or(DomainError::NotFound)?;
        let principal = Principal {
            tenant,
            // The link speaks for the requester on this ticket only, never
            // through their organisation.
            caller: Caller::User {
                user,
                session_id: SessionId::new(),
            },
            membership: None,
        };
        let ticket = self.visible(&principal, survey.ticket_id).await?;
        Ok((principal, ticket))
    }

    /// The requester of a survey link asks for no more surveys (of any of
    /// their tickets); asking again changes nothing.
    pub async fn decline_surveys(
        &self,
        key: &[u8; 32],
        token: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let (principal, _) = self.surveyed(key, token, now).await?;
        let Caller::User { user, .. } = &principal.caller else {
            return Err(DomainError::NotFound);
        };
        if user.surveys_declined {
            return Ok(());
        }
        let mut declined = user.clone();
        declined.surveys_declined = true;
        declined.version += 1;
        declined.updated_at = now;
        let event = UserUpdated::event(
            EventType::UserUpdated,
            &declined,
            principal.actor(),
            &["surveysDeclined"],
            now,
        );
        Ok(self
            .store
            .update_user(&declined, user.version, None, &[event])
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> SurveyToken {
        SurveyToken {
            tenant_id: TenantId::new(),
            ticket_id: TicketId::new(),
            requester_id: UserId::new(),
            expires_at: Timestamp::from_second(2_000_000_000).unwrap(),
        }
    }

    #[test]
    fn a_survey_link_opens_only_intact_and_in_time() {
        let key = [9u8; 32];
        let t = token();
        let sealed = t.seal(&key);
        let before = Timestamp::from_second(1_900_000_000).unwrap();
        assert_eq!(SurveyToken::open(&key, &sealed, before).unwrap(), t);
        assert!(SurveyToken::open(&[8u8; 32], &sealed, before).is_err());
        assert!(SurveyToken::open(&key, &sealed, t.expires_at).is_err());
        let other = SurveyToken {
            ticket_id: TicketId::new(),
            ..t
        };
        let forged = format!("{}.{}", other.body(), sealed.rsplit_once('.').unwrap().1);
        assert!(SurveyToken::open(&key, &forged, before).is_err());
        assert!(SurveyToken::open(&key, "", before).is_err());
        assert!(
            sealed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.')
        );
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(Rating::parse_comment("  ").unwrap(), None);
        assert_eq!(
            Rating::parse_comment(" Thanks! ").unwrap().as_deref(),
            Some("Thanks!")
        );
        assert!(Rating::parse_comment(&"x".repeat(MAX_COMMENT + 1)).is_err());
        assert_eq!(Score::parse("good").unwrap(), Score::Good);
        assert!(Score::parse("meh").is_err());
    }
}
