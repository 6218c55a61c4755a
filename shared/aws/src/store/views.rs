//! [`ViewStore`] on the single table: each view an item, listed by name
//! in its owner's GSI1 partition or the tenant's shared one (a change of
//! sharing moves it between them in the same write).

use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{TenantId, UserId, ViewId};
use switchboard_domain::search::ports::ViewStore;
use switchboard_domain::search::view::SavedView;

use super::{DynamoStore, Item, from_item, to_item};
use crate::items::ViewItem;
use crate::keys::{self, attr, index};

fn view_of(item: Item) -> StoreResult<SavedView> {
    SavedView::try_from(from_item::<ViewItem>(item)?).map_err(StoreError::Internal)
}

impl DynamoStore {
    async fn views_in(&self, partition: &str) -> StoreResult<Vec<SavedView>> {
        self.query_index_partition(index::GSI1, (attr::GSI1PK, partition))
            .await?
            .into_iter()
            .map(view_of)
            .collect()
    }
}

impl ViewStore for DynamoStore {
    async fn view(&self, tenant: TenantId, id: ViewId) -> StoreResult<Option<SavedView>> {
        self.get::<ViewItem>(&keys::view(tenant, id))
            .await?
            .map(|i| SavedView::try_from(i).map_err(StoreError::Internal))
            .transpose()
    }

    async fn personal_views(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<SavedView>> {
        self.views_in(&keys::personal_views_index_pk(tenant, owner))
            .await
    }

    async fn shared_views(&self, tenant: TenantId) -> StoreResult<Vec<SavedView>> {
        self.views_in(&keys::shared_views_index_pk(tenant)).await
    }

    async fn put_view(&self, view: &SavedView, before: Option<&SavedView>) -> StoreResult<()> {
        let item = to_item(&ViewItem::from(view))?;
        let put = match before {
            Some(b) => self.put_if_version(item, b.version)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        };
        self.transact(vec![put], |_| StoreError::VersionMismatch)
            .await
    }

    async fn delete_view(&self, view: &SavedView) -> StoreResult<()> {
        let item = self.delete_at_version(&keys::view(view.tenant_id, view.id), view.version)?;
        self.transact(vec![item], |_| StoreError::VersionMismatch)
            .await
    }
}
