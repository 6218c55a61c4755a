//! A ticket's SLA, computed from its history alone: which policy applies,
//! each target's clock, the next instant something is due (a warning or a
//! breach not yet announced), and the view it belongs in. Pure, so the
//! router, the worker and the API compute the same thing.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::clock::{Pauses, TargetState, status};
use super::policy::{BusinessHours, SlaPolicies, SlaPolicy, Target};
use crate::kernel::ids::SlaPolicyId;
use crate::tickets::ticket::{Status, Ticket};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::FirstResponse => "first_response",
            TargetKind::NextResponse => "next_response",
            TargetKind::Resolution => "resolution",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Warning,
    Breach,
}

impl Threshold {
    pub fn as_str(self) -> &'static str {
        match self {
            Threshold::Warning => "warning",
            Threshold::Breach => "breach",
        }
    }
}

/// One public message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub at: Timestamp,
    /// Written by the requester (otherwise by staff or an integration).
    pub from_customer: bool,
}

/// What the clocks are computed from.
pub struct SlaFacts<'a> {
    pub ticket: &'a Ticket,
    pub requester_domain: Option<&'a str>,
    /// Status over time, the status at creation first.
    pub statuses: Vec<(Timestamp, Status)>,
    /// Public messages, oldest first (the opening message included).
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Active,
    Paused,
    Met,
    Breached,
}

/// One target's clock, as the ticket shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetClock {
    pub kind: TargetKind,
    /// When this cycle of the target started (next response restarts).
    pub started_at: Timestamp,
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
    pub state: State,
    pub breached_at: Option<Timestamp>,
    pub met_at: Option<Timestamp>,
    /// Seconds the clock stood still (pending, on hold).
    pub paused_for: i64,
}

impl TargetClock {
    /// Names this cycle of the target: a warning or breach is announced
    /// once per cycle.
    pub fn cycle(&self) -> String {
        format!("{}@{}", self.kind.as_str(), self.started_at.as_second())
    }

    fn running(&self) -> bool {
        self.met_at.is_none() && self.state != State::Met
    }
}

/// A ticket's SLA now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketSla {
    pub policy_id: SlaPolicyId,
    pub policy_name: String,
    pub targets: Vec<TargetClock>,
}

/// The views a ticket can be listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaView {
    /// A running target is past its due time.
    Breached,
    /// A running target is past its warning threshold.
    AtRisk,
}

impl SlaView {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaView::Breached => "breached",
            SlaView::AtRisk => "at_risk",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "breached" => Some(SlaView::Breached),
            "at_risk" => Some(SlaView::AtRisk),
            _ => None,
        }
    }
}

/// The ticket's SLA under the first policy that applies, if any.
pub fn evaluate(
    policies: &SlaPolicies,
    hours: &BusinessHours,
    facts: &SlaFacts<'_>,
    now: Timestamp,
) -> Option<TicketSla> {
    let policy = policies.select(facts.ticket, facts.requester_domain)?;
    let targets = policy.targets.get(&facts.ticket.priority)?;
    let pauses = Pauses::from_statuses(&facts.statuses);
    let ticket = facts.ticket;
    let created = ticket.created_at;
    let done = matches!(ticket.status, Status::Solved | Status::Closed).then(|| {
        ticket
            .solved_at
            .or(ticket.closed_at)
            .unwrap_or(ticket.updated_at)
    });
    let staff_replies: Vec<Timestamp> = facts
        .messages
        .iter()
        .filter(|m| !m.from_customer && m.at >= created)
        .map(|m| m.at)
        .collect();
    let mut clocks = Vec::new();
    let mut clock =
        |kind: TargetKind, target: &Target, start: Timestamp, met: Option<Timestamp>| {
            if let Some(c) = target_clock(policy, hours, kind, target, start, met, &pauses, now) {
                clocks.push(c);
            }
        };
    if let Some(t) = &targets.first_response {
        let met = staff_replies.first().copied().or(done);
        clock(TargetKind::FirstResponse, t, created, met);
    }
    if let Some(t) = &targets.next_response
        && let Some(&first_reply) = staff_replies.first()
    {
        // The latest cycle: the first customer message after the last
        // staff reply before it, answered by the next staff reply.
        let mut start = None;
        let mut met = None;
        for m in facts.messages.iter().filter(|m| m.at > first_reply) {
            match (m.from_customer, start) {
                (true, None) => {
                    start = Some(m.at);
                    met = None;
                }
                (false, Some(_)) if met.is_none() => met = Some(m.at),
                (true, Some(_)) if met.is_some() => {
                    start = Some(m.at);
                    met = None;
                }
                _ => {}
            }
        }
        if let Some(start) = start {
            clock(TargetKind::NextResponse, t, start, met.or(done));
        }
    }
    if let Some(t) = &targets.resolution {
        clock(TargetKind::Resolution, t, created, done);
    }
    Some(TicketSla {
        policy_id: policy.id,
        policy_name: policy.name.clone(),
        targets: clocks,
    })
}

