//! The email channel: reading a raw message, telling auto-replies, bounces
//! and quarantined mail from what a person wrote, finding the ticket a reply
//! belongs to and keeping only its new text (`intake`); mailboxes; and the
//! mail Switchboard sends (`outbound` plans and writes it, `mailing` sends).

pub mod classify;
pub mod intake;
pub mod letters;
pub mod mail_job;
pub mod mailbox;
pub mod mailboxes;
pub mod mailing;
pub mod message;
pub mod message_record;
pub mod outbound;
pub mod ports;
pub mod reply;
pub mod rule_mails;
pub mod senders;
pub mod subject;
pub mod token;

pub use classify::{Classification, Verdict, Verdicts, classify};
pub use mailbox::Mailbox;
pub use message::{InboundMail, MailAddress, MailAttachment};
pub use token::ReplyAddresses;

/// The form a Message-ID is indexed under: without angle brackets, and
/// with SES's rewritten ids (`…@email.amazonses.com`,
/// `…@{region}.amazonses.com`) under one domain, since which one SES uses
/// depends on the region.
pub fn thread_id(message_id: &str) -> String {
    let id = message_id.trim().trim_matches(['<', '>']);
    match id.rsplit_once('@') {
        Some((local, domain))
            if domain.eq_ignore_ascii_case("amazonses.com")
                || domain.to_ascii_lowercase().ends_with(".amazonses.com") =>
        {
            format!("{local}@amazonses.com")
        }
        _ => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::thread_id;

    #[test]
    fn ses_ids_are_indexed_under_one_domain() {
        let id = "0100018c-aaaa-bbbb-0000";
        assert_eq!(
            thread_id(&format!("<{id}@email.amazonses.com>")),
            format!("{id}@amazonses.com")
        );
        assert_eq!(
            thread_id(&format!("{id}@eu-west-1.amazonses.com")),
            format!("{id}@amazonses.com")
        );
        assert_eq!(thread_id("<abc@example.com>"), "abc@example.com");
        assert_eq!(thread_id("abc@notamazonses.com"), "abc@notamazonses.com");
    }
}
