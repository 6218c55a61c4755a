//! Business hours: a time zone, open intervals per weekday (several a day,
//! overnight ones included), and holidays. Everything SLA clocks measure in
//! business time goes through [`Calendar::open_windows`], so weekends,
//! holidays and DST changes are handled in one place.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::kernel::validation::Invalid;

/// How far ahead a due time is searched (a calendar open one hour a year
/// still finds it).
const MAX_DAYS: i32 = 3 * 366;

/// An open interval of a day. `end <= start` means it runs past midnight
/// into the next day (22:00–06:00; 00:00–00:00 is the whole day); it
/// belongs to the day it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Time,
    pub end: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    /// The same month and day every year.
    pub yearly: bool,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first.
    week: [Vec<Interval>; 7],
    holidays: Vec<Holiday>,
    /// Open around the clock: calendar time, not business time.
    always: bool,
}

impl Calendar {
    /// Calendar time: every second counts.
    pub fn always() -> Self {
        Self {
            tz: TimeZone::UTC,
            week: Default::default(),
            holidays: Vec::new(),
            always: true,
        }
    }

    /// `zone` is an IANA name (`Europe/Berlin`); `week` Monday first.
    pub fn new(
        zone: &str,
        week: [Vec<Interval>; 7],
        holidays: Vec<Holiday>,
    ) -> Result<Self, Invalid> {
        let tz = TimeZone::get(zone).map_err(|_| {
            Invalid::new(
                "unknown_time_zone",
                format!("{zone:?} is not an IANA time zone"),
            )
        })?;
        if week.iter().all(Vec::is_empty) {
            return Err(Invalid::new(
                "no_hours",
                "a calendar needs at least one open interval",
            ));
        }
        Ok(Self {
            tz,
            week,
            holidays,
            always: false,
        })
    }

    fn is_holiday(&self, date: Date) -> bool {
        self.holidays.iter().any(|h| {
            h.date == date
                || (h.yearly && h.date.month() == date.month() && h.date.day() == date.day())
        })
    }

    /// The instant a local time means; in a DST gap the time after it, in
    /// a fold the first occurrence (as RFC 5545 and most calendars do).
    fn instant(&self, dt: DateTime) -> Option<Timestamp> {
        self.tz.to_ambiguous_timestamp(dt).compatible().ok()
    }

