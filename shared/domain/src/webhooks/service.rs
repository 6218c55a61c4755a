//! The webhooks API's use cases: endpoints, their secrets, test events,
//! and the delivery log with redelivery.

use crate::kernel::error::StoreResult;
use crate::kernel::events::{ConfigChange, ConfigObject, ConfigurationChanged};
use crate::webhooks::events::WebhookTest;
use jiff::Timestamp;

use crate::accounts::permissions::{Action, Principal};
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::{Actor, DomainEvent, EventType, Subject};
use crate::kernel::ids::{DeliveryId, WebhookId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::validation::{Validator, bounded_text};
use crate::webhooks::ports::{DeliveryQueue, WebhookStore};
use crate::webhooks::webhook::{
    Delivery, DeliveryStatus, Endpoint, EventFilter, MAX_ENDPOINTS_PER_TENANT, ROTATION_GRACE,
    Secret, SigningKey, delivery_id, parse_url,
};

/// What an admin submits; absent fields keep their value on update.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

pub struct Webhooks<S, Q> {
    store: S,
    queue: Q,
    /// devstack's receivers listen on plain HTTP on loopback.
    allow_insecure: bool,
}

impl<S: WebhookStore, Q: DeliveryQueue> Webhooks<S, Q> {
    pub fn new(store: S, queue: Q, allow_insecure: bool) -> Self {
        Self {
            store,
            queue,
            allow_insecure,
        }
    }

    async fn existing(
        &self,
        principal: &Principal,
        id: WebhookId,
    ) -> Result<Endpoint, DomainError> {
        principal.require(Action::ManageWebhooks)?;
        self.store
            .endpoint(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn list(&self, principal: &Principal) -> Result<Vec<Endpoint>, DomainError> {
        principal.require(Action::ManageWebhooks)?;
        Ok(self.store.endpoints(principal.tenant_id()).await?)
    }

    pub async fn get(&self, principal: &Principal, id: WebhookId) -> Result<Endpoint, DomainError> {
        self.existing(principal, id).await
    }

    /// Creates an endpoint and returns it with its secret (shown only now).
    pub async fn create(
        &self,
        principal: &Principal,
        input: EndpointInput,
        now: Timestamp,
    ) -> Result<(Endpoint, Secret), DomainError> {
        principal.require(Action::ManageWebhooks)?;
        let mut v = Validator::new();
        let url = match input.url {
            Some(u) => v.field("url", parse_url(&u, self.allow_insecure)),
            None => v.field(
                "url",
                Err(crate::kernel::validation::Invalid::new(
                    "required",
                    "the endpoint's URL",
                )),
            ),
        };
        let description = v.optional("description", input.description, |d| {
            bounded_text(&d, 0, 500)
        });
        let events = v.optional("events", input.events, |e| EventFilter::parse(&e));
        v.finish()?;
        let existing = self.store.endpoints(principal.tenant_id()).await?;
        if existing.len() >= MAX_ENDPOINTS_PER_TENANT {
            return Err(DomainError::field(
                "url",
                "too_many",
                format!("at most {MAX_ENDPOINTS_PER_TENANT} endpoints per tenant"),
            ));
        }
        let secret = Secret::generate();
        let endpoint = Endpoint {
            id: WebhookId::new(),
            tenant_id: principal.tenant_id(),
            url: url.unwrap_or_default(),
            description: description.flatten().unwrap_or_default(),
            events: events.flatten().unwrap_or(EventFilter::All),
            enabled: input.enabled.unwrap_or(true),
            disabled_reason: None,
            keys: vec![SigningKey {
                secret: secret.clone(),
                created_at: now,
                retires_at: None,
            }],
            failing_since: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = webhook_changed(&endpoint, ConfigChange::Created, &[]).event(
            endpoint.tenant_id,
            principal.actor(),
            now,
        );
        self.store.put_endpoint(&endpoint, None, &[event]).await?;
        Ok((endpoint, secret))
    }

    pub async fn update(
        &self,
        principal: &Principal,
        id: WebhookId,
        input: EndpointInput,
        expected_version: Option<u64>,
        now: Timestamp,
    ) -> Result<Endpoint, DomainError> {
        let mut endpoint = self.existing(principal, id).await?;
        if expected_version.is_some_and(|v| v != endpoint.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let mut v = Validator::new();
        let url = v.optional("url", input.url, |u| parse_url(&u, self.allow_insecure));
        let description = v.optional("description", input.description, |d| {
            bounded_text(&d, 0, 500)
        });
        let events = v.optional("events", input.events, |e| EventFilter::parse(&e));
        v.finish()?;
        let version = endpoint.version;
        let touched = [
            ("url", url.as_ref().is_some_and(Option::is_some)),
            (
                "description",
                description.as_ref().is_some_and(Option::is_some),
            ),
            ("events", events.as_ref().is_some_and(Option::is_some)),
            ("enabled", input.enabled.is_some()),
        ];
        if let Some(Some(u)) = url {
            endpoint.url = u;
        }
        if let Some(Some(d)) = description {
            endpoint.description = d;
        }
        if let Some(Some(e)) = events {
            endpoint.events = e;
        }
        if let Some(enabled) = input.enabled {
            if enabled && !endpoint.enabled {
                // Re-enabled by a person: a fresh start.
                endpoint.disabled_reason = None;
                endpoint.failing_since = None;
            }
            endpoint.enabled = enabled;
        }
        endpoint.updated_at = now;
        endpoint.version += 1;
        let event = webhook_changed(&endpoint, ConfigChange::Updated, &touched).event(
            endpoint.tenant_id,
            principal.actor(),
            now,
        );
        self.store
            .put_endpoint(&endpoint, Some(version), &[event])
            .await?;
        Ok(endpoint)
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: WebhookId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let endpoint = self.existing(principal, id).await?;
        let event = webhook_changed(&endpoint, ConfigChange::Deleted, &[]).event(
            endpoint.tenant_id,
            principal.actor(),
            now,
        );
        Ok(self
            .store
            .delete_endpoint(principal.tenant_id(), id, &[event])
            .await?)
    }

    /// A new current secret (returned once); the previous one keeps
    /// signing for the grace period.
    pub async fn rotate_secret(
        &self,
        principal: &Principal,
        id: WebhookId,
        now: Timestamp,
    ) -> Result<(Endpoint, Secret), DomainError> {
        let mut endpoint = self.existing(principal, id).await?;
        let version = endpoint.version;
        let secret = endpoint.rotate(now, ROTATION_GRACE);
        endpoint.updated_at = now;
        endpoint.version += 1;
        let event = webhook_changed(&endpoint, ConfigChange::SecretRotated, &[]).event(
            endpoint.tenant_id,
            principal.actor(),
            now,
        );
        self.store
            .put_endpoint(&endpoint, Some(version), &[event])
            .await?;
        Ok((endpoint, secret))
    }

    /// Sends a `webhook.test` event to this endpoint only.
    pub async fn test(
        &self,
        principal: &Principal,
        id: WebhookId,
        now: Timestamp,
    ) -> Result<Delivery, DomainError> {
        let endpoint = self.existing(principal, id).await?;
        let event = DomainEvent::new(
            EventType::WebhookTest,
            endpoint.tenant_id,
            now,
            principal.actor(),
            Subject::default(),
            &WebhookTest {
                webhook_id: endpoint.id,
                message: "Test event from Switchboard".into(),
            },
        );
        let delivery = new_delivery(&endpoint, &event, now)?;
        self.store.create_delivery(&delivery).await?;
        self.queue.enqueue(&delivery.reference()).await?;
        Ok(delivery)
    }

    pub async fn deliveries(
        &self,
        principal: &Principal,
        id: WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, DomainError> {
        let endpoint = self.existing(principal, id).await?;
        Ok(self
            .store
            .deliveries(endpoint.tenant_id, endpoint.id, page)
            .await?)
    }

    pub async fn delivery(
        &self,
        principal: &Principal,
        id: WebhookId,
        delivery: DeliveryId,
    ) -> Result<Delivery, DomainError> {
        let endpoint = self.existing(principal, id).await?;
        self.store
            .delivery(endpoint.tenant_id, endpoint.id, delivery)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// Sends a delivery again (same `webhook-id`), whatever became of it.
    pub async fn redeliver(
        &self,
        principal: &Principal,
        id: WebhookId,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<Delivery, DomainError> {
        let mut d = self.delivery(principal, id, delivery).await?;
        let version = d.version;
        d.status = DeliveryStatus::Pending;
        d.next_attempt_at = Some(now);
        d.version += 1;
        self.store.save_delivery(&d, version).await?;
        self.queue.enqueue(&d.reference()).await?;
        Ok(d)
    }
}

/// A pending delivery of `event` to `endpoint`.
pub fn new_delivery(
    endpoint: &Endpoint,
    event: &DomainEvent,
    now: Timestamp,
) -> StoreResult<Delivery> {
    let payload = serde_json::to_string(event)
        .map_err(|e| StoreError::Internal(format!("encoding an event: {e}")))?;
    Ok(Delivery {
        id: delivery_id(event.id, endpoint.id),
        tenant_id: endpoint.tenant_id,
        endpoint_id: endpoint.id,
        event_id: event.id,
        event_type: event.kind.as_str().to_owned(),
        payload,
        status: DeliveryStatus::Pending,
        attempts: Vec::new(),
        next_attempt_at: Some(now),
        created_at: now,
        version: 1,
    })
}

/// Who is named as having done what Switchboard itself does to webhooks.
pub fn system_actor() -> Actor {
    Actor {
        kind: crate::kernel::events::ActorType::System,
        id: None,
    }
}

/// A `configuration.changed` about an endpoint: named by its description,
/// never by its URL (which may carry a token) or its secrets.
pub(crate) fn webhook_changed(
    endpoint: &Endpoint,
    change: ConfigChange,
    touched: &[(&str, bool)],
) -> ConfigurationChanged {
    ConfigurationChanged::new(ConfigObject::Webhook, change)
        .of(endpoint.id, &endpoint.description)
        .touching_given(touched)
}