#[allow(clippy::too_many_arguments)]
fn target_clock(
    policy: &SlaPolicy,
    hours: &BusinessHours,
    kind: TargetKind,
    target: &Target,
    start: Timestamp,
    met: Option<Timestamp>,
    pauses: &Pauses,
    now: Timestamp,
) -> Option<TargetClock> {
    let calendar = hours.calendar(target.business_hours.as_deref())?;
    let amount = SignedDuration::from_mins(i64::from(target.minutes));
    let s = status(&calendar, start, amount, policy.warn_at, pauses, met, now);
    Some(TargetClock {
        kind,
        started_at: start,
        due_at: s.due_at,
        warn_at: s.warn_at,
        state: match s.state {
            TargetState::Active => State::Active,
            TargetState::Paused => State::Paused,
            TargetState::Met => State::Met,
            TargetState::Breached => State::Breached,
        },
        breached_at: s.breached_at,
        met_at: met,
        paused_for: s.paused_for.as_secs(),
    })
}

impl TicketSla {
    /// The clocks as they stand at `now` (a stored SLA was computed
    /// earlier: a running target may have passed its due time since).
    pub fn as_of(mut self, now: Timestamp) -> Self {
        for t in &mut self.targets {
            if t.met_at.is_none()
                && t.state == State::Active
                && let Some(due) = t.due_at.filter(|d| *d <= now)
            {
                t.state = State::Breached;
                t.breached_at = Some(due);
            }
        }
        self
    }

    /// The thresholds reached by `now` and not yet announced, warnings
    /// first: what the worker announces.
    pub fn reached(
        &self,
        announced: &BTreeSet<(String, Threshold)>,
        now: Timestamp,
    ) -> Vec<(&TargetClock, Threshold)> {
        let mut out = Vec::new();
        for t in self.targets.iter().filter(|t| t.running()) {
            let due = t.due_at.is_some_and(|d| d <= now);
            let warn = t.warn_at.is_some_and(|w| w <= now);
            if (warn || due) && !announced.contains(&(t.cycle(), Threshold::Warning)) {
                out.push((t, Threshold::Warning));
            }
            if due && !announced.contains(&(t.cycle(), Threshold::Breach)) {
                out.push((t, Threshold::Breach));
            }
        }
        out
    }

    /// The next instant a running target reaches a threshold not yet
    /// announced: what the timer index holds.
    pub fn next_deadline(&self, announced: &BTreeSet<(String, Threshold)>) -> Option<Timestamp> {
        self.targets
            .iter()
            .filter(|t| t.running() && t.state != State::Paused)
            .flat_map(|t| {
                let warn = t
                    .warn_at
                    .filter(|_| !announced.contains(&(t.cycle(), Threshold::Warning)));
                let due = t
                    .due_at
                    .filter(|_| !announced.contains(&(t.cycle(), Threshold::Breach)));
                [warn, due]
            })
            .flatten()
            .min()
    }

