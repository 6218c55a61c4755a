//! Saved views.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::kernel::ids::{TeamId, TenantId, UserId, ViewId};
use switchboard_domain::search::ports::ViewStore;
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::search::view::{SavedView, Sharing};

use super::support::*;

fn view(tenant: TenantId, name: &str, sharing: Sharing) -> SavedView {
    SavedView {
        id: ViewId::new(),
        tenant_id: tenant,
        name: name.into(),
        query: "status:open assignee:me".into(),
        sort: SearchSort::Updated,
        descending: true,
        sharing,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

/// A view is written at its version and read back whole; one person's
/// views are listed by name apart from another's and from the shared ones
/// (a team's and everyone's); a change of sharing moves it between the
/// lists; a deletion at a stale version is refused; another tenant's views
/// are never listed.
pub async fn views_are_listed_by_owner_and_sharing<S, O>(store: &S, _outbox: &O)
where
    S: TenantStore + ViewStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let (other, _) = signed_up(store).await;
    let t = tenant.id;
    let (ana, bob) = (owner.id, UserId::new());
    let team = TeamId::new();
    let mine = view(t, "Waiting on me", Sharing::Personal(ana));
    let also_mine = view(t, "billing", Sharing::Personal(ana));
    let bobs = view(t, "Bob's", Sharing::Personal(bob));
    let teams = view(t, "Second line", Sharing::Team(team));
    let everyone = view(t, "All open", Sharing::Everyone);
    let elsewhere = view(other.id, "Elsewhere", Sharing::Everyone);
    for v in [&mine, &also_mine, &bobs, &teams, &everyone, &elsewhere] {
        store.put_view(v, None).await.expect("a new view");
    }
    assert_error(
        store.put_view(&mine, None).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        store.view(t, teams.id).await.expect("read"),
        Some(teams.clone())
    );
    assert_eq!(store.view(other.id, mine.id).await.expect("read"), None);
    let names = |views: Vec<SavedView>| views.into_iter().map(|v| v.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.personal_views(t, ana).await.expect("list")),
        ["billing", "Waiting on me"]
    );
    assert_eq!(
        names(store.shared_views(t).await.expect("list")),
        ["All open", "Second line"]
    );
    assert_eq!(
        names(store.shared_views(other.id).await.expect("list")),
        ["Elsewhere"]
    );

    let mut shared = mine.clone();
    shared.sharing = Sharing::Everyone;
    shared.name = "Zed".into();
    shared.version = 2;
    assert_error(
        store.put_view(&shared, Some(&shared)).await,
        &StoreError::VersionMismatch,
    );
    store.put_view(&shared, Some(&mine)).await.expect("moved");
    assert_eq!(
        names(store.personal_views(t, ana).await.expect("list")),
        ["billing"]
    );
    assert_eq!(
        names(store.shared_views(t).await.expect("list")),
        ["All open", "Second line", "Zed"]
    );
    assert_error(store.delete_view(&mine).await, &StoreError::VersionMismatch);
    store.delete_view(&shared).await.expect("deleted");
    assert_eq!(store.view(t, mine.id).await.expect("read"), None);
    assert_eq!(
        names(store.shared_views(t).await.expect("list")),
        ["All open", "Second line"]
    );
}