    /// The open windows that end after `from`, in order, merged where they
    /// touch, for up to three years.
    pub fn open_windows(
        &self,
        from: Timestamp,
    ) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first_day = self.tz.to_datetime(from).date().yesterday().ok();
        let mut day = first_day;
        let mut pending: Vec<(Timestamp, Timestamp)> = Vec::new();
        let mut days = 0;
        std::iter::from_fn(move || {
            if self.always {
                // One window from `from` to the end of representable time.
                return if days == 0 {
                    days += 1;
                    Some((from, Timestamp::MAX))
                } else {
                    None
                };
            }
            loop {
                // Emit a window once the next day cannot extend it.
                if pending.len() > 1 {
                    return Some(pending.remove(0));
                }
                if days > MAX_DAYS {
                    return (!pending.is_empty()).then(|| pending.remove(0));
                }
                let d = day?;
                day = d.tomorrow().ok();
                days += 1;
                if self.is_holiday(d) {
                    continue;
                }
                let weekday = usize::try_from(d.weekday().to_monday_zero_offset()).unwrap_or(0);
                let mut today: Vec<(Timestamp, Timestamp)> = self.week[weekday]
                    .iter()
                    .filter_map(|i| {
                        let start = self.instant(d.to_datetime(i.start))?;
                        let end_day = if i.end > i.start {
                            Some(d)
                        } else {
                            d.tomorrow().ok()
                        };
                        let end = self.instant(end_day?.to_datetime(i.end))?;
                        (end > start && end > from).then_some((start.max(from), end))
                    })
                    .collect();
                today.sort();
                for (s, e) in today {
                    match pending.last_mut() {
                        Some(last) if s <= last.1 => last.1 = last.1.max(e),
                        _ => pending.push((s, e)),
                    }
                }
            }
        })
    }

    /// Business time between `from` and `to` (zero if `to` is earlier).
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        let mut total = SignedDuration::ZERO;
        for (s, e) in self.open_windows(from) {
            if s >= to {
                break;
            }
            total += e.min(to).duration_since(s);
        }
        total
    }

    /// The instant `amount` of business time after `from`; `None` if the
    /// calendar has no such time within three years.
    pub fn add(&self, from: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        let mut left = amount.max(SignedDuration::ZERO);
        for (s, e) in self.open_windows(from) {
            let span = e.duration_since(s);
            if span >= left {
                return s.checked_add(left).ok();
            }
            left -= span;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn nine_to_five(zone: &str) -> Calendar {
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
        Calendar::new(zone, week, vec![]).unwrap()
    }

    fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        date(y, m, d)
            .at(h, min, 0, 0)
            .in_tz(zone)
            .unwrap()
            .timestamp()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    const BERLIN: &str = "Europe/Berlin";
    const NEW_YORK: &str = "America/New_York";

    #[test]
    fn a_target_crosses_the_weekend() {
        let c = nine_to_five(BERLIN);
        // Friday 2026-11-20 15:00 + 4 h = Monday 11:00.
        let due = c.add(at(BERLIN, 2026, 11, 20, 15, 0), hours(4)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 11, 23, 11, 0));
        assert_eq!(c.elapsed(at(BERLIN, 2026, 11, 20, 15, 0), due), hours(4));
        // Created on Saturday: the clock starts Monday 09:00.
        let due = c.add(at(BERLIN, 2026, 11, 21, 10, 0), hours(1)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 11, 23, 10, 0));
    }

    #[test]
    fn holidays_are_closed_fixed_or_yearly() {
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
        let holidays = vec![
            Holiday {
                date: date(2020, 12, 25),
                yearly: true,
            },
            Holiday {
                date: date(2026, 12, 24),
                yearly: false,
            },
        ];
        let c = Calendar::new(BERLIN, week, holidays).unwrap();
        // Wed 2026-12-23 16:00 + 2 h: Thu 24th and Fri 25th closed → Mon 28th 10:00.
        let due = c.add(at(BERLIN, 2026, 12, 23, 16, 0), hours(2)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 12, 28, 10, 0));
    }

    #[test]
    fn two_intervals_a_day_skip_the_lunch_break() {
        let day = vec![
            Interval {
                start: time(13, 0, 0, 0),
                end: time(17, 0, 0, 0),
            },
            Interval {
                start: time(8, 0, 0, 0),
                end: time(12, 0, 0, 0),
            },
        ];
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            vec![],
            vec![],
        ];
        let c = Calendar::new(NEW_YORK, week, vec![]).unwrap();
        let due = c.add(at(NEW_YORK, 2026, 11, 23, 11, 0), hours(2)).unwrap();
        assert_eq!(due, at(NEW_YORK, 2026, 11, 23, 14, 0));
        // A target that ends exactly at a boundary ends there.
        let due = c.add(at(NEW_YORK, 2026, 11, 23, 8, 0), hours(4)).unwrap();
        assert_eq!(due, at(NEW_YORK, 2026, 11, 23, 12, 0));
        assert_eq!(
            c.elapsed(
                at(NEW_YORK, 2026, 11, 23, 8, 0),
                at(NEW_YORK, 2026, 11, 23, 18, 0)
            ),
            hours(8)
        );
    }

    #[test]
    fn overnight_intervals_belong_to_the_evening_they_start() {
        // Night desk: Monday to Friday evenings 22:00–06:00.
        let night = vec![Interval {
            start: time(22, 0, 0, 0),
            end: time(6, 0, 0, 0),
        }];
        let week = [
            night.clone(),
            night.clone(),
            night.clone(),
            night.clone(),
            night,
            vec![],
            vec![],
        ];
        let c = Calendar::new(BERLIN, week, vec![]).unwrap();
        // Tuesday 03:00 is inside Monday night's interval.
        let due = c.add(at(BERLIN, 2026, 11, 24, 3, 0), hours(2)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 11, 24, 5, 0));
        // Saturday 05:00 ends Friday night; Saturday 22:00 is closed.
        let due = c.add(at(BERLIN, 2026, 11, 28, 5, 0), hours(2)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 11, 30, 23, 0));
    }

    #[test]
    fn dst_changes_count_real_time_in_both_zones() {
        // Europe springs forward on 2026-03-29 at 02:00 → 03:00. Around the
        // clock in local terms, the night of the change is an hour shorter.
        let all_day = vec![Interval {
            start: time(0, 0, 0, 0),
            end: time(0, 0, 0, 0),
        }];
        let week: [Vec<Interval>; 7] = std::array::from_fn(|_| all_day.clone());
        let c = Calendar::new(BERLIN, week.clone(), vec![]).unwrap();
        let saturday_noon = at(BERLIN, 2026, 3, 28, 12, 0);
        let sunday_noon = at(BERLIN, 2026, 3, 29, 12, 0);
        assert_eq!(c.elapsed(saturday_noon, sunday_noon), hours(23));
        // New York falls back on 2026-11-01 at 02:00 → 01:00: a 25-hour day.
        let c = Calendar::new(NEW_YORK, week, vec![]).unwrap();
        let from = at(NEW_YORK, 2026, 10, 31, 12, 0);
        assert_eq!(c.elapsed(from, at(NEW_YORK, 2026, 11, 1, 12, 0)), hours(25));
        // Office hours keep their local times across the change.
        let c = nine_to_five(NEW_YORK);
        let due = c.add(at(NEW_YORK, 2026, 10, 30, 16, 0), hours(2)).unwrap();
        assert_eq!(due, at(NEW_YORK, 2026, 11, 2, 10, 0));
        let c = nine_to_five(BERLIN);
        let due = c.add(at(BERLIN, 2026, 3, 27, 16, 0), hours(2)).unwrap();
        assert_eq!(due, at(BERLIN, 2026, 3, 30, 10, 0));
    }

    #[test]
    fn an_interval_starting_in_a_dst_gap_starts_after_it() {
        // 02:30 does not exist in Berlin on 2026-03-29.
        let early = vec![Interval {
            start: time(2, 30, 0, 0),
            end: time(4, 0, 0, 0),
        }];
        let week: [Vec<Interval>; 7] = std::array::from_fn(|_| early.clone());
        let c = Calendar::new(BERLIN, week, vec![]).unwrap();
        let windows: Vec<_> = c
            .open_windows(at(BERLIN, 2026, 3, 29, 0, 0))
            .take(1)
            .collect();
        assert_eq!(windows[0].0, at(BERLIN, 2026, 3, 29, 3, 30));
        assert_eq!(windows[0].1, at(BERLIN, 2026, 3, 29, 4, 0));
    }

    #[test]
    fn calendar_time_counts_everything_and_bad_calendars_are_refused() {
        let c = Calendar::always();
        let from = at(BERLIN, 2026, 11, 21, 10, 0);
        assert_eq!(c.add(from, hours(30)), Some(from + hours(30)));
        assert_eq!(c.elapsed(from, from + hours(30)), hours(30));
        assert!(Calendar::new("Mars/Olympus", Default::default(), vec![]).is_err());
        let week: [Vec<Interval>; 7] = Default::default();
        assert!(Calendar::new(BERLIN, week, vec![]).is_err());
    }
}