    /// Where the ticket is listed at `now`.
    pub fn view(&self, now: Timestamp) -> Option<SlaView> {
        let running = || self.targets.iter().filter(|t| t.running());
        if running().any(|t| t.due_at.is_some_and(|d| d <= now)) {
            Some(SlaView::Breached)
        } else if running().any(|t| t.warn_at.is_some_and(|w| w <= now)) {
            Some(SlaView::AtRisk)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::kernel::ids::{TenantId, UserId};
    use crate::sla::policy::{Conditions, Targets};
    use crate::tickets::ticket::{Priority, sample};

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn minutes(m: u32) -> Option<Target> {
        Some(Target {
            minutes: m,
            business_hours: None,
        })
    }

    /// First response 10 min, next response 20 min, resolution 60 min,
    /// warnings at half, for urgent tickets only (then a catch-all of
    /// 120 min to resolve).
    fn policies() -> SlaPolicies {
        let urgent = SlaPolicy {
            id: SlaPolicyId::new(),
            name: "Urgent".into(),
            conditions: Conditions {
                priorities: [Priority::Urgent].into(),
                ..Conditions::default()
            },
            targets: BTreeMap::from([(
                Priority::Urgent,
                Targets {
                    first_response: minutes(10),
                    next_response: minutes(20),
                    resolution: minutes(60),
                },
            )]),
            warn_at: 0.5,
            on_warning: vec![],
            on_breach: vec![],
            created_at: t(0),
            updated_at: t(0),
        };
        let rest = SlaPolicy {
            id: SlaPolicyId::new(),
            name: "Everything".into(),
            conditions: Conditions::default(),
            targets: Priority::ALL
                .iter()
                .map(|p| {
                    (
                        *p,
                        Targets {
                            resolution: minutes(120),
                            ..Targets::default()
                        },
                    )
                })
                .collect(),
            ..urgent.clone()
        };
        SlaPolicies {
            policies: vec![urgent, rest],
            version: 2,
        }
    }

    fn ticket(priority: Priority) -> Ticket {
        let mut ticket = sample(TenantId::new(), UserId::new(), None);
        ticket.priority = priority;
        ticket.created_at = t(0);
        ticket.updated_at = t(0);
        ticket
    }

    fn msg(secs: i64, from_customer: bool) -> Message {
        Message {
            at: t(secs),
            from_customer,
        }
    }

    fn sla_of(
        ticket: &Ticket,
        statuses: Vec<(Timestamp, Status)>,
        messages: Vec<Message>,
        now: i64,
    ) -> TicketSla {
        let facts = SlaFacts {
            ticket,
            requester_domain: Some("acme.example"),
            statuses,
            messages,
        };
        evaluate(&policies(), &BusinessHours::default(), &facts, t(now)).unwrap()
    }

    fn target(sla: &TicketSla, kind: TargetKind) -> &TargetClock {
        sla.targets.iter().find(|c| c.kind == kind).unwrap()
    }

    #[test]
    fn the_first_matching_policy_applies() {
        let urgent = sla_of(&ticket(Priority::Urgent), vec![], vec![msg(0, true)], 0);
        assert_eq!(urgent.policy_name, "Urgent");
        assert_eq!(
            urgent.targets.len(),
            2,
            "no next response before a first one"
        );
        let low = sla_of(&ticket(Priority::Low), vec![], vec![msg(0, true)], 0);
        assert_eq!(low.policy_name, "Everything");
        assert_eq!(low.targets.len(), 1);
    }

    #[test]
    fn a_reply_in_time_meets_the_first_response_and_starts_nothing_new() {
        let tk = ticket(Priority::Urgent);
        let sla = sla_of(&tk, vec![], vec![msg(0, true), msg(300, false)], 900);
        let first = target(&sla, TargetKind::FirstResponse);
        assert_eq!(first.state, State::Met);
        assert_eq!(first.due_at, Some(t(600)));
        assert_eq!(first.warn_at, Some(t(300)));
        assert!(
            sla.targets
                .iter()
                .all(|c| c.kind != TargetKind::NextResponse)
        );
        // Only the resolution is still running: its warning is next.
        assert_eq!(sla.next_deadline(&BTreeSet::new()), Some(t(1800)));
        assert_eq!(sla.view(t(900)), None);
    }

    #[test]
    fn each_customer_message_after_a_reply_restarts_the_next_response() {
        let tk = ticket(Priority::Urgent);
        let messages = vec![
            msg(0, true),
            msg(60, false),
            msg(120, true),
            msg(180, true),
            msg(240, false),
            msg(1000, true),
        ];
        let sla = sla_of(&tk, vec![], messages, 1100);
        let next = target(&sla, TargetKind::NextResponse);
        assert_eq!(next.started_at, t(1000), "the latest unanswered message");
        assert_eq!(next.state, State::Active);
        assert_eq!(next.due_at, Some(t(1000 + 1200)));
        assert_ne!(
            next.cycle(),
            TargetClock {
                started_at: t(120),
                ..next.clone()
            }
            .cycle(),
            "a new cycle is announced anew"
        );
    }

    #[test]
    fn pending_stops_the_clock_and_moves_the_due_time() {
        let tk = ticket(Priority::Urgent);
        let statuses = vec![
            (t(0), Status::New),
            (t(120), Status::Pending),
            (t(420), Status::Open),
        ];
        let sla = sla_of(&tk, statuses.clone(), vec![msg(0, true)], 500);
        let first = target(&sla, TargetKind::FirstResponse);
        assert_eq!(first.due_at, Some(t(600 + 300)), "five minutes pending");
        assert_eq!(first.paused_for, 300);
        // While still pending there is no due time, and nothing to scan.
        let open_pause = vec![(t(0), Status::New), (t(120), Status::Pending)];
        let paused = sla_of(&tk, open_pause, vec![msg(0, true)], 5000);
        assert!(paused.targets.iter().all(|c| c.state == State::Paused));
        assert_eq!(paused.next_deadline(&BTreeSet::new()), None);
        assert_eq!(paused.view(t(5000)), None);
    }

    #[test]
    fn thresholds_are_reached_warning_first_and_announced_once() {
        let tk = ticket(Priority::Urgent);
        let sla = sla_of(&tk, vec![], vec![msg(0, true)], 700);
        let first = target(&sla, TargetKind::FirstResponse).clone();
        let reached: Vec<_> = sla
            .reached(&BTreeSet::new(), t(700))
            .into_iter()
            .map(|(c, th)| (c.kind, th))
            .collect();
        assert_eq!(
            reached,
            [
                (TargetKind::FirstResponse, Threshold::Warning),
                (TargetKind::FirstResponse, Threshold::Breach)
            ]
        );
        assert_eq!(sla.view(t(700)), Some(SlaView::Breached));
        let announced = BTreeSet::from([
            (first.cycle(), Threshold::Warning),
            (first.cycle(), Threshold::Breach),
        ]);
        assert!(sla.reached(&announced, t(700)).is_empty());
        // The resolution's warning (30 min) is what remains to wait for.
        assert_eq!(sla.next_deadline(&announced), Some(t(1800)));
        // A stored SLA read later shows a breach that happened since.
        let early = sla_of(&tk, vec![], vec![msg(0, true)], 100);
        let later = early.as_of(t(700));
        assert_eq!(
            target(&later, TargetKind::FirstResponse).state,
            State::Breached
        );
    }

    #[test]
    fn a_solved_ticket_stops_every_clock() {
        let mut tk = ticket(Priority::Urgent);
        tk.status = Status::Solved;
        tk.solved_at = Some(t(200));
        let sla = sla_of(&tk, vec![], vec![msg(0, true)], 5000);
        assert!(sla.targets.iter().all(|c| c.state == State::Met), "{sla:?}");
        assert_eq!(sla.next_deadline(&BTreeSet::new()), None);
    }
}
