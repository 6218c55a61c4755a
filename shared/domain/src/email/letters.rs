//! The words of Switchboard's own mails: subject and plain text by kind
//! (the HTML alternative is made from the text when composed).

use crate::email::outbound::{MailKind, Recipient};
use crate::notifications::notification::NotificationKind;
use crate::tickets::ticket::Ticket;

/// Everything a mail's text needs, resolved by the worker.
pub struct Letter<'a> {
    pub kind: MailKind,
    pub helpdesk: &'a str,
    pub to: &'a Recipient,
    pub ticket: Option<&'a Ticket>,
    /// The reply's text (public comments only).
    pub reply: Option<&'a str>,
    /// Who wrote the reply.
    pub author: Option<&'a str>,
    pub notice: Option<NotificationKind>,
    /// The one-time or ticket link.
    pub link: Option<&'a str>,
}

/// Subject and plain text of a mail.
pub fn write(letter: &Letter<'_>) -> (String, String) {
    let tag = |t: &Ticket| format!("[#{}] {}", t.number, t.subject);
    let hello = format!("Hello {},", letter.to.name);
    let link = letter.link.unwrap_or_default();
    let sign = format!("— {}", letter.helpdesk);
    match (letter.kind, letter.ticket) {
        (MailKind::Acknowledgement, Some(t)) => (
            tag(t),
            format!(
                "{hello}\n\nWe received your request “{}” and gave it the number #{}. \
                 We will answer as soon as we can.\n\nTo add anything, reply to this email.\n\n{sign}",
                t.subject, t.number
            ),
        ),
        (MailKind::Reply, Some(t)) => (
            format!("Re: {}", tag(t)),
            format!(
                "{}\n\n— {}, {}",
                letter.reply.unwrap_or_default(),
                letter.author.unwrap_or(letter.helpdesk),
                letter.helpdesk
            ),
        ),
        (MailKind::Notice, Some(t)) => {
            let what = match letter.notice {
                Some(NotificationKind::Assigned) => "was assigned to you",
                Some(NotificationKind::CustomerReplied) => "has a new reply from the customer",
                Some(NotificationKind::TeamAssigned) => "was routed to your team",
                Some(NotificationKind::Mentioned) => "mentions you",
                _ => "changed",
            };
            (
                tag(t),
                format!(
                    "{hello}\n\nTicket #{} {what}.\n\n{link}\n\n{sign}",
                    t.number
                ),
            )
        }
        (MailKind::Invitation, _) => (
            format!("You are invited to {}", letter.helpdesk),
            format!(
                "{hello}\n\nYou have an account at {}. Choose your password here \
                 (the link works once, for 7 days):\n\n{link}\n\n{sign}",
                letter.helpdesk
            ),
        ),
        (MailKind::Verification, _) => (
            format!("Confirm your address for {}", letter.helpdesk),
            format!(
                "{hello}\n\nYou created an account at {}. Confirm that this address is yours \
                 (the link works once, for 7 days); until then, mail from it does not reach \
                 your account:\n\n{link}\n\nIf it was not you, ignore this email.\n\n{sign}",
                letter.helpdesk
            ),
        ),
        (MailKind::PasswordReset, _) => (
            format!("Reset your {} password", letter.helpdesk),
            format!(
                "{hello}\n\nSomeone asked to reset the password of your {} account. \
                 If it was you, choose a new one here (the link works once, for one hour):\n\n\
                 {link}\n\nIf it was not you, ignore this email: your password stays as it is.\n\n{sign}",
                letter.helpdesk
            ),
        ),
        (MailKind::Satisfaction, Some(t)) => (
            format!("How did we do? {}", tag(t)),
            format!(
                "{hello}\n\nYour request “{}” (#{}) is solved. How would you rate the help you got?\n\n\
                 Good, I'm satisfied: {link}&score=good\n\n\
                 Bad, I'm unsatisfied: {link}&score=bad\n\n\
                 One click records your answer; you can add a comment on the page it opens.\n\n\
                 To get no more of these: {link}&optOut=true\n\n{sign}",
                t.subject, t.number
            ),
        ),
        // Its words come with the event; this is only a fallback.
        (MailKind::Rule, Some(t)) => (tag(t), format!("{hello}\n\n{link}\n\n{sign}")),
        (_, None) => (letter.helpdesk.to_owned(), format!("{hello}\n\n{sign}")),
    }
}
