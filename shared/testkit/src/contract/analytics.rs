//! Contracts of reporting's storage.

use jiff::civil::date;
use switchboard_domain::analytics::ports::AnalyticsStore;
use switchboard_domain::analytics::record::STEP;
use switchboard_domain::analytics::tally::{Dimension, Group, Tally};
use switchboard_domain::kernel::ids::{EventId, TenantId};
use switchboard_domain::routing::ports::StepLog;

use super::support::*;

fn group(dimension: Dimension, value: &str) -> Group {
    Group {
        dimension,
        value: value.to_owned(),
    }
}

/// An event's tally adds to each of its rows once, marked as the event's
/// analytics step; rows are read by dimension and day range, each with
/// its counters.
pub async fn tallies_add_once_per_event<S: AnalyticsStore + StepLog, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let tally = |day, n| Tally {
        day,
        groups: vec![
            group(Dimension::All, "none"),
            group(Dimension::Channel, "email"),
        ],
        amounts: vec![
            ("created".to_owned(), n),
            ("firstResponse.b12".to_owned(), 1),
            ("firstResponse.sum".to_owned(), 90),
        ],
    };
    let (first, second, later) = (EventId::new(), EventId::new(), EventId::new());
    let (d1, d2, d3) = (date(2026, 3, 1), date(2026, 3, 2), date(2026, 4, 1));
    assert!(
        store
            .add_tally(tenant, first, &tally(d1, 1))
            .await
            .expect("added")
    );
    assert!(
        !store
            .add_tally(tenant, first, &tally(d1, 1))
            .await
            .expect("again"),
        "an event counts once"
    );
    assert!(
        store
            .add_tally(tenant, second, &tally(d1, 2))
            .await
            .expect("added")
    );
    assert!(
        store
            .add_tally(tenant, later, &tally(d3, 5))
            .await
            .expect("added")
    );
    assert_eq!(
        store.steps_completed(tenant, first).await.expect("steps"),
        [STEP.to_owned()]
    );
    let rows = store
        .day_rows(tenant, Dimension::Channel, d1, d2)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].day, d1);
    assert_eq!(rows[0].group, "email");
    assert_eq!(rows[0].dimension, Dimension::Channel);
    assert_eq!(
        rows[0]
            .counters
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<Vec<_>>(),
        [
            ("created", 3),
            ("firstResponse.b12", 2),
            ("firstResponse.sum", 180)
        ]
    );
    let all = store
        .day_rows(tenant, Dimension::All, d1, d3)
        .await
        .expect("rows");
    assert_eq!(
        all.iter()
            .map(|r| (r.day, r.counters["created"]))
            .collect::<Vec<_>>(),
        [(d1, 3), (d3, 5)]
    );
    assert!(
        store
            .day_rows(TenantId::new(), Dimension::All, d1, d3)
            .await
            .expect("rows")
            .is_empty(),
        "another tenant's rows are its own"
    );
}
