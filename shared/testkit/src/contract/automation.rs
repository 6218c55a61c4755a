//! Contracts of the automation context's storage.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::condition::Conditions;
use switchboard_domain::automation::ports::TriggerStore;
use switchboard_domain::automation::trigger::{On, Trigger, TriggerSet};
use switchboard_domain::kernel::ids::{TenantId, TriggerId};
use switchboard_domain::tickets::ticket::Priority;

use super::support::*;

fn set(titles: &[&str], version: u64) -> TriggerSet {
    TriggerSet {
        triggers: titles
            .iter()
            .map(|title| Trigger {
                id: TriggerId::new(),
                title: (*title).to_owned(),
                active: true,
                on: [On::Created].into(),
                conditions: Conditions::default(),
                actions: vec![Action::SetPriority {
                    priority: Priority::High,
                }],
                created_at: Timestamp::UNIX_EPOCH,
                updated_at: Timestamp::UNIX_EPOCH,
            })
            .collect(),
        version,
    }
}

/// A tenant's triggers are empty at version 0 until written; the set is
/// created at expected version 0 and replaced only at its stored version,
/// in the order written.
pub async fn triggers_are_versioned<S: TriggerStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    assert_eq!(
        store.triggers(tenant).await.expect("read"),
        TriggerSet::default()
    );
    assert_error(
        store.put_triggers(tenant, &set(&["a"], 1), 2).await,
        &StoreError::VersionMismatch,
    );
    let first = set(&["a", "b"], 1);
    store
        .put_triggers(tenant, &first, 0)
        .await
        .expect("the first set");
    assert_error(
        store.put_triggers(tenant, &set(&["c"], 1), 0).await,
        &StoreError::VersionMismatch,
    );
    let second = set(&["b", "a", "c"], 2);
    store
        .put_triggers(tenant, &second, 1)
        .await
        .expect("at the stored version");
    assert_eq!(store.triggers(tenant).await.expect("read"), second);
    assert_eq!(
        store.triggers(TenantId::new()).await.expect("read"),
        TriggerSet::default(),
        "another tenant's triggers are its own"
    );
}
