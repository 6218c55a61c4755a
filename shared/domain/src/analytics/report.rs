//! Reports staff read from the daily aggregates: tickets over time (by
//! day, week or month, whole or by team, agent, channel or priority) and
//! agents side by side. Counts are exact; durations are quantiles of
//! merged sketches, within [`RELATIVE_ACCURACY`] of the exact ones, and
//! exact means.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::UserStore;
use crate::analytics::ports::{AnalyticsStore, DayRow};
use crate::analytics::sketch::{RELATIVE_ACCURACY, Sketch};
use crate::analytics::tally::{
    CREATED, Dimension, FIRST_RESPONSE, NONE, REOPENED, REPLIES, RESOLUTION, SATISFACTION_BAD,
    SATISFACTION_GOOD, SOLVED,
};
use crate::assignment::ports::AgentStore;
use crate::kernel::error::DomainError;
use crate::kernel::ids::UserId;

/// Days one report covers at most.
pub const MAX_DAYS: i64 = 366;

/// How rows are bucketed in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Day,
    /// ISO weeks, from Monday.
    Week,
    Month,
}

impl Interval {
    /// The first day of the period `day` falls in.
    fn start(self, day: Date) -> Date {
        match self {
            Interval::Day => day,
            Interval::Week => {
                let back = i64::from(day.weekday().to_monday_zero_offset());
                day.checked_sub(back.days()).unwrap_or(day)
            }
            Interval::Month => day.first_of_month(),
        }
    }
}

/// The days a report covers, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    pub fn new(from: Date, to: Date) -> Result<Self, DomainError> {
        if to < from {
            return Err(DomainError::field(
                "to",
                "invalid_range",
                "`to` is before `from`",
            ));
        }
        let days = (to - from).get_days();
        if i64::from(days) >= MAX_DAYS {
            return Err(DomainError::field(
                "to",
                "invalid_range",
                format!("at most {MAX_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }
}

/// Durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Durations {
    pub count: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

impl From<&Sketch> for Durations {
    /// From a sketch of milliseconds, in seconds.
    fn from(s: &Sketch) -> Self {
        let seconds = |ms: Option<f64>| ms.map(|v| v / 1000.0);
        Self {
            count: s.count,
            mean: seconds(s.mean()),
            p50: seconds(s.quantile(0.5)),
            p90: seconds(s.quantile(0.9)),
        }
    }
}

/// A period's figures (of one group when grouped).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub created: i64,
    pub solved: i64,
    pub reopened: i64,
    pub replies: i64,
    /// SLA breaches by target (`first_response`, `next_response`, `resolution`).
    pub breached: BTreeMap<String, i64>,
    pub first_response: Durations,
    pub resolution: Durations,
    pub satisfaction: SatisfactionFigures,
}

/// Ratings given in the period (a changed rating counts as its latest
/// score) and the share of good ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SatisfactionFigures {
    pub good: i64,
    pub bad: i64,
    /// `good / (good + bad)`; absent without ratings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl SatisfactionFigures {
    fn new(good: i64, bad: i64) -> Self {
        // A rating replaced on its day by one of a ticket that changed
        // hands can leave a group's row below zero: never shown so.
        let (good, bad) = (good.max(0), bad.max(0));
        let rated = good + bad;
        Self {
            good,
            bad,
            score: (rated > 0).then(|| good as f64 / rated as f64),
        }
    }
}

/// Counters merged over days, then read as figures.
#[derive(Debug, Clone, Default)]
struct Merged {
    counters: BTreeMap<String, i64>,
    first_response: Sketch,
    resolution: Sketch,
}

impl Merged {
    fn add(&mut self, row: &DayRow) {
        for (name, n) in &row.counters {
            if !name.contains('.')
                || name.starts_with("breached.")
                || name.starts_with("satisfaction.")
            {
                *self.counters.entry(name.clone()).or_default() += n;
            }
        }
        self.first_response
            .merge(&Sketch::from_counters(FIRST_RESPONSE, &row.counters));
        self.resolution
            .merge(&Sketch::from_counters(RESOLUTION, &row.counters));
    }

    fn figures(&self) -> Figures {
        let n = |name: &str| self.counters.get(name).copied().unwrap_or(0);
        Figures {
            created: n(CREATED),
            solved: n(SOLVED),
            reopened: n(REOPENED),
            replies: n(REPLIES),
            breached: self
                .counters
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("breached.").map(|t| (t.to_owned(), *v)))
                .collect(),
            first_response: Durations::from(&self.first_response),
            resolution: Durations::from(&self.resolution),
            satisfaction: SatisfactionFigures::new(n(SATISFACTION_GOOD), n(SATISFACTION_BAD)),
        }
    }
}

