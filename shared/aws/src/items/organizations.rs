//! Stored shapes of organisations and their domain claims.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::accounts::organization::{Organization, SharedTickets};
use switchboard_domain::kernel::ids::{OrganizationId, TenantId};

use super::KeyAttrs;
use crate::keys;

pub const ORGANIZATION_ENTITY: &str = "organization";
pub const ORGANIZATION_DOMAIN_ENTITY: &str = "organization_domain";

/// An organisation, listed by name in its tenant's GSI1 partition.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: OrganizationId,
    pub tenant_id: TenantId,
    pub name: String,
    #[serde(default)]
    pub domains: BTreeSet<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub shared_tickets: SharedTickets,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Organization> for OrganizationItem {
    fn from(o: &Organization) -> Self {
        Self {
            key: keys::organization(o.tenant_id, o.id).into(),
            gsi1pk: keys::organizations_index_pk(o.tenant_id),
            gsi1sk: keys::organizations_index_sk(&o.name, o.id),
            entity: ORGANIZATION_ENTITY.to_owned(),
            id: o.id,
            tenant_id: o.tenant_id,
            name: o.name.clone(),
            domains: o.domains.clone(),
            notes: o.notes.clone(),
            shared_tickets: o.shared_tickets,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

impl From<OrganizationItem> for Organization {
    fn from(i: OrganizationItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            name: i.name,
            domains: i.domains,
            notes: i.notes,
            shared_tickets: i.shared_tickets,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

/// Which organisation a mail domain belongs to.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationDomainItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub organization_id: OrganizationId,
}

impl OrganizationDomainItem {
    pub fn new(org: &Organization, domain: &str) -> Self {
        Self {
            key: keys::organization_domain(org.tenant_id, domain).into(),
            entity: ORGANIZATION_DOMAIN_ENTITY.to_owned(),
            organization_id: org.id,
        }
    }
}
