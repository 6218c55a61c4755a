//! The `auth` function: login, token refresh, logout, the caller's own
//! profile, customer self-registration, password links (reset and
//! invitation), and the health check.

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::accounts::input::{
    Credentials, Registration, ResetConfirmation, ResetRequest, parse_token,
};
use switchboard_domain::accounts::permissions::{Action, Caller};
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::user::{Email, Password, parse_person_name};
use switchboard_domain::kernel::error::DomainError;
use switchboard_domain::kernel::ports::Health;
use switchboard_domain::kernel::validation::Validator;
use switchboard_http::problem::Problems;
use switchboard_http::respond::created;
use switchboard_http::routes::Routes;
use switchboard_http::views::{ApiKeyView, SessionView, TenantView, TokensView, UserView};
use switchboard_http::{ApiError, Authenticated, Json, PublicRoute};
use switchboard_wiring::Api;
use switchboard_wiring::services::RecoveryService;

/// What this function's handlers use, behind the account service that
/// authenticates their requests.
pub struct Services {
    pub recovery: RecoveryService,
}

pub type AppState = Api<Services>;

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
        .add(Method::POST, "/v1/auth/password-reset", request_reset)
        .add(
            Method::POST,
            "/v1/auth/password-reset/confirm",
            confirm_reset,
        )
        .add(Method::POST, "/v1/auth/verify-email", verify_email)
        .add(Method::GET, "/v1/openapi.json", openapi)
}

/// This function's part of the OpenAPI description (merged with the other
/// functions' into `openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(switchboard_http::problem::ProblemSchema)),
    paths(
        login,
        refresh,
        logout,
        me,
        register,
        request_reset,
        confirm_reset,
        verify_email,
        health,
        openapi
    )
)]
pub struct ApiDoc;

pub fn router(state: Arc<AppState>) -> Router {
    routes().into_router(state)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    tenant: String,
    email: String,
    password: String,
}

