//! The webhook worker's use case: one attempt at one delivery, and what
//! follows from it (retry later, give up, disable the endpoint and tell the
//! tenant's admins).

use crate::accounts::ports::UserStore;
use crate::kernel::error::StoreResult;
use jiff::{SignedDuration, Timestamp};

use crate::accounts::user::Role;
use crate::kernel::error::StoreError;
use crate::kernel::ids::{EventId, NotificationId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::notifications::notification::{Notification, NotificationKind};
use crate::notifications::ports::NotificationStore;
use crate::webhooks::ports::{WebhookSender, WebhookStore};
use crate::webhooks::service::system_actor;
use crate::webhooks::webhook::{
    DeliveryRef, DeliveryStatus, Endpoint, FAILING_LIMIT, Next, next_after_failure, outgoing,
};

/// What the queue should do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, given up, or nothing to do: delete the message.
    Done,
    /// Keep the message hidden this long, then try again.
    RetryIn(SignedDuration),
}

pub struct WebhookWorker<S, H> {
    store: S,
    sender: H,
    /// Seconds before each retry.
    schedule: Vec<u64>,
}

impl<S, H> WebhookWorker<S, H>
where
    S: WebhookStore + NotificationStore + UserStore,
    H: WebhookSender,
{
    pub fn new(store: S, sender: H, schedule: Vec<u64>) -> Self {
        Self {
            store,
            sender,
            schedule,
        }
    }

    /// One attempt. `jitter` in [0, 1) spreads retries.
    pub async fn deliver(
        &self,
        r: &DeliveryRef,
        now: Timestamp,
        jitter: f64,
    ) -> StoreResult<Outcome> {
        let Some(mut delivery) = self
            .store
            .delivery(r.tenant_id, r.endpoint_id, r.delivery_id)
            .await?
            .filter(|d| d.status == DeliveryStatus::Pending)
        else {
            // Already settled (a duplicate message) or expired.
            return Ok(Outcome::Done);
        };
        let version = delivery.version;
        let endpoint = self.store.endpoint(r.tenant_id, r.endpoint_id).await?;
        let Some(mut endpoint) = endpoint.filter(|e| e.enabled) else {
            delivery.status = DeliveryStatus::Skipped;
            delivery.next_attempt_at = None;
            delivery.version += 1;
            self.store.save_delivery(&delivery, version).await?;
            return Ok(Outcome::Done);
        };
        let sent = self.sender.send(&outgoing(&endpoint, &delivery, now)).await;
        let status = sent.attempt.status_code;
        let ok = sent.attempt.succeeded();
        delivery.attempts.push(sent.attempt);
        delivery.version += 1;
        let endpoint_version = endpoint.version;
        let mut endpoint_changed = false;
        let outcome = if ok {
            delivery.status = DeliveryStatus::Succeeded;
            delivery.next_attempt_at = None;
            if endpoint.failing_since.take().is_some() {
                endpoint_changed = true;
            }
            Outcome::Done
        } else if status == Some(410) {
            delivery.status = DeliveryStatus::Failed;
            delivery.next_attempt_at = None;
            disable(&mut endpoint, "gone", now);
            endpoint_changed = true;
            Outcome::Done
        } else {
            let since = *endpoint.failing_since.get_or_insert(now);
            endpoint_changed = since == now;
            if now.duration_since(since) >= FAILING_LIMIT {
                delivery.status = DeliveryStatus::Failed;
                delivery.next_attempt_at = None;
                disable(&mut endpoint, "failing", now);
                endpoint_changed = true;
                Outcome::Done
            } else {
                match next_after_failure(
                    delivery.attempts.len(),
                    &self.schedule,
                    sent.retry_after,
                    jitter,
                ) {
                    Next::RetryIn(delay) => {
                        delivery.next_attempt_at = Some(now + delay);
                        Outcome::RetryIn(delay)
                    }
                    Next::GiveUp => {
                        delivery.status = DeliveryStatus::Failed;
                        delivery.next_attempt_at = None;
                        Outcome::Done
                    }
                }
            }
        };
        self.store.save_delivery(&delivery, version).await?;
        if endpoint_changed {
            endpoint.version += 1;
            // Turned off by Switchboard itself: the audit log says so.
            let disabled = (!endpoint.enabled).then(|| {
                crate::webhooks::service::webhook_changed(
                    &endpoint,
                    crate::kernel::events::ConfigChange::Disabled,
                    &[("enabled", true)],
                )
                .event(
                    endpoint.tenant_id,
                    crate::kernel::events::Actor::system(),
                    now,
                )
            });
            let written = match self
                .store
                .put_endpoint(&endpoint, Some(endpoint_version), disabled.as_slice())
                .await
            {
                // Someone edited the endpoint meanwhile: their change wins,
                // and nothing was disabled to tell anyone about.
                Err(StoreError::VersionMismatch) => false,
                other => other.map(|()| true)?,
            };
            if written && !endpoint.enabled {
                self.tell_admins(&endpoint, now).await?;
            }
        }
        Ok(outcome)
    }

    /// An in-app notification to every owner and admin of the tenant.
    async fn tell_admins(&self, endpoint: &Endpoint, now: Timestamp) -> StoreResult<()> {
        let reason = match endpoint.disabled_reason.as_deref() {
            Some("gone") => "it answered 410 Gone",
            _ => "every delivery failed for 5 days",
        };
        let event = EventId::new();
        let page = PageRequest {
            limit: 100,
            cursor: None,
        };
        let mut admins: Vec<UserId> = Vec::new();
        for role in [Role::Owner, Role::Admin] {
            let found = self
                .store
                .list_users(endpoint.tenant_id, Some(role), &page)
                .await?;
            admins.extend(found.items.iter().filter(|u| u.is_active()).map(|u| u.id));
        }
        for user in admins {
            let n = Notification {
                id: NotificationId::from_ulid(event.ulid()),
                tenant_id: endpoint.tenant_id,
                user_id: user,
                kind: NotificationKind::WebhookDisabled,
                event_id: event,
                event_type: None,
                ticket_id: None,
                comment_id: None,
                actor: system_actor(),
                title: format!("Webhook {} was disabled: {reason}", endpoint.url),
                created_at: now,
                read_at: None,
            };
            self.store.add_notification(&n).await?;
        }
        Ok(())
    }
}

fn disable(endpoint: &mut Endpoint, reason: &str, now: Timestamp) {
    endpoint.enabled = false;
    endpoint.disabled_reason = Some(reason.to_owned());
    endpoint.updated_at = now;
}
