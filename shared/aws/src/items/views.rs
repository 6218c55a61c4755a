//! Stored shape of saved views.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::kernel::ids::{TeamId, TenantId, UserId, ViewId};
use switchboard_domain::search::view::{SavedView, Sharing, parse_sort};

use super::KeyAttrs;
use crate::keys;

pub const VIEW_ENTITY: &str = "view";

/// A view, listed by name in its owner's GSI1 partition, or in the
/// tenant's shared one.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: ViewId,
    pub tenant_id: TenantId,
    pub name: String,
    pub query: String,
    /// `relevance`, `updated` or `created`.
    pub sort: String,
    pub descending: bool,
    /// `personal`, `team` or `everyone`.
    pub shared: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&SavedView> for ViewItem {
    fn from(v: &SavedView) -> Self {
        let owner = v.sharing.owner();
        Self {
            key: keys::view(v.tenant_id, v.id).into(),
            gsi1pk: match owner {
                Some(owner) => keys::personal_views_index_pk(v.tenant_id, owner),
                None => keys::shared_views_index_pk(v.tenant_id),
            },
            gsi1sk: keys::views_index_sk(&v.name, v.id),
            entity: VIEW_ENTITY.to_owned(),
            id: v.id,
            tenant_id: v.tenant_id,
            name: v.name.clone(),
            query: v.query.clone(),
            sort: v.sort.as_str().to_owned(),
            descending: v.descending,
            shared: v.sharing.as_str().to_owned(),
            owner,
            team_id: v.sharing.team(),
            created_at: v.created_at,
            updated_at: v.updated_at,
            version: v.version,
        }
    }
}

impl TryFrom<ViewItem> for SavedView {
    type Error = String;

    fn try_from(i: ViewItem) -> Result<Self, String> {
        let sharing = match (i.shared.as_str(), i.owner, i.team_id) {
            ("personal", Some(owner), _) => Sharing::Personal(owner),
            ("team", _, Some(team)) => Sharing::Team(team),
            ("everyone", _, _) => Sharing::Everyone,
            (other, _, _) => return Err(format!("view {}: sharing `{other}`", i.id)),
        };
        let sort = parse_sort(&i.sort).map_err(|_| format!("view {}: sort `{}`", i.id, i.sort))?;
        Ok(Self {
            id: i.id,
            tenant_id: i.tenant_id,
            name: i.name,
            query: i.query,
            sort,
            descending: i.descending,
            sharing,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        })
    }
}
