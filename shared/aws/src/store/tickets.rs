//! [`TicketStore`] on the single table.

use super::{DynamoStore, Item, build_error, from_item, sdk_error, to_item};
use crate::items::{
    CommentItem, FieldSchemaItem, HistoryItem, IdempotencyItem, LoginEmailItem, NumberItem,
    TicketItem, UserItem,
};
use crate::keys::{self, attr};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem};
use std::collections::HashMap;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{CommentId, TenantId, TicketId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::fields::FieldSchema;
use switchboard_domain::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketDimension, TicketListQuery, TicketStore, TicketWrite,
    TicketWriteMode,
};
use switchboard_domain::tickets::ticket::{HistoryEntry, Ticket};

/// What a failed condition at a transaction position means.
#[derive(Clone, Copy)]
enum OnFail {
    Version,
    Email,
    Idempotency,
    Capacity,
    Other,
}

fn encoding(e: serde_json::Error) -> StoreError {
    StoreError::Internal(format!("encoding: {e}"))
}

pub(super) fn ticket_from(item: Item) -> StoreResult<Ticket> {
    from_item::<TicketItem>(item)?
        .into_ticket()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

type Names = Vec<(String, String)>;
type Values = Vec<(String, AttributeValue)>;

/// The filter expression for a list's secondary conditions.
fn ticket_filter(query: &TicketListQuery) -> (String, Names, Values) {
    let f = &query.filters;
    let mut parts = Vec::new();
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut eq = |attr_name: &str, value: Option<String>| {
        let n = format!("#f{}", names.len());
        names.push((n.clone(), attr_name.to_owned()));
        match value {
            Some(v) => {
                let p = format!(":f{}", values.len());
                values.push((p.clone(), AttributeValue::S(v)));
                parts.push(format!("{n} = {p}"));
            }
            None => parts.push(format!("attribute_not_exists({n})")),
        }
    };
    if let Some(s) = f.status {
        eq("status", Some(s.as_str().to_owned()));
    }
    if let Some(a) = f.assignee {
        eq("assigneeId", a.map(|u| u.to_string()));
    }
    if let Some(t) = f.team {
        eq("teamId", t.map(|t| t.to_string()));
    }
    if let Some(p) = f.priority {
        eq("priority", Some(p.as_str().to_owned()));
    }
    if let Some(tag) = &f.tag {
        let n = format!("#f{}", names.len());
        names.push((n.clone(), "tags".to_owned()));
        let p = format!(":f{}", values.len());
        values.push((p.clone(), AttributeValue::S(tag.as_str().to_owned())));
        parts.push(format!("contains({n}, {p})"));
    }
    (parts.join(" AND "), names, values)
}

impl DynamoStore {
    /// Records what an idempotency key produced, unless a live record has
    /// the key: one past its retention (TTL deletes lazily) is replaced.
    fn put_idempotency(
        &self,
        item: &IdempotencyItem,
        now: jiff::Timestamp,
    ) -> StoreResult<TransactWriteItem> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(item)?))
            .condition_expression("attribute_not_exists(PK) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", AttributeValue::N(now.as_second().to_string()))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

impl DynamoStore {
    pub(super) fn open_cursor(&self, scope: &str, page: &PageRequest) -> StoreResult<Option<Item>> {
        page.cursor
            .as_deref()
            .map(|c| {
                self.cursors
                    .open(scope, c)
                    .map_err(|_| StoreError::InvalidCursor)
            })
            .transpose()
    }
}

