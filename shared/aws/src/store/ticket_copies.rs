//! Tickets listed for people other than their requester: those copied on
//! them and the requester's organisation. A ticket keeps one entry per
//! copied address and one for its organisation, each in that partition of
//! the requester indexes (no index of its own), written in the ticket's own
//! transaction; a customer's list merges their copied partition with their
//! requester partition, in one order, with full pages.

use std::collections::BTreeMap;

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

/// A ticket's entries beyond its requester's listing, by key: one per
/// address copied on it and one for its organisation (the index partition
/// each lists it in); none while it is deleted.
fn entries_of(t: &Ticket) -> BTreeMap<(String, String), String> {
    let mut entries = BTreeMap::new();
    if t.is_deleted() {
        return entries;
    }
    for address in &t.cc {
        let key = keys::ticket_copy(t.tenant_id, t.id, address);
        entries.insert(
            (key.pk, key.sk),
            keys::copied_index_pk(t.tenant_id, address),
        );
    }
    if let Some(org) = t.organization_id {
        let key = keys::ticket_organization_entry(t.tenant_id, t.id);
        let pk = keys::ticket_index_pk(t.tenant_id, &TicketDimension::Organization(org));
        entries.insert((key.pk, key.sk), pk);
    }
    entries
}

/// An index item's sort key under `attr`.
fn sort_key<'a>(item: &'a Item, attr: &str) -> Option<&'a str> {
    item.get(attr)?.as_s().ok().map(String::as_str)
}

impl DynamoStore {
    /// What keeps a ticket's entries in step with a `Create` or `Replace`
    /// of it (`before`: the ticket as the writer read it, unknown for a
    /// creation): entries no longer due go, and the others are rewritten
    /// when what lists filter or sort on changed.
    pub(super) fn copy_writes(
        &self,
        after: &Ticket,
        before: Option<&Ticket>,
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let due = entries_of(after);
        let had = before.map(entries_of).unwrap_or_default();
        let same = before.is_some_and(|b| TicketCopyItem::unchanged(b, after));
        let mut writes = Vec::new();
        // An entry whose partition changed is put again below, never both
        // deleted and put in one transaction.
        for (pk, sk) in had.keys().filter(|k| !due.contains_key(*k)) {
            let key = keys::Key::from_parts(pk.clone(), sk.clone());
            writes.push(self.delete(&key, None)?);
        }
        for ((pk, sk), index_pk) in &due {
            if same && had.get(&(pk.clone(), sk.clone())) == Some(index_pk) {
                continue;
            }
            let key = keys::Key::from_parts(pk.clone(), sk.clone());
            let item = to_item(&TicketCopyItem::new(after, key, index_pk))?;
            writes.push(self.put(item, None)?);
        }
        Ok(writes)
    }

    /// Moves a ticket's entries to its new public update time (a `Touch`
    /// that customers see). Unconditional: an entry a ticket stored before
    /// entries existed lacks is left out of the index (this writes no
    /// partition key), and the next change of the ticket writes it whole.
    pub(super) fn copy_touches(&self, t: &Ticket) -> StoreResult<Vec<TransactWriteItem>> {
        let name = keys::ticket_index(
            &TicketDimension::Requester(t.requester_id),
            TicketSort::UpdatedAt,
        );
        let sk = keys::ticket_index_sk(t.public_updated_at, t.id);
        entries_of(t)
            .into_keys()
            .map(|(pk, entry_sk)| {
                let update = self
                    .update(&keys::Key::from_parts(pk, entry_sk))
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
            items: self.listed_tickets(&found, false).await?,
            next_cursor: next,
        })
    }
}
