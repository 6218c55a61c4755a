//! `Schedule` events' expressions: `rate(…)`, and `cron(…)` with
//! EventBridge's six fields (minutes hours day-of-month month day-of-week
//! year) in UTC. `L`, `W` and `#` are refused at start rather than misread.

use anyhow::{Context as _, bail};
use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// When a schedule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Rate(SignedDuration),
    Cron(Box<Cron>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u8>,
    hours: Vec<u8>,
    days: Option<Vec<u8>>,
    months: Vec<u8>,
    weekdays: Option<Vec<u8>>,
    years: Option<Vec<u16>>,
}

fn field(raw: &str, lo: u32, hi: u32, names: &[&str]) -> anyhow::Result<Vec<u32>> {
    let value = |s: &str| -> anyhow::Result<u32> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(lo + u32::try_from(i)?);
        }
        s.parse::<u32>()
            .with_context(|| format!("{s:?} is not a number"))
    };
    let mut out = Vec::new();
    for part in raw.split(',') {
        if part.contains(['L', 'W', '#']) {
            bail!("{part:?}: L, W and # are not supported by devstack");
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().context("step")?.max(1)),
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(r)?, hi),
                None => (value(r)?, value(r)?),
            },
        };
        if from < lo || to > hi || from > to {
            bail!("{part:?} is outside {lo}-{hi}");
        }
        out.extend((from..=to).step_by(usize::try_from(step)?));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Schedule {
    /// `rate(5 minutes)` or `cron(0/15 * * * ? *)`.
    pub fn parse(expression: &str) -> anyhow::Result<Self> {
        let e = expression.trim();
        if let Some(inner) = e.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
            let (n, unit) = inner.trim().split_once(' ').context("rate(N unit)")?;
            let n: i64 = n.parse().context("rate's number")?;
            let secs = match unit.trim() {
                "minute" | "minutes" => 60,
                "hour" | "hours" => 3600,
                "day" | "days" => 86_400,
                other => bail!("unknown rate unit {other:?}"),
            };
            if n < 1 {
                bail!("a rate must be positive");
            }
            return Ok(Schedule::Rate(SignedDuration::from_secs(n * secs)));
        }
        let inner = e
            .strip_prefix("cron(")
            .and_then(|r| r.strip_suffix(')'))
            .context("a schedule is rate(…) or cron(…)")?;
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [min, hour, dom, month, dow, year] = parts[..] else {
            bail!("cron takes six fields: minutes hours day-of-month month day-of-week year");
        };
        if (dom == "?") == (dow == "?") {
            bail!("exactly one of day-of-month and day-of-week must be ?");
        }
        let narrow = |v: Vec<u32>| v.into_iter().filter_map(|x| u8::try_from(x).ok()).collect();
        Ok(Schedule::Cron(Box::new(Cron {
            minutes: narrow(field(min, 0, 59, &[])?),
            hours: narrow(field(hour, 0, 23, &[])?),
            days: (dom != "?")
                .then(|| field(dom, 1, 31, &[]))
                .transpose()?
                .map(narrow),
            months: narrow(field(month, 1, 12, MONTHS)?),
            weekdays: (dow != "?")
                .then(|| field(dow, 1, 7, DAYS))
                .transpose()?
                .map(narrow),
            years: (year != "*")
                .then(|| field(year, 1970, 2199, &[]))
                .transpose()?
                .map(|v| {
                    v.into_iter()
                        .filter_map(|x| u16::try_from(x).ok())
                        .collect()
                }),
        })))
    }

    /// The first firing strictly after `after`.
    pub fn next(&self, after: Timestamp, started: Timestamp) -> Option<Timestamp> {
        match self {
            Schedule::Rate(every) => {
                let since = after.duration_since(started);
                let n = since.as_secs().div_euclid(every.as_secs()) + 1;
                started
                    .checked_add(SignedDuration::from_secs(n * every.as_secs()))
                    .ok()
            }
            Schedule::Cron(c) => {
                let utc = jiff::tz::TimeZone::UTC;
                let mut t: DateTime = utc
                    .to_datetime(after)
                    .with()
                    .second(0)
                    .subsec_nanosecond(0)
                    .build()
                    .ok()?;
                // At most five years of minutes, skipping whole hours and days.
                for _ in 0..200_000 {
                    t = t.checked_add(1.minute()).ok()?;
                    if c.years
                        .as_ref()
                        .is_some_and(|y| !y.contains(&u16::try_from(t.year()).unwrap_or(0)))
                    {
                        t = t
                            .date()
                            .last_of_year()
                            .to_datetime(jiff::civil::time(23, 59, 0, 0));
                        continue;
                    }
                    let day_ok = match (&c.days, &c.weekdays) {
                        (Some(d), _) => d.contains(&u8::try_from(t.day()).unwrap_or(0)),
                        (None, Some(w)) => w.contains(
                            &u8::try_from(t.weekday().to_sunday_one_offset()).unwrap_or(0),
                        ),
                        (None, None) => true,
                    };
                    if !c.months.contains(&u8::try_from(t.month()).unwrap_or(0)) || !day_ok {
                        t = t.date().to_datetime(jiff::civil::time(23, 59, 0, 0));
                        continue;
                    }
                    if !c.hours.contains(&u8::try_from(t.hour()).unwrap_or(0)) {
                        t = t.with().minute(59).build().ok()?;
                        continue;
                    }
                    if c.minutes.contains(&u8::try_from(t.minute()).unwrap_or(0)) {
                        return utc.to_timestamp(t).ok();
                    }
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn rates_fire_on_their_period_from_the_start() {
        let s = Schedule::parse("rate(1 minute)").unwrap();
        let start = ts("2026-11-22T10:00:30Z");
        assert_eq!(s.next(start, start), Some(ts("2026-11-22T10:01:30Z")));
        assert_eq!(
            s.next(ts("2026-11-22T10:05:00Z"), start),
            Some(ts("2026-11-22T10:05:30Z"))
        );
        assert_eq!(
            Schedule::parse("rate(2 hours)").unwrap(),
            Schedule::Rate(SignedDuration::from_hours(2))
        );
        for bad in [
            "rate(0 minutes)",
            "rate(5 fortnights)",
            "every minute",
            "rate(x minutes)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_expressions_follow_eventbridge() {
        let every_15 = Schedule::parse("cron(0/15 * * * ? *)").unwrap();
        assert_eq!(
            every_15.next(ts("2026-11-22T10:07:12Z"), ts("2026-01-01T00:00:00Z")),
            Some(ts("2026-11-22T10:15:00Z"))
        );
        // Weekdays at 08:30 (MON-FRI): from Saturday to Monday.
        let weekday_mornings = Schedule::parse("cron(30 8 ? * MON-FRI *)").unwrap();
        assert_eq!(
            weekday_mornings.next(ts("2026-11-21T09:00:00Z"), ts("2026-01-01T00:00:00Z")),
            Some(ts("2026-11-23T08:30:00Z"))
        );
        // First of the month at midnight, in 2027 only.
        let monthly = Schedule::parse("cron(0 0 1 * ? 2027)").unwrap();
        assert_eq!(
            monthly.next(ts("2026-11-22T00:00:00Z"), ts("2026-01-01T00:00:00Z")),
            Some(ts("2027-01-01T00:00:00Z"))
        );
        for bad in [
            "cron(* * * * *)",
            "cron(0 0 L * ? *)",
            "cron(0 0 * * * *)",
            "cron(61 * * * ? *)",
            "cron(0 0 ? * 2#1 *)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
