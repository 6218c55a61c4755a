//! [`AccountStore`] on the single table.

use super::{DynamoStore, build_error, from_item, sdk_error, to_item};
use crate::items::{
    ApiKeyItem, LoginEmailItem, LoginFailuresItem, RefreshItem, SessionItem, SlugItem, TeamItem,
    TenantItem, UserItem,
};
use crate::keys::{self, attr, index};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, ReturnValue, TransactWriteItem, Update,
};
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::ApiKey;
use switchboard_domain::accounts::ports::OrganizationStore;
use switchboard_domain::accounts::ports::{
    ApiKeyStore, LoginFailures, NewSession, PasswordLinks, PrincipalState, SessionStore, TeamStore,
    TenantStore, UserStore,
};
use switchboard_domain::accounts::session::RefreshRecord;
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::tenant::{Slug, Tenant};
use switchboard_domain::accounts::throttle::FailureRecord;
use switchboard_domain::accounts::user::{Email, Role, User};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{ApiKeyId, SessionId, TeamId, TenantId, UserId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

const TENANTS_SCOPE: &str = "tenants";

impl DynamoStore {
    fn session_writes(&self, s: &NewSession<'_>) -> StoreResult<[TransactWriteItem; 2]> {
        Ok([
            self.put_new(&SessionItem::from(s.session))?,
            self.put_new(&RefreshItem::from(s.refresh))?,
        ])
    }

    pub(crate) fn update(
        &self,
        key: &keys::Key,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(key)))
    }
}

fn failure_record(i: &LoginFailuresItem) -> Option<FailureRecord> {
    Some(FailureRecord {
        failures: i.failures,
        window_ends: Timestamp::from_second(i.window_ends).ok()?,
    })
}

impl TenantStore for DynamoStore {
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut items = vec![
            self.put_new(&SlugItem::new(tenant))?,
            self.put_new(&TenantItem::from(tenant))?,
            self.put_new(&UserItem::from(owner))?,
            self.put_new(&LoginEmailItem::new(owner))?,
        ];
        items.extend(self.session_writes(&session)?);
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::Conflict(Conflict::SlugTaken),
            3 => StoreError::Conflict(Conflict::EmailTaken),
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        Ok(self
            .get::<TenantItem>(&keys::tenant(id))
            .await?
            .map(Into::into))
    }

    async fn tenant_by_slug(&self, slug: &Slug) -> StoreResult<Option<Tenant>> {
        match self.get::<SlugItem>(&keys::slug(slug)).await? {
            Some(s) => self.tenant(s.tenant_id).await,
            None => Ok(None),
        }
    }

    async fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut items =
            vec![self.put_if_version(to_item(&TenantItem::from(tenant))?, expected_version)?];
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn list_tenants(&self, page: &PageRequest) -> StoreResult<Page<Tenant>> {
        let (items, next_cursor) = self
            .query_index_page(
                index::GSI1,
                (attr::GSI1PK, keys::TENANTS_INDEX_PK),
                None,
                false,
                page,
                TENANTS_SCOPE,
            )
            .await?;
        let items = items
            .into_iter()
            .map(|i| from_item::<TenantItem>(i).map(Tenant::from))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor })
    }
}

