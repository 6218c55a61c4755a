//! [`DirectoryStore`]: users, API keys and teams on the single table.

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_domain::StoreError;
use switchboard_domain::api_key::ApiKey;
use switchboard_domain::error::Conflict;
use switchboard_domain::events::DomainEvent;
use switchboard_domain::ids::{ApiKeyId, TeamId, TenantId, UserId};
use switchboard_domain::pagination::{Page, PageRequest};
use switchboard_domain::ports::DirectoryStore;
use switchboard_domain::team::Team;
use switchboard_domain::user::{Email, Role, User};

use super::{DynamoStore, from_item, sdk_error, to_item};
use crate::items::{ApiKeyItem, LoginEmailItem, TeamItem, UserItem};
use crate::keys::{self, attr, index};

impl DirectoryStore for DynamoStore {
    async fn user(&self, tenant: TenantId, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self
            .get::<UserItem>(&keys::user(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn users(&self, tenant: TenantId, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
        let mut users = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let keys: Vec<_> = chunk.iter().map(|id| keys::user(tenant, *id)).collect();
            for item in self.batch_get(&keys).await?.into_values() {
                users.push(from_item::<UserItem>(item)?.into());
            }
        }
        Ok(users)
    }

    async fn list_users(
        &self,
        tenant: TenantId,
        role: Option<Role>,
        page: &PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let pk = keys::users_index_pk(tenant);
        let prefix = role.map(|r| format!("{}#", r.as_str()));
        let scope = format!("{pk}|{}", prefix.as_deref().unwrap_or("*"));
        let (items, next_cursor) = self
            .query_index_page(
                index::GSI1,
                (attr::GSI1PK, &pk),
                prefix.as_deref().map(|p| (attr::GSI1SK, p)),
                true,
                page,
                &scope,
            )
            .await?;
        let items = items
            .into_iter()
            .map(|i| from_item::<UserItem>(i).map(User::from))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        previous_email: Option<&Email>,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
        let mut items =
            vec![self.put_if_version(to_item(&UserItem::from(user))?, expected_version)?];
        if let Some(old) = previous_email {
            items.push(self.delete_existing(&keys::login_email(user.tenant_id, old))?);
            items.push(self.put_new(&LoginEmailItem::new(user))?);
        }
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            2 => StoreError::Conflict(Conflict::EmailTaken),
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn create_api_key(&self, key: &ApiKey, events: &[DomainEvent]) -> Result<(), StoreError> {
        let mut items = vec![self.put_new(&ApiKeyItem::from(key))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn list_api_keys(&self, tenant: TenantId) -> Result<Vec<ApiKey>, StoreError> {
        let pk = keys::api_keys_index_pk(tenant);
        let mut keys_found = Vec::new();
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        loop {
            let (items, next) = self
                .query_index_page(index::GSI1, (attr::GSI1PK, &pk), None, true, &page, &pk)
                .await?;
            for item in items {
                keys_found.push(from_item::<ApiKeyItem>(item)?.into());
            }
            match next {
                Some(c) => page.cursor = Some(c),
                None => return Ok(keys_found),
            }
        }
    }

    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
        let key = self
            .list_api_keys(tenant)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(StoreError::NotFound)?;
        let mut items = vec![self.delete_existing(&keys::api_key(&key.digest))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::NotFound).await
    }

    async fn team(&self, tenant: TenantId, id: TeamId) -> Result<Option<Team>, StoreError> {
        Ok(self
            .get::<TeamItem>(&keys::team(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn list_teams(&self, tenant: TenantId) -> Result<Vec<Team>, StoreError> {
        let pk = keys::tenant(tenant).pk;
        let mut teams: Vec<Team> = self
            .query_partition(&pk, keys::TEAM_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<TeamItem>(i).map(Team::from))
            .collect::<Result<_, _>>()?;
        teams.sort_by_key(|t| t.name.to_lowercase());
        Ok(teams)
    }

    async fn put_team(
        &self,
        team: &Team,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
        let item = to_item(&TeamItem::from(team))?;
        let mut items = vec![match expected_version {
            Some(v) => self.put_if_version(item, v)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        }];
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn delete_team(
        &self,
        tenant: TenantId,
        id: TeamId,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
        let mut items = vec![self.delete_existing(&keys::team(tenant, id))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::NotFound).await
    }
}

impl DynamoStore {
    pub(crate) async fn api_key_item(&self, digest: &str) -> Result<Option<ApiKey>, StoreError> {
        Ok(self
            .get::<ApiKeyItem>(&keys::api_key(digest))
            .await?
            .map(Into::into))
    }

    pub(crate) async fn touch_api_key(
        &self,
        key: &ApiKey,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::api_key(&key.digest))))
            .update_expression("SET lastUsedAt = :now")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":now", AttributeValue::S(now.to_string()))
            .send()
            .await
            .map_err(sdk_error);
        match result {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
