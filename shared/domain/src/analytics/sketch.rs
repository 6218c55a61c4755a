//! Duration sketches in the manner of DDSketch: a duration falls in a
//! logarithmic bucket whose representative value is within
//! [`RELATIVE_ACCURACY`] of it, so any quantile read from the buckets is
//! within that relative error of the exact one. Sketches merge by adding
//! counts bucket by bucket, which is what lets the router keep one per day
//! and group as plain counters (`ADD`) and a report merge any range.

use std::collections::BTreeMap;

/// The relative error of every quantile a sketch gives.
pub const RELATIVE_ACCURACY: f64 = 0.02;

fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

/// The bucket of a duration (in whole units, milliseconds as stored):
/// `0` under one unit, else `i + 1` for the `i` with
/// `γ^(i-1) < value <= γ^i`.
pub fn bucket(value: i64) -> i32 {
    if value < 1 {
        return 0;
    }
    // Durations are at most centuries: the index is small.
    let i = ((value as f64).ln() / gamma().ln()).ceil();
    i as i32 + 1
}

/// The value a bucket stands for: within [`RELATIVE_ACCURACY`] of every
/// duration in it.
pub fn value(bucket: i32) -> f64 {
    if bucket <= 0 {
        return 0.0;
    }
    2.0 * gamma().powi(bucket - 1) / (gamma() + 1.0)
}

/// A mergeable summary of durations (milliseconds): how many, their exact
/// sum, and their buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    pub count: u64,
    pub sum: i64,
    pub buckets: BTreeMap<i32, u64>,
}

impl Sketch {
    pub fn add(&mut self, seconds: i64) {
        let seconds = seconds.max(0);
        self.count += 1;
        self.sum += seconds;
        *self.buckets.entry(bucket(seconds)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.sum += other.sum;
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
    }

    /// The `q` quantile (`0.5` the median): the value of the bucket holding
    /// the duration of rank `⌊q·(count−1)⌋` in ascending order.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen > rank {
                return Some(value(*b));
            }
        }
        self.buckets.keys().next_back().map(|b| value(*b))
    }

    /// The exact mean.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The counters that add `seconds` to the sketch named `metric` in a
    /// stored row.
    pub fn increments(metric: &str, seconds: i64) -> [(String, i64); 3] {
        let seconds = seconds.max(0);
        [
            (format!("{metric}.n"), 1),
            (format!("{metric}.sum"), seconds),
            (format!("{metric}.b{}", bucket(seconds)), 1),
        ]
    }

    /// The sketch named `metric` in a stored row's counters.
    pub fn from_counters(metric: &str, counters: &BTreeMap<String, i64>) -> Sketch {
        let mut sketch = Sketch::default();
        let prefix = format!("{metric}.");
        for (name, n) in counters.range(prefix.clone()..) {
            let Some(rest) = name.strip_prefix(&prefix) else {
                break;
            };
            let n = (*n).max(0);
            match rest {
                "n" => sketch.count = n as u64,
                "sum" => sketch.sum = n,
                b => {
                    if let Some(i) = b.strip_prefix('b').and_then(|i| i.parse::<i32>().ok()) {
                        sketch.buckets.insert(i, n as u64);
                    }
                }
            }
        }
        sketch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_is_within_the_stated_error_of_its_bucket() {
        for seconds in (1..200_000)
            .step_by(7)
            .chain([1, 2, 3, 59, 60, 3_600, 86_400, 31_536_000])
        {
            let v = value(bucket(seconds));
            let error = (v - seconds as f64).abs() / seconds as f64;
            assert!(error <= RELATIVE_ACCURACY + 1e-9, "{seconds}: {v}");
        }
        assert_eq!(value(bucket(0)), 0.0);
    }

    #[test]
    fn sketches_merge_and_round_trip_through_counters() {
        let mut a = Sketch::default();
        let mut b = Sketch::default();
        let mut counters: BTreeMap<String, i64> = BTreeMap::new();
        for s in [0, 5, 60, 61, 3_600] {
            a.add(s);
            for (name, n) in Sketch::increments("firstResponse", s) {
                *counters.entry(name).or_default() += n;
            }
        }
        counters.insert("resolution.n".into(), 9);
        b.add(7_200);
        let mut merged = a.clone();
        merged.merge(&b);
        assert_eq!(merged.count, 6);
        assert_eq!(merged.sum, 5 + 60 + 61 + 3_600 + 7_200);
        assert_eq!(Sketch::from_counters("firstResponse", &counters), a);
        assert_eq!(a.quantile(0.0), Some(0.0));
        assert_eq!(Sketch::default().quantile(0.5), None);
    }
}
