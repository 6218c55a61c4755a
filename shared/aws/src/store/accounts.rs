//! [`AccountStore`] on the single table.

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, ReturnValue, TransactWriteItem, Update,
};
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::api_key::ApiKey;
use switchboard_domain::auth::FailureRecord;
use switchboard_domain::error::Conflict;
use switchboard_domain::events::DomainEvent;
use switchboard_domain::ids::{SessionId, TenantId, UserId};
use switchboard_domain::pagination::{Page, PageRequest};
use switchboard_domain::ports::{AccountStore, NewSession, PrincipalState};
use switchboard_domain::session::RefreshRecord;
use switchboard_domain::tenant::{Slug, Tenant};
use switchboard_domain::user::{Email, User};

use super::{DynamoStore, build_error, from_item, sdk_error, to_item};
use crate::items::{
    LoginEmailItem, LoginFailuresItem, RefreshItem, SessionItem, SlugItem, TenantItem, UserItem,
};
use crate::keys::{self, attr, index};

const TENANTS_SCOPE: &str = "tenants";

impl DynamoStore {
    fn session_writes(&self, s: &NewSession<'_>) -> Result<[TransactWriteItem; 2], StoreError> {
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

impl AccountStore for DynamoStore {
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
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

    async fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
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

    async fn tenant(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
        Ok(self
            .get::<TenantItem>(&keys::tenant(id))
            .await?
            .map(Into::into))
    }

    async fn tenant_by_slug(&self, slug: &Slug) -> Result<Option<Tenant>, StoreError> {
        match self.get::<SlugItem>(&keys::slug(slug)).await? {
            Some(s) => self.tenant(s.tenant_id).await,
            None => Ok(None),
        }
    }

    async fn user_by_email(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> Result<Option<User>, StoreError> {
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

    async fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> Result<PrincipalState, StoreError> {
        let (tk, uk, sk) = (
            keys::tenant(tenant),
            keys::user(tenant, user),
            keys::session(tenant, user, session),
        );
        let mut found = self
            .batch_get(&[tk.clone(), uk.clone(), sk.clone()])
            .await?;
        let mut take = |k: &keys::Key| found.remove(&(k.pk.clone(), k.sk.clone()));
        Ok(PrincipalState {
            tenant: take(&tk)
                .map(from_item::<TenantItem>)
                .transpose()?
                .map(Into::into),
            user: take(&uk)
                .map(from_item::<UserItem>)
                .transpose()?
                .map(Into::into),
            session: take(&sk)
                .map(from_item::<SessionItem>)
                .transpose()?
                .map(Into::into),
        })
    }

    async fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> Result<(), StoreError> {
        let mut items =
            vec![self.put_if_version(to_item(&TenantItem::from(tenant))?, expected_version)?];
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn list_tenants(&self, page: &PageRequest) -> Result<Page<Tenant>, StoreError> {
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

    async fn start_session(&self, session: NewSession<'_>) -> Result<(), StoreError> {
        let items = self.session_writes(&session)?.to_vec();
        self.transact(items, |_| StoreError::ConditionFailed).await
    }

    async fn refresh_record(&self, digest: &str) -> Result<Option<RefreshRecord>, StoreError> {
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
    ) -> Result<(), StoreError> {
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
    ) -> Result<(), StoreError> {
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

    async fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> Result<Option<FailureRecord>, StoreError> {
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
    ) -> Result<FailureRecord, StoreError> {
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

    async fn clear_failed_logins(&self, tenant: TenantId, email: &Email) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::login_failures(tenant, email))))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn api_key_by_digest(&self, digest: &str) -> Result<Option<ApiKey>, StoreError> {
        self.api_key_item(digest).await
    }

    async fn record_api_key_use(&self, key: &ApiKey, now: Timestamp) -> Result<(), StoreError> {
        self.touch_api_key(key, now).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.client()
            .describe_table()
            .table_name(self.table())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn append_events(&self, events: &[DomainEvent]) -> Result<(), StoreError> {
        let writes = self.put_events(events)?;
        self.transact(writes, |_| StoreError::ConditionFailed).await
    }

    async fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let key = keys::reset_requested(tenant, user);
        let out = self
            .client()
            .put_item()
            .table_name(self.table())
            .item(attr::PK, AttributeValue::S(key.pk))
            .item(attr::SK, AttributeValue::S(key.sk))
            .item("entity", AttributeValue::S("reset_request".into()))
            .item(attr::TTL, AttributeValue::N(until.as_second().to_string()))
            .condition_expression("attribute_not_exists(PK) OR #ttl <= :now")
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":now", AttributeValue::N(now.as_second().to_string()))
            .send()
            .await
            .map_err(sdk_error);
        match out {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn put_password_link(
        &self,
        link: &switchboard_domain::recovery::PasswordLink,
    ) -> Result<(), StoreError> {
        let item = to_item(&crate::items::PasswordLinkItem::from(link))?;
        self.put_one(item, Some("attribute_not_exists(PK)")).await
    }

    async fn take_password_link(
        &self,
        digest: &str,
    ) -> Result<Option<switchboard_domain::recovery::PasswordLink>, StoreError> {
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

fn failure_record(i: &LoginFailuresItem) -> Option<FailureRecord> {
    Some(FailureRecord {
        failures: i.failures,
        window_ends: Timestamp::from_second(i.window_ends).ok()?,
    })
}
