//! The email channel's rules: reading a raw message, telling auto-replies,
//! bounces and quarantined mail from what a person wrote, finding the
//! ticket a reply belongs to, and keeping only the new text of a reply.

pub mod classify;
pub mod mailbox;
pub mod message;
pub mod reply;
pub mod subject;

pub use classify::{Classification, Verdict, Verdicts, classify};
pub use mailbox::Mailbox;
pub use message::{InboundMail, MailAddress, MailAttachment};
