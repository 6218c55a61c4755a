//! Attachment routes: presigned uploads, attaching, listing, downloads
//! (a `302` to a short-lived presigned GET) and deletion.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;
use switchboard_domain::attachments::service::UploadInput;
use switchboard_domain::kernel::ids::{AttachmentId, TicketId};
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::presigned_redirect;
use switchboard_http::views::{AttachmentView, ListView, UploadView};
use switchboard_http::{ApiError, Authenticated, Json};

type S = State<Arc<AppState>>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct UploadRequest {
    filename: Option<String>,
    content_type: Option<String>,
    /// Exact size in bytes (at most 25 MB).
    size: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/attachments/uploads",
    tag = "attachments",
    description = "Declares a file and returns a presigned upload (valid 15 minutes) bound to its exact size and \
type. Executables and scripts are refused; names are cleaned of paths and control characters.",
    request_body = UploadRequest,
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 201, body = UploadView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn start_upload(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<UploadRequest>,
) -> Result<(StatusCode, Json<UploadView>), ApiError> {
    let input = UploadInput {
        filename: body.filename,
        content_type: body.content_type,
        size: body.size,
    };
    let (upload, request) = state
        .attachments
        .start_upload(
            &principal,
            path_id::<TicketId>(&id)?,
            input,
            Timestamp::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadView::new(&upload, &request)),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AttachRequest {
    upload_id: String,
}

#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/attachments",
    tag = "attachments",
    description = "Attaches an uploaded file to the ticket without a comment. The object is checked first: one \
missing, or of another size or type than declared, is refused (422) and deleted.",
    request_body = AttachRequest,
    params(("id" = String, Path, description = "The ticket's id")),
    responses((status = 201, body = AttachmentView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn attach(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<AttachRequest>,
) -> Result<(StatusCode, Json<AttachmentView>), ApiError> {
    let a = state
        .attachments
        .attach(
            &principal,
            path_id::<TicketId>(&id)?,
            &body.upload_id,
            Timestamp::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(AttachmentView::from(&a))))
}

#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/attachments",
    tag = "attachments",
    params(("id" = String, Path, description = "The ticket's id")),
    responses(
        (status = 200, description = "Oldest first; customers see those not on internal notes", body = ListView<AttachmentView>),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<ListView<AttachmentView>>, ApiError> {
    let found = state
        .attachments
        .list(&principal, path_id::<TicketId>(&id)?)
        .await?;
    Ok(Json(ListView {
        items: found.iter().map(AttachmentView::from).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/attachments/{id}/download",
    tag = "attachments",
    description = "Redirects to a presigned download valid 5 minutes, with `Content-Disposition: attachment` and the \
file's name (RFC 6266). Checked like the ticket: another tenant's, another customer's or an internal note's file is 404.",
    params(("id" = String, Path, description = "The attachment's id")),
    responses((status = 302, description = "`Location`: the presigned download"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn download(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let request = state
        .attachments
        .download(&principal, path_id::<AttachmentId>(&id)?)
        .await?;
    presigned_redirect(&request.url)
}

#[utoipa::path(
    delete,
    path = "/v1/attachments/{id}",
    tag = "attachments",
    params(("id" = String, Path, description = "The attachment's id")),
    responses(
        (status = 204, description = "File and record removed (its uploader, or an admin)"),
        Problems,
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn delete(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .attachments
        .delete(&principal, path_id::<AttachmentId>(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