impl DynamoStore {
    /// The transaction items of one ticket write, each with what its failed
    /// condition means.
    fn ticket_items(
        &self,
        w: &TicketWrite<'_>,
        items: &mut Vec<TransactWriteItem>,
        fails: &mut Vec<OnFail>,
    ) -> StoreResult<()> {
        let t = w.ticket;
        match w.mode {
            TicketWriteMode::Create => {
                let ticket_item = to_item(&TicketItem::new(t).map_err(encoding)?)?;
                items.push(self.put(ticket_item, Some("attribute_not_exists(PK)"))?);
                fails.push(OnFail::Other);
                items.push(self.put_new(&NumberItem::new(t))?);
                fails.push(OnFail::Other);
            }
            TicketWriteMode::Replace(v) => {
                let ticket_item = to_item(&TicketItem::new(t).map_err(encoding)?)?;
                items.push(self.put_if_version(ticket_item, v)?);
                fails.push(OnFail::Version);
            }
            TicketWriteMode::Touch { status, public } => {
                items.push(self.touch_ticket(t, status, public)?);
                fails.push(OnFail::Version);
            }
        }
        let copies = match w.mode {
            TicketWriteMode::Touch { public: true, .. } => self.copy_touches(t)?,
            TicketWriteMode::Touch { public: false, .. } => Vec::new(),
            TicketWriteMode::Create | TicketWriteMode::Replace(_) => {
                self.copy_writes(t, w.before)?
            }
        };
        fails.extend(copies.iter().map(|_| OnFail::Other));
        items.extend(copies);
        match w.comment {
            Some(CommentWrite::New(c)) => {
                items.push(self.put_new(&CommentItem::from(c))?);
                fails.push(OnFail::Other);
            }
            Some(CommentWrite::Update(c, v)) => {
                items.push(self.put_if_version(to_item(&CommentItem::from(c))?, v)?);
                fails.push(OnFail::Version);
            }
            None => {}
        }
        if let Some(user) = w.new_requester {
            items.push(self.put_new(&LoginEmailItem::new(user))?);
            fails.push(OnFail::Email);
            items.push(self.put_new(&UserItem::from(user))?);
            fails.push(OnFail::Other);
        }
        if let Some(h) = w.history {
            items.push(self.put_new(&HistoryItem::new(t.tenant_id, h).map_err(encoding)?)?);
            fails.push(OnFail::Other);
        }
        let events = self.put_events(w.events)?;
        fails.extend(events.iter().map(|_| OnFail::Other));
        items.extend(events);
        if let Some(r) = w.idempotency {
            items.push(self.put_idempotency(&IdempotencyItem::new(t.tenant_id, r), r.created_at)?);
            fails.push(OnFail::Idempotency);
        }
        Ok(())
    }

    async fn transact_ticket_items(
        &self,
        items: Vec<TransactWriteItem>,
        fails: Vec<OnFail>,
    ) -> StoreResult<()> {
        self.transact(items, |i| {
            match fails.get(i).copied().unwrap_or(OnFail::Other) {
                OnFail::Version => StoreError::VersionMismatch,
                OnFail::Email => StoreError::Conflict(Conflict::EmailTaken),
                OnFail::Idempotency => StoreError::IdempotencyKeyTaken,
                OnFail::Capacity => StoreError::CapacityReached,
                OnFail::Other => StoreError::ConditionFailed,
            }
        })
        .await
    }
}

