//! Who a mail's sender is to the helpdesk, beyond the address: the
//! organisation their domain belongs to.

use jiff::Timestamp;

use crate::accounts::events::UserUpdated;
use crate::accounts::organizations::organization_for;
use crate::accounts::ports::{OrganizationStore, UserStore};
use crate::accounts::user::{Role, User};
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::{Actor, EventType};

/// A customer in no organisation joins the one that claims their
/// address's domain when they write (people created before the domain
/// was claimed). A lost race leaves them as they are, for next time.
pub(crate) async fn joined_by_domain<S: UserStore + OrganizationStore>(
    store: &S,
    user: User,
    now: Timestamp,
) -> Result<User, DomainError> {
    if user.role != Role::Customer || user.organization_id.is_some() {
        return Ok(user);
    }
    let Some(org) = organization_for(store, user.tenant_id, &user.email).await? else {
        return Ok(user);
    };
    let mut joined = user.clone();
    joined.organization_id = Some(org);
    joined.version += 1;
    joined.updated_at = now;
    let event = UserUpdated::event(
        EventType::UserUpdated,
        &joined,
        Actor::system(),
        &["organizationId"],
        now,
    );
    match store
        .update_user(&joined, user.version, None, &[event])
        .await
    {
        Ok(()) => Ok(joined),
        Err(StoreError::VersionMismatch | StoreError::ConditionFailed) => Ok(user),
        Err(e) => Err(e.into()),
    }
}
