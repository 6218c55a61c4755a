//! Stored shapes of webhook endpoints and their delivery log.

use serde::{Deserialize, Serialize};
use switchboard_domain::webhooks::webhook::{Delivery, Endpoint};

use super::KeyAttrs;
use crate::keys;

pub const WEBHOOK_ENTITY: &str = "webhook";
pub const DELIVERY_ENTITY: &str = "webhook_delivery";

/// How long the delivery log keeps an entry.
const DELIVERY_RETENTION_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct EndpointItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub endpoint: Endpoint,
}

impl From<&Endpoint> for EndpointItem {
    fn from(e: &Endpoint) -> Self {
        Self {
            key: keys::webhook(e.tenant_id, e.id).into(),
            entity: WEBHOOK_ENTITY.to_owned(),
            endpoint: e.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DeliveryItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub delivery: Delivery,
    pub ttl: i64,
}

impl From<&Delivery> for DeliveryItem {
    fn from(d: &Delivery) -> Self {
        Self {
            key: keys::delivery(d.tenant_id, d.endpoint_id, d.id).into(),
            entity: DELIVERY_ENTITY.to_owned(),
            delivery: d.clone(),
            ttl: d.created_at.as_second() + DELIVERY_RETENTION_SECS,
        }
    }
}
