//! The `analytics` function: reports from the daily aggregates the event
//! router keeps (tickets over time, agents side by side).

use axum::Router;
use axum::extract::State;
use axum::http::Method;
use jiff::civil::Date;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::DomainError;
use switchboard_domain::analytics::attainment::SlaReport;
use switchboard_domain::analytics::report::{AgentRow, Analytics, Interval, Period, TicketReport};
use switchboard_domain::analytics::tally::Dimension;
use switchboard_domain::kernel::validation::{Invalid, Validator};
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::views::ListView;
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub analytics: Analytics<switchboard_aws::DynamoStore>,
}

pub type AppState = Api<Services>;

type S = State<Arc<AppState>>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/analytics/tickets", tickets)
        .add(Method::GET, "/v1/analytics/agents", agents)
        .add(Method::GET, "/v1/analytics/sla", sla)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(tickets, agents, sla))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct TicketsQuery {
    /// First day (`YYYY-MM-DD`, UTC), included.
    from: Option<String>,
    /// Last day, included; 366 days in all at most.
    to: Option<String>,
    /// `day` (the default), `week` (ISO, from Monday) or `month`.
    interval: Option<String>,
    /// `team`, `agent`, `channel` or `priority`; the whole helpdesk when absent.
    #[serde(rename = "groupBy")]
    #[param(rename = "groupBy")]
    group_by: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RangeQuery {
    /// First day (`YYYY-MM-DD`, UTC), included.
    from: Option<String>,
    /// Last day, included; 366 days in all at most.
    to: Option<String>,
}

fn day(raw: &str) -> Result<Date, Invalid> {
    raw.parse::<Date>()
        .map_err(|_| Invalid::new("invalid_date", "a day as YYYY-MM-DD"))
}

fn required(raw: Option<String>) -> Result<String, Invalid> {
    raw.ok_or_else(|| Invalid::new("required", "a day as YYYY-MM-DD"))
}

fn period(from: Option<String>, to: Option<String>, v: &mut Validator) -> Option<(Date, Date)> {
    let from = v.field("from", required(from).and_then(|f| day(&f)));
    let to = v.field("to", required(to).and_then(|t| day(&t)));
    from.zip(to)
}

fn interval(raw: &str) -> Result<Interval, Invalid> {
    match raw {
        "day" => Ok(Interval::Day),
        "week" => Ok(Interval::Week),
        "month" => Ok(Interval::Month),
        _ => Err(Invalid::new("invalid_value", "one of day, week, month")),
    }
}

fn dimension(raw: &str) -> Result<Dimension, Invalid> {
    Dimension::ALL
        .into_iter()
        .filter(|d| *d != Dimension::All)
        .find(|d| d.as_str() == raw)
        .ok_or_else(|| Invalid::new("invalid_value", "one of team, agent, channel, priority"))
}

/// The tickets report's request, every field's error at once.
struct TicketsRequest {
    period: Period,
    interval: Interval,
    group_by: Dimension,
}

impl TryFrom<TicketsQuery> for TicketsRequest {
    type Error = DomainError;

    fn try_from(q: TicketsQuery) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let days = period(q.from, q.to, &mut v);
        let interval = v.optional("interval", q.interval, |i| interval(&i));
        let group_by = v.optional("groupBy", q.group_by, |g| dimension(&g));
        v.finish()?;
        let Some((from, to)) = days else {
            return Err(DomainError::Internal(
                "validated period is incomplete".into(),
            ));
        };
        Ok(Self {
            period: Period::new(from, to)?,
            interval: interval.flatten().unwrap_or(Interval::Day),
            group_by: group_by.flatten().unwrap_or(Dimension::All),
        })
    }
}

#[utoipa::path(
    get,
    path = "/v1/analytics/tickets",
    tag = "analytics",
    description = "Tickets over time (staff): per period, `created`, `solved`, `reopened`, `replies`, \
`breached` (SLA breaches by target), and `firstResponse` and `resolution` durations in seconds \
(`count`, exact `mean`, `p50`, `p90` within `relativeError`). Grouped by team, agent (an agent sees \
their own row), channel or priority, each row naming its `group` (`none`: tickets without one). \
Days are UTC.",
    params(TicketsQuery),
    responses((status = 200, body = Object), Problems),
    security(("bearer" = [])),
)]
async fn tickets(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<TicketsQuery>,
) -> Result<Json<TicketReport>, ApiError> {
    let r = TicketsRequest::try_from(q)?;
    Ok(Json(
        state
            .analytics
            .tickets(&principal, r.period, r.interval, r.group_by)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/v1/analytics/agents",
    tag = "analytics",
    description = "Each agent's figures over the period (as in the tickets report) and `openNow`, \
the unsolved tickets they hold; an agent sees their own row only.",
    params(RangeQuery),
    responses((status = 200, body = Object), Problems),
    security(("bearer" = [])),
)]
async fn agents(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<RangeQuery>,
) -> Result<Json<ListView<AgentRow>>, ApiError> {
    let mut v = Validator::new();
    let days = period(q.from, q.to, &mut v);
    v.finish()?;
    let Some((from, to)) = days else {
        return Err(DomainError::Internal("validated period is incomplete".into()).into());
    };
    let items = state
        .analytics
        .agents(&principal, Period::new(from, to)?)
        .await?;
    Ok(Json(ListView { items }))
}

#[utoipa::path(
    get,
    path = "/v1/analytics/sla",
    tag = "analytics",
    description = "SLA attainment (staff): for each policy (named as it is now; `null` once deleted) and target, \
how many of the tickets solved in the period met it and how many breached it, and `attainment`, the share met. \
A ticket counts each time it is solved, with its targets as they stood then. Days are UTC.",
    params(RangeQuery),
    responses((status = 200, body = Object), Problems),
    security(("bearer" = [])),
)]
async fn sla(
    State(state): S,
    Authenticated(principal): Authenticated,
    Query(q): Query<RangeQuery>,
) -> Result<Json<SlaReport>, ApiError> {
    let mut v = Validator::new();
    let days = period(q.from, q.to, &mut v);
    v.finish()?;
    let Some((from, to)) = days else {
        return Err(DomainError::Internal("validated period is incomplete".into()).into());
    };
    Ok(Json(
        state
            .analytics
            .sla(&principal, Period::new(from, to)?)
            .await?,
    ))
}
