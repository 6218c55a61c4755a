//! Reporting's keys: one partition per tenant and dimension holds a row
//! per day and group, read by a range of days. (An event counted is marked
//! by the router's step mark, `event_step(…, "analytics")`.)

use jiff::civil::Date;
use switchboard_domain::analytics::tally::Dimension;
use switchboard_domain::kernel::ids::TenantId;

use super::{Key, t};

pub fn analytics_pk(tenant: TenantId, dimension: Dimension) -> String {
    format!("{}#ANALYTICS#{}", t(tenant), dimension.as_str())
}

/// A day's row of one group (`group`: an id, a channel, a priority, or
/// `none`).
pub fn analytics_day(tenant: TenantId, dimension: Dimension, day: Date, group: &str) -> Key {
    Key::new(analytics_pk(tenant, dimension), format!("{day}#{group}"))
}
