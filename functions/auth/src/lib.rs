//! The `auth` function: login, token refresh, logout, the caller's own
//! profile, customer self-registration, and the health check.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use switchboard_domain::accounts::{LoginInput, RegisterInput};
use switchboard_domain::permissions::{Action, Caller};
use switchboard_domain::ports::AccountStore;
use switchboard_http::routes::Routes;
use switchboard_http::views::{ApiKeyView, SessionView, TenantView, TokensView, UserView};
use switchboard_http::{AccountService, ApiError, Authenticated, HasAccounts, Json, layers};

pub struct AppState {
    pub accounts: AccountService,
}

impl HasAccounts for AppState {
    fn accounts(&self) -> &AccountService {
        &self.accounts
    }
}

/// Every route this function serves; template.yaml must route exactly these
/// here (checked by the route check).
pub fn routes() -> Routes<Arc<AppState>> {
    Routes::new()
        .add(Method::GET, "/v1/health", health)
        .add(Method::POST, "/v1/auth/login", login)
        .add(Method::POST, "/v1/auth/refresh", refresh)
        .add(Method::POST, "/v1/auth/logout", logout)
        .add(Method::GET, "/v1/auth/me", me)
        .add(Method::POST, "/v1/auth/register", register)
}

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    tenant: String,
    email: String,
    password: String,
}

async fn login(
    State(state): State<Arc<AppState>>,
    Json(body): Json<LoginRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let input = LoginInput {
        tenant: body.tenant,
        email: body.email,
        password: body.password,
    };
    let signed_in = state.accounts.login(input, Timestamp::now()).await?;
    tracing::info!(tenant_id = %signed_in.tenant.id, user_id = %signed_in.user.id, "logged in");
    Ok(Json(signed_in.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefreshRequest {
    refresh_token: String,
}

async fn refresh(
    State(state): State<Arc<AppState>>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<TokensView>, ApiError> {
    let tokens = state
        .accounts
        .refresh(&body.refresh_token, Timestamp::now())
        .await?;
    Ok(Json(tokens.into()))
}

async fn logout(
    State(state): State<Arc<AppState>>,
    Authenticated(principal): Authenticated,
) -> Result<StatusCode, ApiError> {
    state.accounts.logout(&principal, Timestamp::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(Authenticated(principal): Authenticated) -> Result<impl IntoResponse, ApiError> {
    principal.require(Action::ReadOwnProfile)?;
    let tenant = TenantView::from(&principal.tenant);
    Ok(Json(match &principal.caller {
        Caller::User { user, .. } => json!({ "user": UserView::from(user), "tenant": tenant }),
        Caller::ApiKey(key) => json!({ "apiKey": ApiKeyView::from(key), "tenant": tenant }),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    tenant: String,
    name: String,
    email: String,
    password: String,
}

async fn register(
    State(state): State<Arc<AppState>>,
    Json(body): Json<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = RegisterInput {
        tenant: body.tenant,
        name: body.name,
        email: body.email,
        password: body.password,
    };
    let signed_in = state
        .accounts
        .register_customer(input, Timestamp::now())
        .await?;
    let location = format!("/v1/users/{}", signed_in.user.id);
    Ok((
        StatusCode::CREATED,
        [layers::location(&location)],
        Json(SessionView::from(signed_in)),
    ))
}

/// Liveness and storage reachability, without authentication.
async fn health(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let reachable = state.accounts.store().ping().await;
    if let Err(e) = &reachable {
        tracing::warn!(error = %e, "health check: table unreachable");
    }
    let (status, table) = match reachable {
        Ok(()) => (StatusCode::OK, "reachable"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "unreachable"),
    };
    let body = json!({
        "status": if status.is_success() { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "table": table,
    });
    (status, Json(body))
}
