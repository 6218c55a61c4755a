//! Keeping each ticket's SLA current, and announcing what falls due.
//!
//! `recompute` reads the ticket's history, evaluates its policy and stores
//! the result with its next deadline (the timer index the scheduler reads)
//! and its view (`breached`, `at_risk`). A deadline within the next few
//! minutes (which the scheduler may already have scanned past) is handed
//! to the worker directly, delayed to its second. The router calls it on
//! every ticket and comment event; the worker after each announcement.
//!
//! `check` (the worker, when a deadline comes) re-reads the ticket and
//! announces each threshold reached exactly once per target cycle: the
//! announcement marker and its `sla.warning` / `sla.breached` event are
//! one transaction. Escalation actions follow the announcement.

use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::accounts::ports::{OrganizationStore, TeamStore};
use crate::kernel::error::StoreResult;
use crate::kernel::ports::IdempotencyStore;
use crate::sla::events::SlaAnnounced;
use crate::sla::ports::SlaConfigStore;
use crate::sla::ports::TicketSlaStore;
use crate::sla::stored::{SlaCheck, StoredSla};
use crate::tickets::ports::FieldSchemaStore;
use crate::tickets::ticket::Cause;
use std::collections::BTreeSet;

use jiff::Timestamp;

use super::evaluate::{Message, SlaFacts, TargetClock, Threshold, TicketSla, evaluate};
use super::policy::{Action, SlaPolicy, raised};
use crate::accounts::permissions::Principal;
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::{Actor, DomainEvent, EventType, Subject};
use crate::kernel::ids::{TenantId, TicketId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::sla::ports::SlaQueue;
use crate::tickets::input::TicketPatch;
use crate::tickets::ports::TicketStore;
use crate::tickets::service::Ticketing;
use crate::tickets::ticket::{Status, Ticket};

/// What one announcement did.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    pub target: String,
    pub threshold: Threshold,
    pub event: DomainEvent,
}

/// Deadlines closer than this are handed to the worker directly: the
/// scheduler looks two minutes ahead each minute, so it may have passed
/// their bucket already.
pub const DIRECT_HORIZON: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

pub struct SlaEngine<S, C> {
    store: S,
    queue: C,
}

