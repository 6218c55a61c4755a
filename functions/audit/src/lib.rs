//! The `audit` function: the audit log owners and admins read. Entries are
//! written by the stores with the changes they record; no route changes or
//! deletes one.

use axum::Router;
use axum::extract::State;
use axum::http::Method;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::audit::log::Audit;
use switchboard_domain::audit::ports::AuditFilter;
use switchboard_domain::kernel::audit::AuditEntry;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::kernel::validation::{Invalid, Validator};
use switchboard_http::problem::Problems;
use switchboard_http::routes::Routes;
use switchboard_http::views::PageView;
use switchboard_http::{ApiError, Authenticated, Json, Query};
use switchboard_wiring::Api;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub audit: Audit<switchboard_aws::DynamoStore>,
}

pub type AppState = Api<Services>;

/// Every route this function serves (checked against template.yaml).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new().add(Method::GET, "/v1/audit-log", entries)
}

/// This function's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(entries))]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// The actor's id (a user's or an API key's).
    actor: Option<String>,
    /// An action (`user.updated`) or a family of them (`webhook.*`).
    action: Option<String>,
    /// The target's id.
    target: Option<String>,
    /// From this instant (RFC 3339), included.
    from: Option<String>,
    /// Until this instant, excluded.
    to: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

fn instant(raw: &str) -> Result<Timestamp, Invalid> {
    raw.parse::<Timestamp>()
        .map_err(|_| Invalid::new("invalid_timestamp", "an RFC 3339 instant"))
}

fn word(raw: String) -> Result<String, Invalid> {
    let ok = (1..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'*' | b'-'));
    if ok {
        Ok(raw)
    } else {
        Err(Invalid::new(
            "invalid_value",
            "letters, digits, `_`, `-`, `.` and `*` only",
        ))
    }
}

/// The log's request, every field's error at once.
struct AuditRequest {
    filter: AuditFilter,
    page: PageRequest,
}

impl TryFrom<AuditQuery> for AuditRequest {
    type Error = ApiError;

    fn try_from(q: AuditQuery) -> Result<Self, ApiError> {
        let mut v = Validator::new();
        let actor = v.optional("actor", q.actor, word);
        let action = v.optional("action", q.action, word);
        let target = v.optional("target", q.target, word);
        let from = v.optional("from", q.from, |f| instant(&f));
        let to = v.optional("to", q.to, |t| instant(&t));
        let page = v.field("limit", PageRequest::parse(q.limit, q.cursor));
        v.finish()?;
        let (Some(page), Some(actor), Some(action), Some(target), Some(from), Some(to)) =
            (page, actor, action, target, from, to)
        else {
            return Err(ApiError::internal("validated query is incomplete"));
        };
        Ok(Self {
            filter: AuditFilter {
                actor,
                action,
                target,
                from,
                to,
            },
            page,
        })
    }
}

#[utoipa::path(
    get,
    path = "/v1/audit-log",
    tag = "audit",
    description = "The audit log, newest first (owners and admins): sign-ins (`user.logged_in`, \
`user.login_failed`, `user.login_throttled`, `user.login_refused`), `user.refresh_token_reused`, \
`user.logged_out`, users and roles, API keys, teams, organisations, tenant settings, webhooks (and \
`webhook.secret_rotated`), mailboxes, business hours, SLA policies, triggers, automations, macros, \
knowledge base publishing and personal data requests. Each entry names its `actor`, `action`, \
`target`, what changed when small (`data`), and the request's `ip`, `userAgent` and `requestId`. \
Entries are kept for the tenant's `settings.auditRetentionDays` (365 by default).",
    params(AuditQuery),
    responses((status = 200, body = PageView<Object>), Problems),
    security(("bearer" = [])),
)]
async fn entries(
    State(state): State<Arc<AppState>>,
    Authenticated(principal): Authenticated,
    Query(q): Query<AuditQuery>,
) -> Result<Json<PageView<AuditEntry>>, ApiError> {
    let r = AuditRequest::try_from(q)?;
    let page = state
        .audit
        .entries(&principal, &r.filter, &r.page, Timestamp::now())
        .await?;
    Ok(Json(PageView {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
