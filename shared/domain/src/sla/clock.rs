//! An SLA target's clock: from when it starts, how much business time it
//! has, when it stood still (pending, on hold), and whether it was met in
//! time. Recomputed from the ticket's history, never incremented, so it
//! can always be explained and recomputed.

use jiff::{SignedDuration, Timestamp};

use super::calendar::Calendar;
use crate::tickets::ticket::Status;

/// Periods the clock stands still, in order; the last may still be open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pauses(Vec<(Timestamp, Option<Timestamp>)>);

impl Pauses {
    pub fn new(mut periods: Vec<(Timestamp, Option<Timestamp>)>) -> Self {
        periods.sort_by_key(|p| p.0);
        Self(periods)
    }

    /// From a ticket's status over time (its status at creation first):
    /// the clock stops while `pending` or `on_hold`.
    pub fn from_statuses(changes: &[(Timestamp, Status)]) -> Self {
        let mut periods = Vec::new();
        let mut open: Option<Timestamp> = None;
        for &(at, status) in changes {
            let pausing = matches!(status, Status::Pending | Status::OnHold);
            match (open, pausing) {
                (None, true) => open = Some(at),
                (Some(since), false) => {
                    periods.push((since, Some(at)));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(since) = open {
            periods.push((since, None));
        }
        Self::new(periods)
    }

    pub fn is_paused(&self) -> bool {
        self.0.last().is_some_and(|p| p.1.is_none())
    }
}

/// When a target falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    At(Timestamp),
    /// The clock stands still with this much business time left.
    Paused {
        left: SignedDuration,
    },
    /// The calendar never opens again within three years.
    Never,
}

/// The due time of a target of `amount` business time starting at `start`.
pub fn due(calendar: &Calendar, start: Timestamp, amount: SignedDuration, pauses: &Pauses) -> Due {
    let mut t = start;
    let mut left = amount;
    for &(from, until) in &pauses.0 {
        let until_or_open = until.unwrap_or(Timestamp::MAX);
        if until_or_open <= t {
            continue;
        }
        if from > t {
            match calendar.add(t, left) {
                Some(d) if d <= from => return Due::At(d),
                Some(_) => left -= calendar.elapsed(t, from),
                None => return Due::Never,
            }
        }
        match until {
            Some(u) => t = t.max(u),
            None => return Due::Paused { left },
        }
    }
    calendar.add(t, left).map_or(Due::Never, Due::At)
}

/// Business time that counted between `start` and `now`.
pub fn elapsed(
    calendar: &Calendar,
    start: Timestamp,
    now: Timestamp,
    pauses: &Pauses,
) -> SignedDuration {
    let mut total = calendar.elapsed(start, now);
    for &(from, until) in &pauses.0 {
        let from = from.max(start);
        let until = until.unwrap_or(now).min(now);
        if until > from {
            total -= calendar.elapsed(from, until);
        }
    }
    total.max(SignedDuration::ZERO)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    Active,
    Paused,
    Met,
    Breached,
}

/// What a target's clock says at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetStatus {
    pub state: TargetState,
    pub due_at: Option<Timestamp>,
    /// When the warning threshold is (or was) reached.
    pub warn_at: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    /// Business time the clock stood still.
    pub paused_for: SignedDuration,
}

/// A target of `amount` from `start`, warned at `warn_fraction` of it, met
/// at `met_at` (a response, a resolution) if it was.
pub fn status(
    calendar: &Calendar,
    start: Timestamp,
    amount: SignedDuration,
    warn_fraction: f64,
    pauses: &Pauses,
    met_at: Option<Timestamp>,
    now: Timestamp,
) -> TargetStatus {
    let due_at = match due(calendar, start, amount, pauses) {
        Due::At(t) => Some(t),
        _ => None,
    };
    let warn_amount =
        SignedDuration::from_secs_f64(amount.as_secs_f64() * warn_fraction.clamp(0.0, 1.0));
    let warn_at = match due(calendar, start, warn_amount, pauses) {
        Due::At(t) => Some(t),
        _ => None,
    };
    let end = met_at.unwrap_or(now);
    let paused_for = calendar.elapsed(start, end) - elapsed(calendar, start, end, pauses);
    let breached_at = due_at.filter(|d| *d <= end);
    let state = match (met_at, breached_at) {
        (_, Some(_)) => TargetState::Breached,
        (Some(_), None) => TargetState::Met,
        (None, None) if pauses.is_paused() => TargetState::Paused,
        (None, None) => TargetState::Active,
    };
    TargetStatus {
        state,
        due_at,
        warn_at,
        breached_at,
        paused_for,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::Interval;
    use jiff::civil::{date, time};
    use proptest::prelude::*;

    const ZONE: &str = "Europe/Berlin";

    fn office() -> Calendar {
        let day = vec![Interval {
            start: time(9, 0, 0, 0),
            end: time(17, 0, 0, 0),
        }];
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ];
        Calendar::new(ZONE, week, vec![]).unwrap()
    }

    fn at(d: i8, h: i8, m: i8) -> Timestamp {
        // November 2026: Monday the 23rd.
        date(2026, 11, d)
            .at(h, m, 0, 0)
            .in_tz(ZONE)
            .unwrap()
            .timestamp()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    #[test]
    fn a_pause_moves_the_due_time_by_the_business_time_it_took() {
        let c = office();
        // Monday 10:00, 4 h target: due 14:00. Pending 11:00–13:00 → due 16:00.
        let pauses = Pauses::new(vec![(at(23, 11, 0), Some(at(23, 13, 0)))]);
        assert_eq!(
            due(&c, at(23, 10, 0), hours(4), &pauses),
            Due::At(at(23, 16, 0))
        );
        // A pause spanning the night counts only its business hours:
        // pending Mon 16:00 → Tue 10:00 takes 2 business hours.
        let pauses = Pauses::new(vec![(at(23, 16, 0), Some(at(24, 10, 0)))]);
        assert_eq!(
            due(&c, at(23, 10, 0), hours(8), &pauses),
            Due::At(at(24, 12, 0))
        );
        assert_eq!(elapsed(&c, at(23, 10, 0), at(24, 12, 0), &pauses), hours(8));
    }

    #[test]
    fn an_open_pause_stops_the_clock() {
        let c = office();
        let pauses = Pauses::from_statuses(&[
            (at(23, 10, 0), Status::Open),
            (at(23, 12, 0), Status::Pending),
        ]);
        assert_eq!(
            due(&c, at(23, 10, 0), hours(4), &pauses),
            Due::Paused { left: hours(2) }
        );
        let s = status(
            &c,
            at(23, 10, 0),
            hours(4),
            0.75,
            &pauses,
            None,
            at(25, 10, 0),
        );
        assert_eq!(s.state, TargetState::Paused);
        assert_eq!(s.due_at, None);
        // The warning at 3 h is not reached either: 2 h ran before the pause.
        assert_eq!(s.warn_at, None);
        // Mon 12:00–17:00, Tuesday, Wednesday 09:00–10:00.
        assert_eq!(s.paused_for, hours(5 + 8 + 1));
    }

    #[test]
    fn met_before_the_due_time_is_met_after_it_is_breached() {
        let c = office();
        let start = at(23, 10, 0);
        let none = Pauses::default();
        let s = status(
            &c,
            start,
            hours(2),
            0.75,
            &none,
            Some(at(23, 11, 59)),
            at(23, 15, 0),
        );
        assert_eq!(
            (s.state, s.due_at, s.warn_at),
            (TargetState::Met, Some(at(23, 12, 0)), Some(at(23, 11, 30)))
        );
        let s = status(
            &c,
            start,
            hours(2),
            0.75,
            &none,
            Some(at(23, 12, 1)),
            at(23, 15, 0),
        );
        assert_eq!(
            (s.state, s.breached_at),
            (TargetState::Breached, Some(at(23, 12, 0)))
        );
        // Exactly at the due time counts as breached (the time is up).
        let s = status(&c, start, hours(2), 0.75, &none, None, at(23, 12, 0));
        assert_eq!(s.state, TargetState::Breached);
        let s = status(&c, start, hours(2), 0.75, &none, None, at(23, 11, 0));
        assert_eq!(s.state, TargetState::Active);
    }

    #[test]
    fn statuses_become_pauses() {
        let p = Pauses::from_statuses(&[
            (at(23, 9, 0), Status::New),
            (at(23, 10, 0), Status::Pending),
            (at(23, 11, 0), Status::OnHold),
            (at(23, 12, 0), Status::Open),
            (at(23, 13, 0), Status::OnHold),
        ]);
        assert_eq!(
            p,
            Pauses::new(vec![
                (at(23, 10, 0), Some(at(23, 12, 0))),
                (at(23, 13, 0), None)
            ])
        );
        assert!(p.is_paused());
    }

    fn instant() -> impl Strategy<Value = Timestamp> {
        // Within two years from 2026-01-01.
        (0i64..(2 * 365 * 24 * 3600))
            .prop_map(|s| Timestamp::from_second(1_767_225_600 + s).unwrap())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn elapsed_business_time_never_decreases(start in instant(), a in 0i64..2_000_000, b in 0i64..2_000_000) {
            let c = office();
            let (x, y) = (start + SignedDuration::from_secs(a.min(b)), start + SignedDuration::from_secs(a.max(b)));
            prop_assert!(c.elapsed(start, x) <= c.elapsed(start, y));
        }

        #[test]
        fn adding_then_measuring_gives_the_amount_back(start in instant(), mins in 0i64..10_000) {
            let c = office();
            let amount = SignedDuration::from_mins(mins);
            let due = c.add(start, amount).unwrap();
            prop_assert_eq!(c.elapsed(start, due), amount);
        }

        #[test]
        fn pausing_never_moves_a_due_time_earlier(
            start in instant(), mins in 1i64..5_000, p_from in 0i64..400_000, p_len in 0i64..400_000,
        ) {
            let c = office();
            let amount = SignedDuration::from_mins(mins);
            let none = due(&c, start, amount, &Pauses::default());
            let from = start + SignedDuration::from_secs(p_from);
            let paused = due(&c, start, amount, &Pauses::new(vec![(from, Some(from + SignedDuration::from_secs(p_len)))]));
            match (none, paused) {
                (Due::At(a), Due::At(b)) => prop_assert!(b >= a, "{b} earlier than {a}"),
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