impl<S, C> SlaEngine<S, C>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + TenantStore
        + SlaConfigStore
        + TicketSlaStore
        + Clone,
    C: SlaQueue,
{
    pub fn new(store: S, queue: C) -> Self {
        Self { store, queue }
    }

    /// The ticket's SLA now, from its history, with the policy and the
    /// ticket read for it (`None`: no policy applies, or the ticket is gone).
    async fn compute(
        &self,
        tenant: TenantId,
        ticket_id: TicketId,
        now: Timestamp,
    ) -> StoreResult<Option<(TicketSla, SlaPolicy, Ticket)>> {
        // The configuration first: a helpdesk without policies stops here.
        let (policies, hours) = self.store.sla_config(tenant).await?;
        if policies.policies.is_empty() {
            return Ok(None);
        }
        let Some(ticket) = self
            .store
            .ticket(tenant, ticket_id)
            .await?
            .filter(|t| !t.is_deleted())
        else {
            return Ok(None);
        };
        let mut statuses = vec![(ticket.created_at, Status::New)];
        for entry in self.store.history(tenant, ticket_id).await? {
            for change in entry.changes.iter().filter(|c| c.field == "status") {
                if let Some(s) = change.after.as_str().and_then(|s| Status::parse(s).ok()) {
                    statuses.push((entry.at, s));
                }
            }
        }
        statuses.sort_by_key(|s| s.0);
        let mut comments = Vec::new();
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        loop {
            let p = self.store.comments(tenant, ticket_id, true, &page).await?;
            comments.extend(p.items.into_iter().filter(|c| c.deleted_at.is_none()));
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        // The customers' side: the requester and anyone not on staff (a
        // participant copied on the ticket answers as a customer too).
        // One read for the requester (whose domain policies match on) and
        // every author.
        let mut people: Vec<UserId> = comments.iter().filter_map(|c| c.author_id).collect();
        people.push(ticket.requester_id);
        people.sort();
        people.dedup();
        let people = self.store.users(tenant, &people).await?;
        let domain = people
            .iter()
            .find(|u| u.id == ticket.requester_id)
            .and_then(|u| u.email.as_str().rsplit_once('@'))
            .map(|(_, d)| d.to_lowercase());
        let staff: BTreeSet<UserId> = people
            .iter()
            .filter(|u| u.role.is_staff())
            .map(|u| u.id)
            .collect();
        let mut messages: Vec<Message> = comments
            .iter()
            .map(|c| Message {
                at: c.created_at,
                from_customer: c
                    .author_id
                    .is_some_and(|a| a == ticket.requester_id || !staff.contains(&a)),
            })
            .collect();
        messages.sort_by_key(|m| m.at);
        let facts = SlaFacts {
            ticket: &ticket,
            requester_domain: domain.as_deref(),
            statuses,
            messages,
        };
        let Some(sla) = evaluate(&policies, &hours, &facts, now) else {
            return Ok(None);
        };
        let policy = policies
            .policies
            .iter()
            .find(|p| p.id == sla.policy_id)
            .cloned()
            .ok_or_else(|| StoreError::Internal("the evaluated policy vanished".into()))?;
        Ok(Some((sla, policy, ticket)))
    }

    /// Recomputes and stores the ticket's SLA, its next deadline and view;
    /// writes only when something changed.
    pub async fn recompute(
        &self,
        tenant: TenantId,
        ticket_id: TicketId,
        now: Timestamp,
    ) -> StoreResult<Option<StoredSla>> {
        let computed = self.compute(tenant, ticket_id, now).await?;
        let stored = self.store.ticket_sla(tenant, ticket_id).await?;
        let Some((sla, _, _)) = computed else {
            if stored.is_some() {
                self.store.delete_ticket_sla(tenant, ticket_id).await?;
            }
            return Ok(None);
        };
        let announced = self.store.sla_announced(tenant, ticket_id).await?;
        let fresh = StoredSla {
            tenant_id: tenant,
            ticket_id,
            next_deadline: sla.next_deadline(&announced),
            view: sla.view(now),
            sla,
            computed_at: now,
        };
        if stored.as_ref().is_none_or(|s| !s.same_as(&fresh)) {
            self.store.put_ticket_sla(&fresh).await?;
        }
        if let Some(deadline) = fresh.next_deadline
            && deadline.duration_since(now) <= DIRECT_HORIZON
        {
            let check = SlaCheck {
                tenant_id: tenant,
                ticket_id,
            };
            self.queue
                .enqueue_check(&check, delay_until(deadline, now))
                .await?;
        }
        Ok(Some(fresh))
    }

    /// Announces the thresholds the ticket has reached (each once), applies
    /// their escalation actions, and stores the SLA anew.
    pub async fn check(
        &self,
        ticketing: &Ticketing<S>,
        tenant: TenantId,
        ticket_id: TicketId,
        now: Timestamp,
    ) -> Result<Vec<Announced>, DomainError> {
        let Some((sla, policy, ticket)) = self.compute(tenant, ticket_id, now).await? else {
            self.recompute(tenant, ticket_id, now).await?;
            return Ok(Vec::new());
        };
        let announced: BTreeSet<(String, Threshold)> =
            self.store.sla_announced(tenant, ticket_id).await?;
        let mut done = Vec::new();
        // The team an announcement names (a warning's escalation may move it).
        let mut team = ticket.team_id;
        for (target, threshold) in sla.reached(&announced, now) {
            let actions = match threshold {
                Threshold::Warning => &policy.on_warning,
                Threshold::Breach => &policy.on_breach,
            };
            let event = announcement(
                tenant, ticket_id, team, &policy, target, threshold, actions, now,
            );
            // The escalation first, recorded with its cause: a check that
            // fails after it finds it made; one that fails before it (or
            // before the announcement) is retried whole, so neither is lost.
            let cause = Cause::SlaEscalation {
                cycle: target.cycle(),
                threshold: threshold.as_str().to_owned(),
            };
            // Boxed: the ticket update's future is deep.
            Box::pin(self.escalate(ticketing, tenant, ticket_id, actions, cause, now)).await?;
            if !self
                .store
                .announce(tenant, ticket_id, &target.cycle(), threshold, &event)
                .await?
            {
                continue;
            }
            for action in actions {
                if let Action::AssignTeam { team_id } = action {
                    team = Some(*team_id);
                }
            }
            done.push(Announced {
                target: target.cycle(),
                threshold,
                event,
            });
        }
        self.recompute(tenant, ticket_id, now).await?;
        Ok(done)
    }

    /// Applies escalation actions as Switchboard itself, through the same
    /// rules (and events) as any change.
    async fn escalate(
        &self,
        ticketing: &Ticketing<S>,
        tenant: TenantId,
        ticket_id: TicketId,
        actions: &[Action],
        cause: Cause,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut patch = TicketPatch::default();
        let mut changed = false;
        for action in actions {
            match action {
                Action::RaisePriority => {
                    if let Some(ticket) = self.store.ticket(tenant, ticket_id).await?
                        && let Some(up) = raised(ticket.priority)
                    {
                        patch.priority = Some(up);
                        changed = true;
                    }
                }
                Action::AssignTeam { team_id } => {
                    patch.team = Some(Some(*team_id));
                    changed = true;
                }
                Action::AssignAgent { user_id } => {
                    patch.assignee = Some(Some(*user_id));
                    changed = true;
                }
                Action::AddTag { tag } => {
                    patch
                        .add_tags
                        .get_or_insert_with(Default::default)
                        .insert(tag.clone());
                    changed = true;
                }
                Action::Notify { .. } => {}
            }
        }
        if !changed {
            return Ok(());
        }
        let made = self
            .store
            .history(tenant, ticket_id)
            .await?
            .iter()
            .any(|h| h.caused_by.as_ref() == Some(&cause));
        if made {
            return Ok(());
        }
        let Some(tenant_record) = self.store.tenant(tenant).await? else {
            return Ok(());
        };
        let system = Principal::system(tenant_record);
        match ticketing
            .apply_for(&system, ticket_id, patch, cause, now)
            .await
        {
            // A team or agent deleted since the policy was written, or a
            // ticket closed meanwhile: the announcement stands.
            Ok(_) | Err(DomainError::Invalid(_)) | Err(DomainError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Whole seconds from `now` until `deadline` (rounded up, so a check never
/// comes early), within what SQS can delay.
pub fn delay_until(deadline: Timestamp, now: Timestamp) -> u32 {
    let ms = deadline.duration_since(now).as_millis().max(0);
    u32::try_from((ms + 999) / 1000).unwrap_or(900).min(900)
}

#[allow(clippy::too_many_arguments)]
fn announcement(
    tenant: TenantId,
    ticket_id: TicketId,
    team: Option<crate::kernel::ids::TeamId>,
    policy: &SlaPolicy,
    target: &TargetClock,
    threshold: Threshold,
    actions: &[Action],
    now: Timestamp,
) -> DomainEvent {
    let kind = match threshold {
        Threshold::Warning => EventType::SlaWarning,
        Threshold::Breach => EventType::SlaBreached,
    };
    let notify: Vec<UserId> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify { user_id } => Some(*user_id),
            _ => None,
        })
        .collect();
    DomainEvent::new(
        kind,
        tenant,
        now,
        Actor::system(),
        Subject {
            ticket_id: Some(ticket_id),
            ..Subject::default()
        },
        &SlaAnnounced {
            target: target.kind,
            started_at: target.started_at,
            due_at: target.due_at,
            warn_at: target.warn_at,
            policy_id: policy.id,
            policy_name: policy.name.clone(),
            team_id: team,
            notify,
        },
    )
}
