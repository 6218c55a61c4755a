//! Saved views in memory.

use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{TenantId, UserId, ViewId};
use switchboard_domain::search::ports::ViewStore;
use switchboard_domain::search::view::{SavedView, Sharing};

use super::MemoryStore;

impl MemoryStore {
    /// The tenant's views that `keep` holds, by name (as the table's
    /// index orders them: lower-cased name, then id).
    fn views_where(&self, tenant: TenantId, keep: impl Fn(&SavedView) -> bool) -> Vec<SavedView> {
        let mut views: Vec<SavedView> = self.read(|s| {
            s.views
                .iter()
                .filter(|((t, _), v)| *t == tenant && keep(v))
                .map(|(_, v)| v.clone())
                .collect()
        });
        views.sort_by_key(|v| (v.name.to_lowercase(), v.id));
        views
    }
}

impl ViewStore for MemoryStore {
    async fn view(&self, tenant: TenantId, id: ViewId) -> StoreResult<Option<SavedView>> {
        self.enter("view")?;
        Ok(self.read(|s| s.views.get(&(tenant, id)).cloned()))
    }

    async fn personal_views(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<SavedView>> {
        self.enter("personal_views")?;
        Ok(self.views_where(tenant, |v| v.sharing == Sharing::Personal(owner)))
    }

    async fn shared_views(&self, tenant: TenantId) -> StoreResult<Vec<SavedView>> {
        self.enter("shared_views")?;
        Ok(self.views_where(tenant, |v| !v.sharing.is_personal()))
    }

    async fn put_view(&self, view: &SavedView, before: Option<&SavedView>) -> StoreResult<()> {
        self.enter("put_view")?;
        self.write(|s| {
            let key = (view.tenant_id, view.id);
            if s.views.get(&key).map(|v| v.version) != before.map(|b| b.version) {
                return Err(StoreError::VersionMismatch);
            }
            s.views.insert(key, view.clone());
            Ok(())
        })
    }

    async fn delete_view(&self, view: &SavedView) -> StoreResult<()> {
        self.enter("delete_view")?;
        self.write(|s| {
            let key = (view.tenant_id, view.id);
            if s.views.get(&key).map(|v| v.version) != Some(view.version) {
                return Err(StoreError::VersionMismatch);
            }
            s.views.remove(&key);
            Ok(())
        })
    }
}
