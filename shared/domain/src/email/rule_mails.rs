//! The mails of a `rule.mail_requested` event: one to each person it
//! names who is still active, and one to its address; words as the rule
//! rendered them.

use std::collections::BTreeMap;

use crate::accounts::user::User;
use crate::automation::rule_mail::RuleMailRequested;
use crate::email::outbound::{MailKind, PlannedMail, Recipient};
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::UserId;

/// The mails `event` asks for, keyed by who gets them, so a redelivered
/// event claims the same ones.
pub fn planned(event: &DomainEvent, people: &BTreeMap<UserId, User>) -> Vec<PlannedMail> {
    let Some(mail) = event.payload::<RuleMailRequested>() else {
        return Vec::new();
    };
    let content = Some((mail.subject.clone(), mail.text.clone()));
    let people_named = mail
        .recipients
        .iter()
        .filter_map(|id| people.get(id).filter(|u| u.is_active()))
        .map(Recipient::of);
    let outsider = mail.address.iter().map(|a| Recipient {
        user_id: None,
        email: a.clone(),
        name: a.clone(),
    });
    let mut seen = std::collections::BTreeSet::new();
    people_named
        .chain(outsider)
        .filter(|r| seen.insert(r.email.clone()))
        .map(|to| PlannedMail {
            kind: MailKind::Rule,
            key: match to.user_id {
                Some(id) => format!("rule.{id}"),
                None => "rule.address".into(),
            },
            to,
            cc: Vec::new(),
            notice: None,
            content: content.clone(),
        })
        .collect()
}

/// The people a `rule.mail_requested` event names (none for other events).
pub fn people_named(event: &DomainEvent) -> Vec<UserId> {
    event
        .payload::<RuleMailRequested>()
        .map(|m| m.recipients)
        .unwrap_or_default()
}
