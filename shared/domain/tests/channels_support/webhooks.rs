//! A helpdesk's webhooks, with the receivers and queue twins.

use switchboard_domain::webhooks::service::{EndpointInput, Webhooks};
use switchboard_domain::webhooks::webhook::{Endpoint, OutgoingRequest, Secret};
use switchboard_domain::webhooks::worker::WebhookWorker;
use switchboard_testkit::{MemoryQueues, MemoryStore, ScriptedWebhooks, TestClock, TestTenant};

pub struct Hooks {
    pub store: MemoryStore,
    pub clock: TestClock,
    pub acme: TestTenant,
    pub queues: MemoryQueues,
    pub receivers: ScriptedWebhooks,
    pub webhooks: Webhooks<MemoryStore, MemoryQueues>,
}

impl Hooks {
    pub async fn new() -> Self {
        let (store, clock, acme) = super::helpdesk().await;
        let queues = MemoryQueues::new();
        Self {
            webhooks: Webhooks::new(store.clone(), queues.clone(), false),
            receivers: ScriptedWebhooks::with_clock(clock.clone()),
            store,
            clock,
            acme,
            queues,
        }
    }

    /// An endpoint the owner registers at `url`.
    pub async fn endpoint(&self, url: &str, input: EndpointInput) -> (Endpoint, Secret) {
        self.webhooks
            .create(
                &self.acme.owner.principal,
                EndpointInput {
                    url: Some(url.into()),
                    ..input
                },
                self.clock.now(),
            )
            .await
            .unwrap()
    }

    /// The worker with the receivers and this retry schedule.
    pub fn worker(&self, schedule: Vec<u64>) -> WebhookWorker<MemoryStore, ScriptedWebhooks> {
        WebhookWorker::new(self.store.clone(), self.receivers.clone(), schedule)
    }

    /// A header of a sent request; panics if absent.
    pub fn header<'a>(request: &'a OutgoingRequest, name: &str) -> &'a str {
        request
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header in {:?}", request.headers))
    }
}
