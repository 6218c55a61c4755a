//! The email worker on the in-memory store, with the mailer and bucket twins.

use mail_parser::{Message, MessageParser};
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailing::{MailSettings, Mailer, Sent};
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_testkit::twins::SentMail;
use switchboard_testkit::{MemoryMailer, MemoryObjects, MemoryStore, TestClock, TestTenant};

use super::{SURVEY_KEY, replies};

pub const APP_URL: &str = "https://app.example";

pub struct Outbox {
    pub store: MemoryStore,
    pub clock: TestClock,
    pub acme: TestTenant,
    pub mailer: MemoryMailer,
    pub objects: MemoryObjects,
    pub worker: Mailer<MemoryStore, MemoryMailer, MemoryObjects>,
}

impl Outbox {
    pub async fn new() -> Self {
        let (store, clock, acme) = super::helpdesk().await;
        let mailer = MemoryMailer::new();
        let objects = MemoryObjects::with_clock(clock.clone());
        let worker = Mailer::new(
            store.clone(),
            mailer.clone(),
            objects.clone(),
            MailSettings {
                app_url: APP_URL.into(),
                replies: replies(),
                surveys: SURVEY_KEY,
            },
        );
        Self {
            store,
            clock,
            acme,
            mailer,
            objects,
            worker,
        }
    }

    /// The job of the one `kind` event written since the last take.
    pub fn job(&self, kind: EventType) -> MailJob {
        MailJob {
            event: self.event(kind),
            notify: Vec::new(),
        }
    }

    pub fn event(&self, kind: EventType) -> DomainEvent {
        super::one_of(&self.store.take_events(), kind)
    }

    pub async fn send(&self, job: &MailJob) -> Vec<Sent> {
        self.worker.send(job, self.clock.now()).await.unwrap()
    }
}

/// A sent mail, parsed.
pub fn read(mail: &SentMail) -> Message<'_> {
    MessageParser::default().parse(&mail.raw).unwrap()
}

/// The plain text of a parsed mail, with `\n` line ends.
pub fn text(mail: &Message<'_>) -> String {
    mail.body_text(0).unwrap().replace("\r\n", "\n")
}
