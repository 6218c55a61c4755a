//! The tickets people are copied on. A ticket keeps one item per copied
//! address, in that person's partition of the requester indexes, written in
//! the ticket's own transaction; a customer's list merges that partition
//! with their requester partition, in one order, with full pages.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::tickets::ports::{TicketDimension, TicketListQuery, TicketSort};
use switchboard_domain::tickets::ticket::Ticket;

use super::tickets::ListRead;
use super::{DynamoStore, Item, build_error, to_item};
use crate::items::TicketCopyItem;
use crate::keys;

/// The addresses a ticket is listed for: none while it is deleted.
fn listed_for(t: &Ticket) -> BTreeSet<&String> {
    if t.is_deleted() {
        BTreeSet::new()
    } else {
        t.cc.iter().collect()
    }
}

/// An index item's sort key under `attr`.
fn sort_key<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    item.get(attr)?.as_s().ok().map(String::as_str)
}

impl DynamoStore {
    /// What keeps a ticket's copies in step with a `Create` or `Replace`
    /// of it (`before`: the ticket as the writer read it, unknown for a
    /// creation): copies of addresses no longer copied go, and the others
    /// are rewritten when what lists filter or sort on changed.
    pub(super) fn copy_writes(
        &self,
        after: &Ticket,
        before: Option<&Ticket>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let now_listed = listed_for(after);
        let was_listed = before.map(listed_for).unwrap_or_default();
        let same = before.is_some_and(|b| TicketCopyItem::unchanged(b, after));
        let mut writes = Vec::new();
        for gone in was_listed.difference(&now_listed) {
            writes.push(self.delete(&keys::ticket_copy(after.tenant_id, after.id, gone), None)?);
        }
        for address in now_listed {
            if same && was_listed.contains(address) {
                continue;
            }
            let item = to_item(&TicketCopyItem::new(after, address))?;
            writes.push(self.put(item, None)?);
        }
        Ok(writes)
    }

    /// Moves a ticket's copies to its new public update time (a `Touch`
    /// that customers see). Each copy must still be there.
    pub(super) fn copy_touches(&self, t: &Ticket) -> StoreResult<Vec<TransactWriteItem>> {
        let name = keys::ticket_index(
            &TicketDimension::Requester(t.requester_id),
            TicketSort::UpdatedAt,
        );
        let sk = keys::ticket_index_sk(t.public_updated_at, t.id);
        listed_for(t)
            .into_iter()
            .map(|address| {
                let update = self
                    .update(&keys::ticket_copy(t.tenant_id, t.id, address))
                    .condition_expression("attribute_exists(PK)")
                    .update_expression("SET #sk = :sk")
                    .expression_attribute_names("#sk", format!("{name}SK"))
                    .expression_attribute_values(":sk", AttributeValue::S(sk.clone()))
                    .build()
                    .map_err(build_error)?;
                Ok(TransactWriteItem::builder().update(update).build())
            })
            .collect()
    }

    /// A customer's list: their requester partition and the partition of
    /// the tickets their address is copied on, read side by side and merged
    /// by sort key. The cursor is the last sort key given: each partition
    /// resumes after it, so neither needs a start key of its own.
    pub(super) async fn list_with_copies(
        &self,
        tenant: TenantId,
        query: &TicketListQuery,
        address: &str,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        let reads = [
            ListRead::new(query, keys::ticket_index_pk(tenant, &query.dimension)),
            ListRead::new(query, keys::copied_index_pk(tenant, address)),
        ];
        let sk_attr = reads[0].sk_attr().to_owned();
        let scope = format!("{}|{}", reads[0].scope(), reads[1].pk);
        let after = self
            .open_cursor(&scope, page)?
            .and_then(|c| sort_key(&c, "after").map(str::to_owned));
        let limit = page.limit as usize;
        let mut found: Vec<Item> = Vec::new();
        // The furthest point in the list's order up to which both reads
        // have seen everything: a read that stopped early (it has more)
        // bounds what can be given now.
        let mut seen_to: Option<String> = None;
        let before = |a: &str, b: &str| if query.descending { a > b } else { a < b };
        for read in &reads {
            let (items, more) = self
                .query_filled(
                    |start, n| read.query(self, after.as_deref(), start, n),
                    &read.key_attrs(),
                    read.filtering(),
                    limit,
                    None,
                )
                .await?;
            if let Some(stop) = more.as_ref().and_then(|k| sort_key(k, &sk_attr))
                && seen_to.as_deref().is_none_or(|s| before(stop, s))
            {
                seen_to = Some(stop.to_owned());
            }
            found.extend(items);
        }
        found.retain(|i| {
            sort_key(i, &sk_attr).is_some_and(|k| seen_to.as_deref().is_none_or(|s| !before(s, k)))
        });
        found.sort_by(|a, b| {
            let (a, b) = (sort_key(a, &sk_attr), sort_key(b, &sk_attr));
            if query.descending {
                b.cmp(&a)
            } else {
                a.cmp(&b)
            }
        });
        // The sort key ends with the ticket id: one ticket found twice (its
        // requester copied too) is one entry.
        found.dedup_by(|a, b| sort_key(a, &sk_attr) == sort_key(b, &sk_attr));
        let cut = found.len() > limit;
        found.truncate(limit);
        let last = found
            .last()
            .and_then(|i| sort_key(i, &sk_attr))
            .map(str::to_owned);
        let next = match (cut || seen_to.is_some(), last.or(seen_to)) {
            (true, Some(last)) => {
                let key = Item::from([("after".to_owned(), AttributeValue::S(last))]);
                self.cursors.seal(&scope, &key)
            }
            _ => None,
        };
        Ok(Page {
            items: self.listed_tickets(&found).await?,
            next_cursor: next,
        })
    }
}
