//! A rule's `sendEmail` action: its subject and text rendered against the
//! ticket as the rules left it, addressed to the people it names as they
//! are then, and written with the change as one `rule.mail_requested`
//! event, which the email worker sends (once, as an automatic mail).
//!
//! No rule answers an automatic mail: auto-replies and bounces never
//! open, reopen or add to a ticket (they are recorded only), so no change
//! a trigger runs on comes from one.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::ports::{TeamStore, UserStore};
use crate::accounts::user::Email;
use crate::automation::action::{MAX_SUBJECT_CHARS, MailTo, RuleMail};
use crate::automation::macros::{context, render_text};
use crate::kernel::error::DomainError;
use crate::kernel::events::{Actor, DomainEvent, EventType, Payload, Subject};
use crate::kernel::ids::UserId;
use crate::tickets::input::UNVERIFIED_SENDER;
use crate::tickets::ports::FieldSchemaStore;
use crate::tickets::ticket::{RuleRef, Ticket};

/// Mails one change may send at most (each is an event in its write).
pub const MAX_MAILS: usize = 5;
/// People one mail reaches at most (a team's first members by id).
pub const MAX_RECIPIENTS: usize = 50;

/// `rule.mail_requested`: a rule's mail, rendered and addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMailRequested {
    pub rule: RuleRef,
    /// People of the tenant, by id (the worker skips deactivated ones).
    #[serde(default)]
    pub recipients: Vec<UserId>,
    /// An address outside the tenant's people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub subject: String,
    pub text: String,
}

impl Payload for RuleMailRequested {
    const TYPES: &'static [EventType] = &[EventType::RuleMailRequested];
}

/// The mails `wanted` as the ticket `draft` now stands: rendered, and
/// addressed to whoever they name now. A mail that names nobody (no
/// assignee, an empty team) or no longer renders (a field removed since)
/// is left out, and logged.
pub(crate) async fn address<S>(
    store: &S,
    draft: &Ticket,
    wanted: &[(RuleRef, RuleMail)],
) -> Result<Vec<RuleMailRequested>, DomainError>
where
    S: UserStore + TeamStore + FieldSchemaStore,
{
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = draft.tenant_id;
    let ids: Vec<UserId> = [Some(draft.requester_id), draft.assignee_id]
        .into_iter()
        .flatten()
        .collect();
    let people = store.users(tenant, &ids).await?;
    let find = |id: Option<UserId>| people.iter().find(|u| Some(u.id) == id);
    let values = context(
        draft,
        find(Some(draft.requester_id)),
        find(draft.assignee_id),
    );
    let schema = store.field_schema(tenant).await?;
    let team = match draft.team_id {
        Some(id) if wanted.iter().any(|(_, m)| m.to == MailTo::Team) => {
            store.team(tenant, id).await?
        }
        _ => None,
    };
    let mut mails = Vec::new();
    for (rule, mail) in wanted.iter().take(MAX_MAILS) {
        let (recipients, address) = match mail.to {
            // Whoever wrote from an address they could not prove gets no
            // mail the ticket's text could fill.
            MailTo::Requester if draft.tags.iter().any(|t| t.as_str() == UNVERIFIED_SENDER) => {
                (Vec::new(), None)
            }
            MailTo::Requester => (vec![draft.requester_id], None),
            MailTo::Assignee => (draft.assignee_id.into_iter().collect(), None),
            MailTo::Team => (
                team.iter()
                    .flat_map(|t| t.members.iter().copied())
                    .take(MAX_RECIPIENTS)
                    .collect(),
                None,
            ),
            MailTo::Address => (
                Vec::new(),
                mail.address
                    .as_deref()
                    .and_then(|a| Email::parse(a).ok())
                    .map(|e| e.as_str().to_owned()),
            ),
        };
        if recipients.is_empty() && address.is_none() {
            tracing::info!(rule = %rule.id, ticket = %draft.id, to = ?mail.to, "a rule's mail names nobody; not sent");
            continue;
        }
        let rendered = render_text("subject", &mail.subject, &values, &schema)
            .and_then(|s| render_text("body", &mail.body, &values, &schema).map(|b| (s, b)));
        let (subject, text) = match rendered {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(rule = %rule.id, ticket = %draft.id, error = %e.message, "a rule's mail no longer renders; not sent");
                continue;
            }
        };
        mails.push(RuleMailRequested {
            rule: rule.clone(),
            recipients,
            address,
            subject: one_line(&subject),
            text,
        });
    }
    Ok(mails)
}

/// A subject on one line, within bounds.
fn one_line(subject: &str) -> String {
    subject
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_SUBJECT_CHARS)
        .collect()
}

/// `rule.mail_requested` about `ticket`.
pub(crate) fn mail_requested(
    ticket: &Ticket,
    mail: &RuleMailRequested,
    actor: Actor,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        EventType::RuleMailRequested,
        ticket.tenant_id,
        now,
        actor,
        Subject {
            ticket_id: Some(ticket.id),
            ..Subject::default()
        },
        mail,
    )
}
