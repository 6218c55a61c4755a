//! The email worker's unit of work.

use serde::{Deserialize, Serialize};

use crate::email::outbound::Notified;
use crate::kernel::events::DomainEvent;

/// What the router hands the email worker: the event, and the in-app
/// notifications whose owners also want them by mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailJob {
    pub event: DomainEvent,
    #[serde(default)]
    pub notify: Vec<Notified>,
}
