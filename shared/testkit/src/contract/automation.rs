//! Contracts of the automation context's storage.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::condition::Conditions;
use switchboard_domain::automation::macros::{Macro, MacroComment, Visibility};
use switchboard_domain::automation::ports::{AutomationStore, MacroStore, TriggerStore};
use switchboard_domain::automation::timed::{Automation, AutomationSet};
use switchboard_domain::automation::trigger::{On, Trigger, TriggerSet};
use switchboard_domain::kernel::ids::{AutomationId, MacroId, TenantId, TriggerId};
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
        store.put_triggers(tenant, &set(&["a"], 1), 2, &[]).await,
        &StoreError::VersionMismatch,
    );
    let first = set(&["a", "b"], 1);
    store
        .put_triggers(tenant, &first, 0, &[])
        .await
        .expect("the first set");
    assert_error(
        store.put_triggers(tenant, &set(&["c"], 1), 0, &[]).await,
        &StoreError::VersionMismatch,
    );
    let second = set(&["b", "a", "c"], 2);
    store
        .put_triggers(tenant, &second, 1, &[])
        .await
        .expect("at the stored version");
    assert_eq!(store.triggers(tenant).await.expect("read"), second);
    assert_eq!(
        store.triggers(TenantId::new()).await.expect("read"),
        TriggerSet::default(),
        "another tenant's triggers are its own"
    );
}

pub(super) fn a_macro(tenant: TenantId, title: &str) -> Macro {
    Macro {
        id: MacroId::new(),
        tenant_id: tenant,
        title: title.to_owned(),
        visibility: Visibility::Everyone,
        owner_id: None,
        team_id: None,
        actions: vec![Action::SetPriority {
            priority: Priority::Low,
        }],
        comment: Some(MacroComment {
            body: "Hello {{ requester.name }}".into(),
            public: true,
        }),
        usage: 0,
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::UNIX_EPOCH,
        version: 1,
    }
}

/// Macros are created once, replaced only at their stored version, and
/// keep their usage count through changes; a use of a deleted macro is
/// not an error; a tenant lists only its own.
pub async fn macros_keep_their_usage_through_changes<S: MacroStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let first = a_macro(tenant, "Refund");
    store.put_macro(&first, 0, &[]).await.expect("created");
    assert_error(
        store.put_macro(&first, 0, &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .count_macro_use(tenant, first.id)
        .await
        .expect("counted");
    store
        .count_macro_use(tenant, first.id)
        .await
        .expect("counted");
    let changed = Macro {
        title: "Refund, politely".into(),
        version: 2,
        ..first.clone()
    };
    assert_error(
        store.put_macro(&changed, 3, &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .put_macro(&changed, 1, &[])
        .await
        .expect("at its version");
    let read = store
        .macro_by_id(tenant, first.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (read.title.as_str(), read.version, read.usage),
        ("Refund, politely", 2, 2)
    );
    assert_eq!(read.comment, first.comment);
    let second = a_macro(tenant, "Close");
    store.put_macro(&second, 0, &[]).await.expect("created");
    store
        .put_macro(&a_macro(TenantId::new(), "Theirs"), 0, &[])
        .await
        .expect("another tenant's");
    let mut titles: Vec<String> = store
        .macros(tenant)
        .await
        .expect("listed")
        .into_iter()
        .map(|m| m.title)
        .collect();
    titles.sort();
    assert_eq!(titles, ["Close", "Refund, politely"]);
    store
        .delete_macro(tenant, first.id, &[])
        .await
        .expect("deleted");
    store
        .count_macro_use(tenant, first.id)
        .await
        .expect("a deleted macro's use is no error");
    assert_eq!(
        store.macro_by_id(tenant, first.id).await.expect("read"),
        None
    );
}

fn automation_set(active: bool, version: u64) -> AutomationSet {
    AutomationSet {
        automations: vec![Automation {
            id: AutomationId::new(),
            title: "Close solved tickets".into(),
            active,
            conditions: Conditions::default(),
            actions: vec![Action::SetPriority {
                priority: Priority::Low,
            }],
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }],
        version,
    }
}

/// Automations are one versioned set per tenant, and a tenant is listed
/// for the hourly run exactly while one of them is active.
pub async fn automations_are_versioned_and_list_their_tenant<S: AutomationStore, O: Outbox>(
    store: &S,
    _: &O,
) {
    let tenant = TenantId::new();
    assert_eq!(
        store.automations(tenant).await.expect("read"),
        AutomationSet::default()
    );
    assert!(
        !store
            .automated_tenants()
            .await
            .expect("listed")
            .contains(&tenant)
    );
    let first = automation_set(true, 1);
    store
        .put_automations(tenant, &first, 0, &[])
        .await
        .expect("the first set");
    assert_error(
        store
            .put_automations(tenant, &automation_set(true, 1), 0, &[])
            .await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(store.automations(tenant).await.expect("read"), first);
    assert!(
        store
            .automated_tenants()
            .await
            .expect("listed")
            .contains(&tenant)
    );
    store
        .put_automations(tenant, &automation_set(false, 2), 1, &[])
        .await
        .expect("at the stored version");
    assert!(
        !store
            .automated_tenants()
            .await
            .expect("listed")
            .contains(&tenant),
        "no active automation: not listed"
    );
}