impl TicketStore for DynamoStore {
    async fn next_ticket_number(&self, tenant: TenantId) -> StoreResult<u64> {
        let out = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::ticket_counter(tenant))))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        out.attributes
            .and_then(|a| {
                a.get("value")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse().ok())
            })
            .ok_or_else(|| StoreError::Corrupt("ticket counter".into()))
    }

    async fn write_ticket(&self, w: TicketWrite<'_>) -> StoreResult<()> {
        let mut items = Vec::new();
        let mut fails = Vec::new();
        self.ticket_items(&w, &mut items, &mut fails)?;
        let loads = self.load_items(&[&w])?;
        fails.extend(loads.iter().map(|_| OnFail::Capacity));
        items.extend(loads);
        self.transact_ticket_items(items, fails).await
    }

    async fn write_tickets(
        &self,
        writes: &[TicketWrite<'_>],
        copies: &[Comment],
    ) -> StoreResult<()> {
        let mut items = Vec::new();
        let mut fails = Vec::new();
        for w in writes {
            self.ticket_items(w, &mut items, &mut fails)?;
        }
        let loads = self.load_items(&writes.iter().collect::<Vec<_>>())?;
        fails.extend(loads.iter().map(|_| OnFail::Capacity));
        items.extend(loads);
        for c in copies {
            items.push(self.put_new(&CommentItem::from(c))?);
            fails.push(OnFail::Other);
        }
        self.transact_ticket_items(items, fails).await
    }

    async fn ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.get::<TicketItem>(&keys::ticket(tenant, id))
            .await?
            .map(|i| {
                i.into_ticket()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    async fn tickets(&self, tenant: TenantId, ids: &[TicketId]) -> StoreResult<Vec<Ticket>> {
        let wanted: Vec<keys::Key> = ids.iter().map(|id| keys::ticket(tenant, *id)).collect();
        let mut found = HashMap::new();
        for chunk in wanted.chunks(100) {
            found.extend(self.batch_get(chunk).await?);
        }
        wanted
            .iter()
            .filter_map(|k| found.remove(&(k.pk.clone(), k.sk.clone())))
            .map(ticket_from)
            .collect()
    }

    async fn ticket_id_by_number(
        &self,
        tenant: TenantId,
        number: u64,
    ) -> StoreResult<Option<TicketId>> {
        Ok(self
            .get::<NumberItem>(&keys::ticket_number(tenant, number))
            .await?
            .map(|n| n.ticket_id))
    }

    async fn conversation(
        &self,
        tenant: TenantId,
        id: TicketId,
        limit: u32,
        public_only: bool,
    ) -> StoreResult<Option<(Ticket, Vec<Comment>, bool)>> {
        let key = keys::ticket(tenant, id);
        // Customers' reads filter in the query itself, so that neither the
        // page nor `more` betrays how many internal notes there are.
        let query = |start: Option<Item>, limit: i32| {
            let q = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(key.pk.clone()))
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(keys::TICKET_SK.to_owned()),
                )
                .consistent_read(true)
                .limit(limit)
                .set_exclusive_start_key(start);
            if public_only {
                q.filter_expression("SK = :ticket OR #public = :true")
                    .expression_attribute_names("#public", "public")
                    .expression_attribute_values(
                        ":ticket",
                        AttributeValue::S(keys::TICKET_SK.to_owned()),
                    )
                    .expression_attribute_values(":true", AttributeValue::Bool(true))
            } else {
                q
            }
        };
        let (items, next) = self
            .query_filled(
                query,
                &[attr::PK, attr::SK],
                public_only,
                limit as usize + 1,
                None,
            )
            .await?;
        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return Ok(None);
        };
        if first
            .get(attr::SK)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
            != Some(keys::TICKET_SK)
        {
            return Ok(None);
        }
        let ticket = ticket_from(first)?;
        let comments = items
            .map(|i| from_item::<CommentItem>(i).map(Comment::from))
            .collect::<Result<_, _>>()?;
        Ok(Some((ticket, comments, next.is_some())))
    }

    async fn comments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        public_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Comment>> {
        let pk = keys::ticket(tenant, ticket).pk;
        let scope = format!("{pk}|comments|{public_only}");
        let start = self.open_cursor(&scope, page)?;
        let query = |start: Option<Item>, limit: i32| {
            let q = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(keys::COMMENT_PREFIX.to_owned()),
                )
                .limit(limit)
                .set_exclusive_start_key(start);
            if public_only {
                q.filter_expression("#public = :true")
                    .expression_attribute_names("#public", "public")
                    .expression_attribute_values(":true", AttributeValue::Bool(true))
            } else {
                q
            }
        };
        let (items, next) = self
            .query_filled(
                query,
                &[attr::PK, attr::SK],
                public_only,
                page.limit as usize,
                start,
            )
            .await?;
        Ok(Page {
            items: items
                .into_iter()
                .map(|i| from_item::<CommentItem>(i).map(Comment::from))
                .collect::<Result<_, _>>()?,
            next_cursor: next.and_then(|k| self.cursors.seal(&scope, &k)),
        })
    }

    async fn comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        id: CommentId,
    ) -> StoreResult<Option<Comment>> {
        Ok(self
            .get::<CommentItem>(&keys::comment(tenant, ticket, id))
            .await?
            .map(Into::into))
    }

    async fn save_comment(
        &self,
        comment: &Comment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut items =
            vec![self.put_if_version(to_item(&CommentItem::from(comment))?, expected_version)?];
        items.extend(self.put_events(events)?);
        self.transact(items, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn history(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<HistoryEntry>> {
        let pk = keys::ticket(tenant, ticket).pk;
        self.query_partition(&pk, keys::HISTORY_PREFIX)
            .await?
            .into_iter()
            .map(|i| {
                let item: HistoryItem = from_item(i)?;
                serde_json::from_str(&item.entry).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    async fn list_tickets(
        &self,
        tenant: TenantId,
        query: &TicketListQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        if let (Some(address), TicketDimension::Requester(_)) = (&query.copied, &query.dimension) {
            return self.list_with_copies(tenant, query, address, page).await;
        }
        let read = ListRead::new(query, keys::ticket_index_pk(tenant, &query.dimension));
        let scope = read.scope();
        let start = self.open_cursor(&scope, page)?;
        let (found, start) = self
            .query_filled(
                |start, limit| read.query(self, None, start, limit),
                &read.key_attrs(),
                read.filtering(),
                page.limit as usize,
                start,
            )
            .await?;
        Ok(Page {
            items: self
                .listed_tickets(&found, query.dimension == TicketDimension::Deleted)
                .await?,
            next_cursor: start.and_then(|k| self.cursors.seal(&scope, &k)),
        })
    }
}

/// One index partition read for a ticket list, with the list's filters.
pub(super) struct ListRead {
    pub(super) index: &'static str,
    pub(super) pk: String,
    pk_attr: String,
    sk_attr: String,
    filter: String,
    names: Names,
    values: Values,
    pub(super) descending: bool,
}

impl ListRead {
    pub(super) fn new(query: &TicketListQuery, pk: String) -> Self {
        let (filter, names, values) = ticket_filter(query);
        let index = keys::ticket_index(&query.dimension, query.sort);
        Self {
            index,
            pk,
            pk_attr: format!("{index}PK"),
            sk_attr: format!("{index}SK"),
            filter,
            names,
            values,
            descending: query.descending,
        }
    }

    /// What a cursor of this read is bound to. The names matter too:
    /// `assignee=none` and `team=none` have the same expression and no
    /// values.
    pub(super) fn scope(&self) -> String {
        format!(
            "{}|{}|{}|{}|{:?}|{:?}",
            self.index, self.pk, self.descending, self.filter, self.names, self.values
        )
    }

    pub(super) fn sk_attr(&self) -> &str {
        &self.sk_attr
    }

    pub(super) fn key_attrs(&self) -> [&str; 4] {
        [attr::PK, attr::SK, &self.pk_attr, &self.sk_attr]
    }

    pub(super) fn filtering(&self) -> bool {
        !self.filter.is_empty()
    }

    /// The query, from `start`; with `after`, only what sorts after that
    /// index sort key in the list's order.
    pub(super) fn query(
        &self,
        store: &DynamoStore,
        after: Option<&str>,
        start: Option<Item>,
        limit: i32,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut q = store
            .client()
            .query()
            .table_name(store.table())
            .index_name(self.index)
            .expression_attribute_names("#ipk", self.pk_attr.clone())
            .expression_attribute_values(":ipk", AttributeValue::S(self.pk.clone()))
            .scan_index_forward(!self.descending)
            .limit(limit)
            .set_exclusive_start_key(start);
        q = match after {
            Some(after) => q
                .key_condition_expression(if self.descending {
                    "#ipk = :ipk AND #isk < :after"
                } else {
                    "#ipk = :ipk AND #isk > :after"
                })
                .expression_attribute_names("#isk", self.sk_attr.clone())
                .expression_attribute_values(":after", AttributeValue::S(after.to_owned())),
            None => q.key_condition_expression("#ipk = :ipk"),
        };
        if self.filtering() {
            q = q.filter_expression(self.filter.clone());
            for (k, v) in &self.names {
                q = q.expression_attribute_names(k.clone(), v.clone());
            }
            for (k, v) in &self.values {
                q = q.expression_attribute_values(k.clone(), v.clone());
            }
        }
        q
    }
}

impl DynamoStore {
    /// The tickets that index items list, in their order, in one batch
    /// read: the indexes carry keys and filter attributes only (an item
    /// may be a ticket's copy, in the ticket's partition).
    /// Only deleted tickets when `deleted`, only the others otherwise (an
    /// index may lag behind a deletion or a restore).
    pub(super) async fn listed_tickets(
        &self,
        found: &[Item],
        deleted: bool,
    ) -> StoreResult<Vec<Ticket>> {
        let wanted: Vec<keys::Key> = found
            .iter()
            .filter_map(|i| {
                Some(keys::Key::from_parts(
                    i.get(attr::PK)?.as_s().ok()?.clone(),
                    keys::TICKET_SK.to_owned(),
                ))
            })
            .collect();
        let mut fetched = HashMap::new();
        for chunk in wanted.chunks(100) {
            fetched.extend(self.batch_get(chunk).await?);
        }
        let mut tickets = Vec::with_capacity(wanted.len());
        for k in &wanted {
            if let Some(item) = fetched.remove(&(k.pk.clone(), k.sk.clone())) {
                let t = ticket_from(item)?;
                if t.is_deleted() == deleted {
                    tickets.push(t);
                }
            }
        }
        Ok(tickets)
    }
}

impl FieldSchemaStore for DynamoStore {
    async fn field_schema(&self, tenant: TenantId) -> StoreResult<FieldSchema> {
        Ok(self
            .get::<FieldSchemaItem>(&keys::field_schema(tenant))
            .await?
            .map(|i| FieldSchema {
                fields: i.fields,
                version: i.version,
            })
            .unwrap_or_default())
    }

    async fn put_field_schema(
        &self,
        tenant: TenantId,
        schema: &FieldSchema,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        // The first schema is written whatever version was expected.
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(&FieldSchemaItem::new(tenant, schema))?))
            .condition_expression("attribute_not_exists(PK) OR #v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(expected_version.to_string()),
            )
            .build()
            .map_err(|e| StoreError::Internal(format!("building a request: {e}")))?;
        let mut writes = vec![TransactWriteItem::builder().put(put).build()];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }
}
