//! SLA configuration, tickets' stored SLAs, announcements, views and the
//! timer index in memory.

use std::collections::BTreeSet;
use switchboard_domain::kernel::error::StoreResult;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{TenantId, TicketId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::sla::evaluate::{SlaView, Threshold};
use switchboard_domain::sla::policy::{BusinessHours, SlaPolicies};
use switchboard_domain::sla::ports::{SlaConfigStore, SlaTimers, TicketSlaStore};
use switchboard_domain::sla::scheduler::minute_of;
use switchboard_domain::sla::stored::{SlaCheck, StoredSla};
use switchboard_domain::tickets::ticket::Ticket;

use super::{MemoryStore, keys};

/// A configuration document is created at expected version 0 and replaced
/// at the stored version only.
pub(super) fn config_fits(stored: Option<u64>, expected: u64) -> bool {
    match stored {
        None => expected == 0,
        Some(v) => expected != 0 && v == expected,
    }
}

/// When a stored SLA is listed in its view: the earliest due time of a
/// running target, else when it was computed.
fn view_due(sla: &StoredSla) -> Timestamp {
    sla.sla
        .targets
        .iter()
        .filter(|t| t.met_at.is_none())
        .filter_map(|t| t.due_at)
        .min()
        .unwrap_or(sla.computed_at)
}

impl SlaConfigStore for MemoryStore {
    async fn sla_config(&self, tenant: TenantId) -> StoreResult<(SlaPolicies, BusinessHours)> {
        self.enter("sla_config")?;
        Ok(self.read(|s| {
            (
                s.sla_policies.get(&tenant).cloned().unwrap_or_default(),
                s.business_hours.get(&tenant).cloned().unwrap_or_default(),
            )
        }))
    }

    async fn put_business_hours(
        &self,
        tenant: TenantId,
        hours: &BusinessHours,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_business_hours")?;
        self.write(|s| {
            if !config_fits(
                s.business_hours.get(&tenant).map(|h| h.version),
                expected_version,
            ) {
                return Err(StoreError::VersionMismatch);
            }
            s.business_hours.insert(tenant, hours.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn put_sla_policies(
        &self,
        tenant: TenantId,
        policies: &SlaPolicies,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_sla_policies")?;
        self.write(|s| {
            if !config_fits(
                s.sla_policies.get(&tenant).map(|p| p.version),
                expected_version,
            ) {
                return Err(StoreError::VersionMismatch);
            }
            s.sla_policies.insert(tenant, policies.clone());
            s.add_events(events);
            Ok(())
        })
    }
}

impl TicketSlaStore for MemoryStore {
    async fn ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Option<StoredSla>> {
        self.enter("ticket_sla")?;
        Ok(self.read(|s| s.ticket_slas.get(&(tenant, ticket)).cloned()))
    }

    async fn put_ticket_sla(&self, sla: &StoredSla) -> StoreResult<()> {
        self.enter("put_ticket_sla")?;
        self.write(|s| {
            s.ticket_slas
                .insert((sla.tenant_id, sla.ticket_id), sla.clone())
        });
        Ok(())
    }

    async fn delete_ticket_sla(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<()> {
        self.enter("delete_ticket_sla")?;
        self.write(|s| s.ticket_slas.remove(&(tenant, ticket)));
        Ok(())
    }

    async fn sla_announced(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<BTreeSet<(String, Threshold)>> {
        self.enter("sla_announced")?;
        Ok(self.read(|s| {
            s.sla_marks
                .iter()
                .filter(|(t, k, _, _)| *t == tenant && *k == ticket)
                .map(|(_, _, cycle, threshold)| (cycle.clone(), *threshold))
                .collect()
        }))
    }

    async fn announce(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        cycle: &str,
        threshold: Threshold,
        event: &DomainEvent,
    ) -> StoreResult<bool> {
        self.enter("announce")?;
        self.write(|s| {
            let mark = (tenant, ticket, cycle.to_owned(), threshold);
            let events = std::slice::from_ref(event);
            if s.sla_marks.contains(&mark) || !s.events_fit(events)? {
                return Ok(false);
            }
            s.sla_marks.insert(mark);
            s.add_events(events);
            Ok(true)
        })
    }

    async fn sla_view(
        &self,
        tenant: TenantId,
        view: SlaView,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        self.enter("sla_view")?;
        let mut rows: Vec<(String, TicketId)> = self.read(|s| {
            s.ticket_slas
                .iter()
                .filter(|((t, _), sla)| *t == tenant && sla.view == Some(view))
                .map(|((_, id), sla)| (keys::sla_view(view_due(sla), *id), *id))
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let scope = format!("sla_view|{tenant}|{}", view.as_str());
        let ids = self.cursors().page(&scope, rows, false, page)?;
        // The page is of index entries: a ticket gone or deleted meanwhile
        // leaves it short, as the batch read after the query does.
        let items = self.read(|s| {
            ids.items
                .iter()
                .filter_map(|id| s.tickets.get(&(tenant, *id)))
                .filter(|t| !t.is_deleted())
                .cloned()
                .collect()
        });
        Ok(Page {
            items,
            next_cursor: ids.next_cursor,
        })
    }
}

impl SlaTimers for MemoryStore {
    async fn due_in(&self, minute: Timestamp) -> StoreResult<Vec<(SlaCheck, Timestamp)>> {
        self.enter("due_in")?;
        let bucket = minute_of(minute);
        let mut due: Vec<(String, SlaCheck, Timestamp)> = self.read(|s| {
            s.ticket_slas
                .values()
                .filter_map(|sla| {
                    let d = sla.next_deadline?;
                    (minute_of(d) == bucket).then(|| {
                        let check = SlaCheck {
                            tenant_id: sla.tenant_id,
                            ticket_id: sla.ticket_id,
                        };
                        (keys::sla_timer(d, sla.tenant_id, sla.ticket_id), check, d)
                    })
                })
                .collect()
        });
        due.sort_by(|a, b| a.0.cmp(&b.0));
        // The deadline is read back from the index key: to the millisecond.
        due.into_iter()
            .map(|(_, check, d)| {
                keys::sortable(d)
                    .parse::<Timestamp>()
                    .map(|d| (check, d))
                    .map_err(|_| StoreError::Corrupt("an unreadable SLA timer key".into()))
            })
            .collect()
    }

    async fn scheduler_cursor(&self) -> StoreResult<Option<Timestamp>> {
        self.enter("scheduler_cursor")?;
        Ok(self.read(|s| s.scheduler_cursor))
    }

    async fn set_scheduler_cursor(&self, minute: Timestamp) -> StoreResult<()> {
        self.enter("set_scheduler_cursor")?;
        self.write(|s| s.scheduler_cursor = Some(minute));
        Ok(())
    }
}
