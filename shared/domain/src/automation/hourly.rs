//! The hourly run of automations: for each tenant with an active one,
//! each automation in order looks at the tickets an index finds (by
//! status when it asks for one, oldest update first, at most
//! [`MAX_TICKETS_PER_RUN`]) and changes those its conditions hold for, as
//! Switchboard, one change per ticket with the automation as its cause.

use jiff::{SignedDuration, Timestamp};

use crate::accounts::permissions::Principal;
use crate::accounts::ports::{OrganizationStore, TeamStore, TenantStore, UserStore};
use crate::automation::action::{Effects, patch_between};
use crate::automation::condition::{ActorKind, Clock, Compare, Condition, Facts, Is};
use crate::automation::firing::rule_extras;
use crate::automation::ports::AutomationStore;
use crate::automation::rule_mail;
use crate::automation::timed::{Automation, MAX_TICKETS_PER_RUN};
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::TenantId;
use crate::kernel::pagination::PageRequest;
use crate::kernel::ports::IdempotencyStore;
use crate::sla::policy::BusinessHours;
use crate::sla::ports::SlaConfigStore;
use crate::tickets::input::TicketPatch;
use crate::tickets::ports::{
    FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use crate::tickets::service::Ticketing;
use crate::tickets::ticket::{Cause, MAX_AUTOMATION_UPDATES, Ticket};

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourlyRun {
    pub tenants: usize,
    pub automations: usize,
    /// Tickets looked at.
    pub examined: usize,
    /// Tickets changed.
    pub changed: usize,
    /// Automations that stopped at [`MAX_TICKETS_PER_RUN`].
    pub cut_off: usize,
    /// Tickets left alone because automations changed them
    /// [`MAX_AUTOMATION_UPDATES`] times.
    pub at_limit: usize,
}

impl HourlyRun {
    fn add(&mut self, other: HourlyRun) {
        self.tenants += other.tenants;
        self.automations += other.automations;
        self.examined += other.examined;
        self.changed += other.changed;
        self.cut_off += other.cut_off;
        self.at_limit += other.at_limit;
    }
}

const PAGE: u32 = 100;

/// Runs every automated tenant's automations; a tenant that fails is
/// logged and the others still run.
pub async fn run_hour<S>(store: &S, tickets: &Ticketing<S>, now: Timestamp) -> StoreResultRun
where
    S: Needs,
{
    let mut total = HourlyRun::default();
    for tenant in store.automated_tenants().await? {
        match run_tenant(store, tickets, tenant, now).await {
            Ok(run) => total.add(run),
            Err(e) => tracing::error!(tenant_id = %tenant, error = %e, "automations failed"),
        }
    }
    Ok(total)
}

type StoreResultRun = Result<HourlyRun, DomainError>;

/// What the run needs of storage.
pub trait Needs:
    AutomationStore
    + TicketStore
    + FieldSchemaStore
    + IdempotencyStore
    + UserStore
    + TeamStore
    + OrganizationStore
    + TenantStore
    + SlaConfigStore
{
}

impl<S> Needs for S where
    S: AutomationStore
        + TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + TenantStore
        + SlaConfigStore
{
}

/// Runs one tenant's active automations, in order.
pub async fn run_tenant<S: Needs>(
    store: &S,
    tickets: &Ticketing<S>,
    tenant: TenantId,
    now: Timestamp,
) -> StoreResultRun {
    let mut run = HourlyRun {
        tenants: 1,
        ..HourlyRun::default()
    };
    let set = store.automations(tenant).await?;
    let Some(tenant_record) = store.tenant(tenant).await? else {
        return Ok(run);
    };
    let system = Principal::system(tenant_record);
    let (_, hours) = store.sla_config(tenant).await?;
    for automation in set.automations.iter().filter(|a| a.active) {
        run.automations += 1;
        let one = run_one(store, tickets, (&system, &hours), automation, now).await?;
        run.examined += one.examined;
        run.changed += one.changed;
        run.at_limit += one.at_limit;
        if one.examined >= MAX_TICKETS_PER_RUN {
            run.cut_off += 1;
            tracing::warn!(
                tenant_id = %tenant,
                automation = %automation.id,
                examined = one.examined,
                "automation stopped at its limit; the rest waits for the next run"
            );
        }
    }
    Ok(run)
}

/// Where an automation's tickets are found: by the status it asks for,
/// oldest update first; and the update time past which none can match.
fn plan(a: &Automation, now: Timestamp) -> (TicketListQuery, Option<Timestamp>) {
    let status = a.conditions.all.iter().find_map(|c| match c {
        Condition::Status {
            operator: Is::Is,
            value,
        } => Some(*value),
        _ => None,
    });
    let newest = a.conditions.all.iter().find_map(|c| match c {
        Condition::HoursSince {
            clock: Clock::Updated,
            operator: Compare::GreaterThan,
            hours,
            calendar: None,
        } => now
            .checked_sub(SignedDuration::from_hours(i64::from(*hours)))
            .ok(),
        _ => None,
    });
    let query = TicketListQuery {
        dimension: status.map_or(TicketDimension::All, TicketDimension::Status),
        copied: None,
        filters: TicketFilters::default(),
        sort: TicketSort::UpdatedAt,
        descending: false,
    };
    (query, newest)
}

async fn run_one<S: Needs>(
    store: &S,
    tickets: &Ticketing<S>,
    (system, hours): (&Principal, &BusinessHours),
    a: &Automation,
    now: Timestamp,
) -> StoreResultRun {
    let mut run = HourlyRun::default();
    let tenant = system.tenant_id();
    let (query, newest) = plan(a, now);
    let about_requester = a.conditions.iter().any(|c| {
        matches!(
            c,
            Condition::RequesterEmail { .. }
                | Condition::RequesterDomain { .. }
                | Condition::RequesterOrganization { .. }
        )
    });
    let mut cursor = None;
    loop {
        let page = store
            .list_tickets(
                tenant,
                &query,
                &PageRequest {
                    limit: PAGE,
                    cursor: cursor.take(),
                },
            )
            .await?;
        for ticket in page.items {
            if run.examined >= MAX_TICKETS_PER_RUN || newest.is_some_and(|n| ticket.updated_at >= n)
            {
                return Ok(run);
            }
            run.examined += 1;
            if ticket.is_deleted() {
                continue;
            }
            let requester = if about_requester {
                store.user(tenant, ticket.requester_id).await?
            } else {
                None
            };
            let facts = Facts {
                changes: &[],
                actor: ActorKind::System,
                requester: requester.as_ref(),
                body: None,
                hours,
                now,
            };
            if !a.conditions.matches(&ticket, &facts) {
                continue;
            }
            if ticket.clocks.automation_updates >= MAX_AUTOMATION_UPDATES {
                run.at_limit += 1;
                tracing::warn!(
                    tenant_id = %tenant,
                    automation = %a.id,
                    ticket = %ticket.id,
                    "automations changed this ticket {MAX_AUTOMATION_UPDATES} times; left alone"
                );
                continue;
            }
            if apply((store, tickets), system, a, ticket, now).await? {
                run.changed += 1;
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(run),
        }
    }
}

/// Applies an automation to a ticket its conditions hold for: `false`
/// when the ticket moved meanwhile or the change is refused.
async fn apply<S: Needs>(
    (store, tickets): (&S, &Ticketing<S>),
    system: &Principal,
    a: &Automation,
    ticket: Ticket,
    now: Timestamp,
) -> Result<bool, DomainError> {
    let rule = a.rule();
    let mut draft = ticket.clone();
    let mut effects = Effects::default();
    for action in &a.actions {
        action.apply(&rule, &mut draft, &mut effects, now);
    }
    let patch = patch_between(&ticket, &draft);
    if patch == TicketPatch::default() {
        // An automation acts only by changing the ticket (its notes and
        // mails go with a change), so it never acts twice on one state.
        return Ok(false);
    }
    let cause = Cause::Automation {
        automation: rule.clone(),
    };
    // The same automation acts once on a ticket as it stood (a run
    // retried after a crash changes nothing twice).
    let once = IdempotencyRecord {
        key: IdempotencyKey::new(
            "system",
            "automation",
            &format!("{}:{}:{}", a.id, ticket.id, ticket.version),
            b"",
        ),
        resource_id: ticket.id.to_string(),
        created_at: now,
    };
    let mails = rule_mail::address(store, &draft, &effects.mails).await?;
    let extras = rule_extras((&draft, &effects, mails), cause, once, system, now);
    match tickets
        .apply_rules(system, ticket, patch, &extras, now)
        .await
    {
        Ok(_) => Ok(true),
        Err(
            DomainError::PreconditionFailed
            | DomainError::Invalid(_)
            | DomainError::Store(StoreError::IdempotencyKeyTaken),
        ) => Ok(false),
        Err(e) => Err(e),
    }
}