/// One row of the tickets report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodRow {
    /// The period's first day.
    pub period: Date,
    /// The group's value (a team's or agent's id, a channel, a priority;
    /// `none` for tickets without one); absent when not grouped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketReport {
    pub from: Date,
    pub to: Date,
    pub interval: Interval,
    /// Quantiles are within this relative error of the exact values.
    pub relative_error: f64,
    pub rows: Vec<PeriodRow>,
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRow {
    pub agent_id: UserId,
    pub name: String,
    /// Unsolved tickets assigned to them now.
    pub open_now: i64,
    #[serde(flatten)]
    pub figures: Figures,
}

pub struct Analytics<S> {
    store: S,
}

impl<S> Analytics<S>
where
    S: AnalyticsStore + UserStore + AgentStore,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Tickets over time, whole (`group_by: All`) or by group. An agent
    /// grouping by agent sees their own row only.
    pub async fn tickets(
        &self,
        principal: &Principal,
        period: Period,
        interval: Interval,
        group_by: Dimension,
    ) -> Result<TicketReport, DomainError> {
        principal.require(Action::ReadReports)?;
        let only = self.only_own(principal, group_by)?;
        let rows = self
            .store
            .day_rows(principal.tenant_id(), group_by, period.from, period.to)
            .await?;
        let mut merged: BTreeMap<(Date, String), Merged> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| only.as_ref().is_none_or(|me| &r.group == me))
        {
            merged
                .entry((interval.start(row.day), row.group.clone()))
                .or_default()
                .add(row);
        }
        Ok(TicketReport {
            from: period.from,
            to: period.to,
            interval,
            relative_error: RELATIVE_ACCURACY,
            rows: merged
                .into_iter()
                .map(|((period, group), m)| PeriodRow {
                    period,
                    group: (group_by != Dimension::All).then_some(group),
                    figures: m.figures(),
                })
                .collect(),
        })
    }

    /// Each agent's figures over the period, and what they hold now; an
    /// agent sees their own row only.
    pub async fn agents(
        &self,
        principal: &Principal,
        period: Period,
    ) -> Result<Vec<AgentRow>, DomainError> {
        principal.require(Action::ReadReports)?;
        let only = self.only_own(principal, Dimension::Agent)?;
        let tenant = principal.tenant_id();
        let rows = self
            .store
            .day_rows(tenant, Dimension::Agent, period.from, period.to)
            .await?;
        let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.group != NONE) {
            merged.entry(row.group.clone()).or_default().add(row);
        }
        // Everyone with a record of their own (availability, load) or a
        // figure in the period.
        let records = self.store.agents(tenant).await?;
        let loads: BTreeMap<UserId, i64> = records.iter().map(|a| (a.user_id, a.open)).collect();
        let mut ids: Vec<UserId> = records.iter().map(|a| a.user_id).collect();
        ids.extend(merged.keys().filter_map(|k| k.parse::<UserId>().ok()));
        ids.sort();
        ids.dedup();
        ids.retain(|id| only.as_ref().is_none_or(|me| *me == id.to_string()));
        let mut staff: Vec<_> = self
            .store
            .users(tenant, &ids)
            .await?
            .into_iter()
            .filter(|u| u.role.is_staff())
            .collect();
        staff.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let mut out = Vec::with_capacity(staff.len());
        for u in staff {
            let figures = merged
                .get(&u.id.to_string())
                .cloned()
                .unwrap_or_default()
                .figures();
            out.push(AgentRow {
                agent_id: u.id,
                name: u.name.clone(),
                open_now: loads.get(&u.id).copied().unwrap_or(0),
                figures,
            });
        }
        Ok(out)
    }

    /// The one agent row the caller may see, when they may not see all.
    fn only_own(
        &self,
        principal: &Principal,
        group_by: Dimension,
    ) -> Result<Option<String>, DomainError> {
        if group_by != Dimension::Agent || principal.require(Action::ReadAllReports).is_ok() {
            return Ok(None);
        }
        match principal.user_id() {
            Some(me) => Ok(Some(me.to_string())),
            None => Err(DomainError::Forbidden),
        }
    }
}

impl<S> Analytics<S>
where
    S: AnalyticsStore + UserStore + AgentStore + crate::sla::ports::SlaConfigStore,
{
    /// SLA attainment per policy and target of the tickets solved in the
    /// period (staff).
    pub async fn sla(
        &self,
        principal: &Principal,
        period: Period,
    ) -> Result<crate::analytics::attainment::SlaReport, DomainError> {
        crate::analytics::attainment::sla_report(&self.store, principal, (period.from, period.to))
            .await
    }
}