impl UserStore for DynamoStore {
    async fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut items = vec![
            self.put_new(&LoginEmailItem::new(user))?,
            self.put_new(&UserItem::from(user))?,
        ];
        if let Some(s) = session {
            items.extend(self.session_writes(&s)?);
        }
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::Conflict(Conflict::EmailTaken),
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn user_by_email(&self, tenant: TenantId, email: &Email) -> StoreResult<Option<User>> {
        let Some(marker) = self
            .get::<LoginEmailItem>(&keys::login_email(tenant, email))
            .await?
        else {
            return Ok(None);
        };
        Ok(self
            .get::<UserItem>(&keys::user(tenant, marker.user_id))
            .await?
            .map(Into::into))
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>> {
        Ok(self
            .get::<UserItem>(&keys::user(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn users(&self, tenant: TenantId, ids: &[UserId]) -> StoreResult<Vec<User>> {
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
    ) -> StoreResult<Page<User>> {
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
    ) -> StoreResult<()> {
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
}

impl SessionStore for DynamoStore {
    async fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> StoreResult<PrincipalState> {
        let (tk, uk, sk) = (
            keys::tenant(tenant),
            keys::user(tenant, user),
            keys::session(tenant, user, session),
        );
        let mut found = self
            .batch_get(&[tk.clone(), uk.clone(), sk.clone()])
            .await?;
        let mut take = |k: &keys::Key| found.remove(&(k.pk.clone(), k.sk.clone()));
        let user: Option<User> = take(&uk)
            .map(from_item::<UserItem>)
            .transpose()?
            .map(Into::into);
        // A member's organisation says what they share: one more read, for
        // members only.
        let organization = match user.as_ref().and_then(|u| u.organization_id) {
            Some(org) => self.organization(tenant, org).await?,
            None => None,
        };
        Ok(PrincipalState {
            tenant: take(&tk)
                .map(from_item::<TenantItem>)
                .transpose()?
                .map(Into::into),
            user,
            session: take(&sk)
                .map(from_item::<SessionItem>)
                .transpose()?
                .map(Into::into),
            organization,
        })
    }

    async fn start_session(&self, session: NewSession<'_>) -> StoreResult<()> {
        let items = self.session_writes(&session)?.to_vec();
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn refresh_record(&self, digest: &str) -> StoreResult<Option<RefreshRecord>> {
        Ok(self
            .get::<RefreshItem>(&keys::refresh_token(digest))
            .await?
            .map(|i| i.into_record(digest)))
    }

    async fn rotate_refresh(
        &self,
        old: &RefreshRecord,
        next: &RefreshRecord,
        now: Timestamp,
    ) -> StoreResult<()> {
        let spend = self
            .update(&keys::refresh_token(&old.digest))
            .update_expression("SET usedAt = :now")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(usedAt)")
            .expression_attribute_values(":now", AttributeValue::S(now.to_string()))
            .build()
            .map_err(build_error)?;
        let live = ConditionCheck::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::session(
                old.tenant_id,
                old.user_id,
                old.session_id,
            ))))
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(revokedAt)")
            .build()
            .map_err(build_error)?;
        let items = vec![
            TransactWriteItem::builder().update(spend).build(),
            TransactWriteItem::builder().condition_check(live).build(),
            self.put_new(&RefreshItem::from(next))?,
        ];
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> StoreResult<()> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::session(tenant, user, session))))
            .update_expression("SET revokedAt = if_not_exists(revokedAt, :now)")
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

impl LoginFailures for DynamoStore {
    async fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> StoreResult<Option<FailureRecord>> {
        let item = self
            .get::<LoginFailuresItem>(&keys::login_failures(tenant, email))
            .await?;
        // TTL deletion is lazy: an expired window may still be stored.
        Ok(item.and_then(|i| failure_record(&i).filter(|r| r.window_ends > now)))
    }

    async fn record_failed_login(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
        window_ends: Timestamp,
    ) -> StoreResult<FailureRecord> {
        let key = keys::login_failures(tenant, email);
        let counted = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&key)))
            .update_expression(
                "ADD failures :one SET windowEnds = if_not_exists(windowEnds, :ends), #ttl = if_not_exists(#ttl, :ends)",
            )
            .condition_expression("attribute_not_exists(PK) OR windowEnds > :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":ends", AttributeValue::N(window_ends.as_second().to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now.as_second().to_string()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(sdk_error);
        match counted {
            Ok(out) => {
                let item: LoginFailuresItem = from_item(out.attributes.unwrap_or_default())?;
                failure_record(&item).ok_or_else(|| StoreError::Corrupt("window end".into()))
            }
            Err(StoreError::ConditionFailed) => {
                // The stored window has ended: start a new one.
                let mut fresh = to_item(&LoginFailuresItem {
                    key: key.into(),
                    failures: 1,
                    window_ends: window_ends.as_second(),
                })?;
                fresh.insert(
                    attr::TTL.to_owned(),
                    AttributeValue::N(window_ends.as_second().to_string()),
                );
                self.client()
                    .put_item()
                    .table_name(self.table())
                    .set_item(Some(fresh))
                    .send()
                    .await
                    .map_err(sdk_error)?;
                Ok(FailureRecord {
                    failures: 1,
                    window_ends,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn clear_failed_logins(&self, tenant: TenantId, email: &Email) -> StoreResult<()> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::login_failures(tenant, email))))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

impl ApiKeyStore for DynamoStore {
    async fn api_key_by_digest(&self, digest: &str) -> StoreResult<Option<ApiKey>> {
        self.api_key_item(digest).await
    }

    async fn record_api_key_use(&self, key: &ApiKey, now: Timestamp) -> StoreResult<()> {
        self.touch_api_key(key, now).await
    }

    async fn create_api_key(&self, key: &ApiKey, events: &[DomainEvent]) -> StoreResult<()> {
        let mut items = vec![self.put_new(&ApiKeyItem::from(key))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>> {
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
    ) -> StoreResult<()> {
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
}

impl PasswordLinks for DynamoStore {
    async fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
        events: &[DomainEvent],
    ) -> StoreResult<bool> {
        let key = keys::reset_requested(tenant, user);
        let note = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table())
            .item(attr::PK, AttributeValue::S(key.pk))
            .item(attr::SK, AttributeValue::S(key.sk))
            .item("entity", AttributeValue::S("reset_request".into()))
            .item(attr::TTL, AttributeValue::N(until.as_second().to_string()))
            .condition_expression("attribute_not_exists(PK) OR #ttl <= :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", AttributeValue::N(now.as_second().to_string()))
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().put(note).build()];
        items.extend(self.put_events(events)?);
        let out = self.transact(items, |_| StoreError::ConditionFailed).await;
        match out {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn put_password_link(
        &self,
        link: &switchboard_domain::accounts::password_link::PasswordLink,
    ) -> StoreResult<()> {
        let item = to_item(&crate::items::PasswordLinkItem::from(link))?;
        self.put_one(item, Some("attribute_not_exists(PK)")).await
    }

    async fn take_password_link(
        &self,
        digest: &str,
    ) -> StoreResult<Option<switchboard_domain::accounts::password_link::PasswordLink>> {
        let out = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::password_link(digest))))
            .condition_expression("attribute_exists(PK)")
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk_error);
        match out {
            Ok(out) => out
                .attributes
                .map(|item| from_item::<crate::items::PasswordLinkItem>(item).map(|i| i.link))
                .transpose(),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl TeamStore for DynamoStore {
    async fn team(&self, tenant: TenantId, id: TeamId) -> StoreResult<Option<Team>> {
        Ok(self
            .get::<TeamItem>(&keys::team(tenant, id))
            .await?
            .map(Into::into))
    }

    async fn list_teams(&self, tenant: TenantId) -> StoreResult<Vec<Team>> {
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
    ) -> StoreResult<()> {
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
    ) -> StoreResult<()> {
        let mut items = vec![self.delete_existing(&keys::team(tenant, id))?];
        items.extend(self.put_events(events)?);
        self.transact(items, |_| StoreError::NotFound).await
    }
}

impl DynamoStore {
    pub(crate) async fn api_key_item(&self, digest: &str) -> StoreResult<Option<ApiKey>> {
        Ok(self
            .get::<ApiKeyItem>(&keys::api_key(digest))
            .await?
            .map(Into::into))
    }

    pub(crate) async fn touch_api_key(
        &self,
        key: &ApiKey,
        now: jiff::Timestamp,
    ) -> StoreResult<()> {
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
