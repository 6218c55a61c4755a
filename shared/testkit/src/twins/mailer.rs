//! The outbound mailer in memory: raw messages are kept, each given a
//! provider id as SES would.

use switchboard_domain::StoreError;
use switchboard_domain::email::ports::MailSender;
use switchboard_domain::kernel::error::StoreResult;

use super::Shared;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail {
    pub from: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    /// The id `send_raw` returned.
    pub provider_id: String,
}

impl SentMail {
    /// The raw message as text (MIME is ASCII, bodies encoded).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

#[derive(Clone, Default)]
pub struct MemoryMailer {
    sent: Shared<Vec<SentMail>>,
}

impl MemoryMailer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn sent(&self) -> Vec<SentMail> {
        self.sent.with(|s| s.clone())
    }

    pub fn take_sent(&self) -> Vec<SentMail> {
        self.sent.with(std::mem::take)
    }

    /// The next send fails with `error` (nothing is kept).
    pub fn fail_next(&self, error: StoreError) {
        self.sent.fail_next(error);
    }
}

impl MailSender for MemoryMailer {
    async fn send_raw(&self, from: &str, recipients: &[String], raw: &[u8]) -> StoreResult<String> {
        self.sent.call(|s| {
            let provider_id = format!("memory-{:06}", s.len() + 1);
            s.push(SentMail {
                from: from.to_owned(),
                recipients: recipients.to_vec(),
                raw: raw.to_vec(),
                provider_id: provider_id.clone(),
            });
            provider_id
        })
    }
}