#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = SessionView), Problems),
)]
async fn login(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<LoginRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let input = Credentials::typed(&body.tenant, &body.email, body.password);
    let signed_in = state.accounts.login(input, Timestamp::now()).await?;
    tracing::info!(tenant_id = %signed_in.tenant.id, user_id = %signed_in.user.id, "logged in");
    Ok(Json(signed_in.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RefreshRequest {
    refresh_token: String,
}

#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokensView), Problems),
)]
async fn refresh(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<TokensView>, ApiError> {
    let tokens = state
        .accounts
        .refresh(&body.refresh_token, Timestamp::now())
        .await?;
    Ok(Json(tokens.into()))
}

#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "auth",
    responses((status = 204, description = "The session has ended"), Problems),
    security(("bearer" = [])),
)]
async fn logout(
    State(state): State<Arc<AppState>>,
    Authenticated(principal): Authenticated,
) -> Result<StatusCode, ApiError> {
    state.accounts.logout(&principal, Timestamp::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/v1/auth/me",
    tag = "auth",
    responses(
        (status = 200, description = "The caller (`user` or `apiKey`) and its `tenant`", body = Object),
        Problems,
    ),
    security(("bearer" = [])),
)]
async fn me(Authenticated(principal): Authenticated) -> Result<impl IntoResponse, ApiError> {
    principal.require(Action::ReadOwnProfile)?;
    let tenant = TenantView::from(&principal.tenant);
    Ok(Json(match &principal.caller {
        Caller::User { user, .. } => json!({ "user": UserView::from(user), "tenant": tenant }),
        Caller::ApiKey(key) => json!({ "apiKey": ApiKeyView::from(key), "tenant": tenant }),
        Caller::System => json!({ "system": true, "tenant": tenant }),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RegisterRequest {
    tenant: String,
    name: String,
    email: String,
    password: String,
}

impl TryFrom<RegisterRequest> for Registration {
    type Error = DomainError;

    fn try_from(r: RegisterRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.field("name", parse_person_name(&r.name));
        let email = v.field("email", Email::parse(&r.email));
        let password = v.field("password", Password::parse(r.password));
        v.finish()?;
        match (name, email, password) {
            (Some(name), Some(email), Some(password)) => Ok(Registration {
                tenant: r.tenant,
                name,
                email,
                password,
            }),
            _ => Err(DomainError::Internal(
                "validated registration is incomplete".into(),
            )),
        }
    }
}

#[utoipa::path(
    post,
    path = "/v1/auth/register",
    tag = "auth",
    request_body = RegisterRequest,
    responses((status = 201, body = SessionView), Problems),
)]
async fn register(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let signed_in = state
        .accounts
        .register_customer(body.try_into()?, Timestamp::now())
        .await?;
    let location = format!("/v1/users/{}", signed_in.user.id);
    Ok(created(&location, None, SessionView::from(signed_in)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetRequestBody {
    /// The helpdesk's slug.
    tenant: String,
    email: String,
}

impl TryFrom<ResetRequestBody> for ResetRequest {
    type Error = DomainError;

    fn try_from(r: ResetRequestBody) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let tenant = v.field("tenant", Slug::parse(&r.tenant));
        let email = v.field("email", Email::parse(&r.email));
        v.finish()?;
        match (tenant, email) {
            (Some(tenant), Some(email)) => Ok(ResetRequest { tenant, email }),
            _ => Err(DomainError::Internal(
                "validated request is incomplete".into(),
            )),
        }
    }
}

/// Mails a one-time link (valid for an hour) to set a new password. The
/// answer is the same whether or not the address has an account.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset",
    tag = "auth",
    request_body = ResetRequestBody,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way"),
        Problems,
    ),
)]
async fn request_reset(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<ResetRequestBody>,
) -> Result<StatusCode, ApiError> {
    state
        .recovery
        .request(body.try_into()?, Timestamp::now())
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetConfirmBody {
    /// The token from the mailed link (a reset or an invitation).
    token: String,
    password: String,
}

impl TryFrom<ResetConfirmBody> for ResetConfirmation {
    type Error = DomainError;

    fn try_from(r: ResetConfirmBody) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let password = v.field("password", Password::parse(r.password));
        let token = v.field("token", parse_token(&r.token));
        v.finish()?;
        match (token, password) {
            (Some(token), Some(password)) => Ok(ResetConfirmation { token, password }),
            _ => Err(DomainError::Internal(
                "validated password is missing".into(),
            )),
        }
    }
}

/// Sets the password with a mailed token, which is then spent; the
/// person's other sessions end.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset/confirm",
    tag = "auth",
    request_body = ResetConfirmBody,
    responses((status = 204, description = "The password is set; log in with it"), Problems),
)]
async fn confirm_reset(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<ResetConfirmBody>,
) -> Result<StatusCode, ApiError> {
    state
        .recovery
        .confirm(body.try_into()?, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct VerifyEmailBody {
    /// The token from the link mailed after self-registration.
    token: String,
}

/// Proves a self-registered customer's address with the mailed token
/// (spent): from then on, mail from that address reaches their account.
#[utoipa::path(
    post,
    path = "/v1/auth/verify-email",
    tag = "auth",
    request_body = VerifyEmailBody,
    responses((status = 204, description = "The address is verified"), Problems),
)]
async fn verify_email(
    State(state): State<Arc<AppState>>,
    _: PublicRoute,
    Json(body): Json<VerifyEmailBody>,
) -> Result<StatusCode, ApiError> {
    let token =
        parse_token(&body.token).map_err(|e| DomainError::field("token", e.code, e.message))?;
    state
        .recovery
        .verify_email(&token, Timestamp::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Liveness and storage reachability, without authentication.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "health",
    responses(
        (status = 200, body = Object),
        (status = 503, body = Object),
        Problems,
    ),
)]
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

/// The API's OpenAPI 3.1 description, generated from the functions' types
/// (see `infra/devstack/tests/openapi.rs`, which keeps the file current).
const OPENAPI: &str = include_str!("../../../openapi.json");

#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "health",
    responses((status = 200, description = "This document", body = Object)),
)]
async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}
