//! A helpdesk with a mailbox, and the intake that receives its mail.

use switchboard_domain::DomainError;
use switchboard_domain::email::Verdicts;
use switchboard_domain::email::intake::{Decision, Intake, Received};
use switchboard_domain::email::mailboxes::{MailboxInput, Mailboxes};
use switchboard_domain::email::message::parse;
use switchboard_domain::kernel::ids::TeamId;
use switchboard_domain::tickets::input::TicketListFilter;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::{MemoryObjects, MemoryStore, TestClock, TestTenant};

use super::{message_id, page, raw_mail, replies};

/// A helpdesk with one mailbox (default team Billing, priority high).
pub struct Desk {
    pub store: MemoryStore,
    pub clock: TestClock,
    pub objects: MemoryObjects,
    pub acme: TestTenant,
    pub billing: TeamId,
    pub address: String,
    pub intake: Intake<MemoryStore, MemoryObjects>,
    pub ticketing: Ticketing<MemoryStore>,
}

impl Desk {
    pub async fn new() -> Self {
        let (store, clock, acme) = super::helpdesk().await;
        let billing = super::team(&store, &acme, "Billing", clock.now()).await.id;
        let address = format!("help@{}.example", acme.tenant.slug.as_str());
        Mailboxes::new(
            store.clone(),
            switchboard_testkit::MemoryIdentities::new(),
            super::MAIL_DOMAIN,
        )
        .create(
            &acme.owner.principal,
            MailboxInput {
                address: Some(address.to_uppercase()),
                default_team_id: Some(Some(billing.to_string())),
                default_priority: Some(Some("high".into())),
                ..MailboxInput::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
        store.take_events();
        let objects = MemoryObjects::with_clock(clock.clone());
        Self {
            intake: Intake::new(store.clone(), objects.clone(), replies()),
            ticketing: Ticketing::new(store.clone()),
            store,
            clock,
            objects,
            acme,
            billing,
            address,
        }
    }

    /// Delivers `raw` to `to` as SES would (scans passed, its own SES id).
    pub async fn receive(&self, to: &str, raw: &str) -> Decision {
        self.try_receive(to, raw, Verdicts::default(), "ses-1")
            .await
            .unwrap()
    }

    pub async fn try_receive(
        &self,
        to: &str,
        raw: &str,
        verdicts: Verdicts,
        ses_id: &str,
    ) -> Result<Decision, DomainError> {
        let recipients = vec![to.to_owned()];
        let received = Received {
            recipients: &recipients,
            verdicts,
            raw: "inbound/raw-object",
            fallback_id: ses_id,
        };
        let mail = parse(raw.as_bytes()).unwrap();
        self.intake
            .receive(&self.ticketing, &received, &mail, self.clock.now())
            .await
    }

    pub fn mail(&self, from: &str, subject: &str, body: &str) -> String {
        raw_mail(
            &[
                ("From", from),
                ("To", &self.address),
                ("Subject", subject),
                ("Message-ID", &format!("<{}>", message_id())),
            ],
            body,
        )
    }

    pub async fn tickets(&self) -> Vec<Ticket> {
        self.ticketing
            .list(
                &self.acme.owner.principal,
                TicketListFilter::default(),
                &page(100),
            )
            .await
            .unwrap()
            .items
    }

    pub async fn recorded(&self, decision: &str) -> Vec<String> {
        Mailboxes::new(
            self.store.clone(),
            switchboard_testkit::MemoryIdentities::new(),
            super::MAIL_DOMAIN,
        )
        .messages(&self.acme.owner.principal, decision, &page(100))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.subject)
        .collect()
    }
}

impl Desk {
    /// The ticket and its conversation as the owner sees them.
    pub async fn detail(
        &self,
        id: switchboard_domain::kernel::ids::TicketId,
    ) -> switchboard_domain::tickets::service::TicketDetail {
        self.ticketing
            .get(&self.acme.owner.principal, id)
            .await
            .unwrap()
    }
}
