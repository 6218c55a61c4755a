//! The workers' queues in memory: what was enqueued, in order.

use switchboard_domain::StoreError;
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::ports::MailQueue;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::webhooks::ports::DeliveryQueue;
use switchboard_domain::webhooks::webhook::DeliveryRef;

use super::Shared;

#[derive(Default)]
struct Queued {
    deliveries: Vec<DeliveryRef>,
    mail_jobs: Vec<MailJob>,
    sla_checks: Vec<(SlaCheck, u32)>,
}

/// The webhook, email and SLA queues at once (pass clones where a service
/// takes one of them).
#[derive(Clone, Default)]
pub struct MemoryQueues {
    queued: Shared<Queued>,
}

impl MemoryQueues {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn deliveries(&self) -> Vec<DeliveryRef> {
        self.queued.with(|q| q.deliveries.clone())
    }

    pub fn take_deliveries(&self) -> Vec<DeliveryRef> {
        self.queued.with(|q| std::mem::take(&mut q.deliveries))
    }

    pub fn mail_jobs(&self) -> Vec<MailJob> {
        self.queued.with(|q| q.mail_jobs.clone())
    }

    pub fn take_mail_jobs(&self) -> Vec<MailJob> {
        self.queued.with(|q| std::mem::take(&mut q.mail_jobs))
    }

    /// SLA checks with the delay (seconds) each was enqueued with, capped
    /// at SQS's 900 as the queue caps it.
    pub fn sla_checks(&self) -> Vec<(SlaCheck, u32)> {
        self.queued.with(|q| q.sla_checks.clone())
    }

    pub fn take_sla_checks(&self) -> Vec<(SlaCheck, u32)> {
        self.queued.with(|q| std::mem::take(&mut q.sla_checks))
    }

    /// The next enqueue (of any kind) fails with `error`.
    pub fn fail_next(&self, error: StoreError) {
        self.queued.fail_next(error);
    }
}

impl DeliveryQueue for MemoryQueues {
    async fn enqueue(&self, delivery: &DeliveryRef) -> StoreResult<()> {
        self.queued.call(|q| q.deliveries.push(delivery.clone()))
    }
}

impl MailQueue for MemoryQueues {
    async fn enqueue_mail(&self, job: &MailJob) -> StoreResult<()> {
        self.queued.call(|q| q.mail_jobs.push(job.clone()))
    }
}

impl SlaQueue for MemoryQueues {
    async fn enqueue_check(&self, check: &SlaCheck, delay_seconds: u32) -> StoreResult<()> {
        self.queued
            .call(|q| q.sla_checks.push((*check, delay_seconds.min(900))))
    }
}
