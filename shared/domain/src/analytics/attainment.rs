//! SLA attainment: when a ticket is solved, each of its SLA's targets that
//! ended met or breached counts once, under its policy, in the day's rows
//! (`sla.{policy}.{target}.met|breached`); the report reads the
//! helpdesk's rows and gives each policy's targets their share met.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::accounts::permissions::{Action, Principal};
use crate::analytics::ports::AnalyticsStore;
use crate::analytics::tally::Dimension;
use crate::kernel::error::DomainError;
use crate::kernel::events::{DomainEvent, EventType};
use crate::sla::evaluate::{State, TicketSla};
use crate::sla::ports::SlaConfigStore;
use crate::tickets::events::StatusChanged;
use crate::tickets::ticket::Status;

const PREFIX: &str = "sla.";

/// What a ticket's solving adds to the day's attainment counters: each
/// target of its SLA, as it stands once solved, that was met or breached.
pub fn outcomes(event: &DomainEvent, sla: Option<&TicketSla>) -> Vec<(String, i64)> {
    let solved = event.kind == EventType::TicketStatusChanged
        && event
            .payload::<StatusChanged>()
            .is_some_and(|c| c.to == Status::Solved && c.from.is_unsolved());
    let Some(sla) = sla.filter(|_| solved) else {
        return Vec::new();
    };
    sla.targets
        .iter()
        .filter_map(|t| {
            let outcome = match t.state {
                State::Met => "met",
                State::Breached => "breached",
                State::Active | State::Paused => return None,
            };
            Some((
                format!("{PREFIX}{}.{}.{outcome}", sla.policy_id, t.kind.as_str()),
                1,
            ))
        })
        .collect()
}

/// One target of one policy over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetAttainment {
    /// `first_response`, `next_response` or `resolution`.
    pub target: String,
    pub met: i64,
    pub breached: i64,
    /// `met / (met + breached)`; absent when none ended either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attainment: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAttainment {
    pub policy_id: String,
    /// Its name now (`null` for a policy deleted since).
    pub name: Option<String>,
    pub targets: Vec<TargetAttainment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaReport {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
    pub policies: Vec<PolicyAttainment>,
}

/// The SLA report (staff): each policy's targets, met and breached, of the
/// tickets solved from `from` to `to` (days checked by the caller).
pub async fn sla_report<S>(
    store: &S,
    principal: &Principal,
    (from, to): (jiff::civil::Date, jiff::civil::Date),
) -> Result<SlaReport, DomainError>
where
    S: AnalyticsStore + SlaConfigStore,
{
    principal.require(Action::ReadReports)?;
    let tenant = principal.tenant_id();
    let rows = store.day_rows(tenant, Dimension::All, from, to).await?;
    // policy → target → (met, breached)
    let mut counted: BTreeMap<String, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
    for row in &rows {
        for (name, n) in &row.counters {
            let Some(rest) = name.strip_prefix(PREFIX) else {
                continue;
            };
            let mut parts = rest.splitn(3, '.');
            let (Some(policy), Some(target), Some(outcome)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let cell = counted
                .entry(policy.to_owned())
                .or_default()
                .entry(target.to_owned())
                .or_default();
            match outcome {
                "met" => cell.0 += n,
                "breached" => cell.1 += n,
                _ => {}
            }
        }
    }
    let (policies, _) = store.sla_config(tenant).await?;
    let names: BTreeMap<String, String> = policies
        .policies
        .iter()
        .map(|p| (p.id.to_string(), p.name.clone()))
        .collect();
    Ok(SlaReport {
        from,
        to,
        policies: counted
            .into_iter()
            .map(|(policy, targets)| PolicyAttainment {
                name: names.get(&policy).cloned(),
                policy_id: policy,
                targets: targets
                    .into_iter()
                    .map(|(target, (met, breached))| TargetAttainment {
                        target,
                        met,
                        breached,
                        attainment: (met + breached > 0)
                            .then(|| met as f64 / (met + breached) as f64),
                    })
                    .collect(),
            })
            .collect(),
    })
}
