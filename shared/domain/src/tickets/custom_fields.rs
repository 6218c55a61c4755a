//! The tenant's custom ticket fields.

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::DomainError;
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::fields::{FieldDef, FieldSchema};
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::service::Ticketing;

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub async fn fields(&self, principal: &Principal) -> Result<FieldSchema, DomainError> {
        principal.require(Action::ReadTicketFields)?;
        self.schema_for_view(principal).await
    }

    pub async fn put_fields(
        &self,
        principal: &Principal,
        defs: Vec<FieldDef>,
        if_match: Option<u64>,
        now: jiff::Timestamp,
    ) -> Result<FieldSchema, DomainError> {
        principal.require(Action::ManageTicketFields)?;
        FieldSchema::validate_defs(&defs).map_err(DomainError::Invalid)?;
        let current = self.store.field_schema(principal.tenant_id()).await?;
        if if_match.is_some_and(|v| v != current.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let schema = FieldSchema {
            fields: defs,
            version: current.version + 1,
        };
        let names: Vec<&str> = schema.fields.iter().map(|f| f.key.as_str()).collect();
        let event = crate::kernel::events::ConfigurationChanged::new(
            crate::kernel::events::ConfigObject::TicketFields,
            crate::kernel::events::ConfigChange::Updated,
        )
        .touching(&names)
        .event(principal.tenant_id(), principal.actor(), now);
        self.store
            .put_field_schema(principal.tenant_id(), &schema, current.version, &[event])
            .await?;
        Ok(schema)
    }
}
