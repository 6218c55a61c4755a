//! Articles' images and files: declared by a writer (a presigned PUT
//! bound to the exact size and type), listed and opened by staff (a `302`
//! to a short-lived presigned GET). Readers open them through the help
//! center's address, which Markdown embeds.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::attachments::attachment::PresignedRequest;
use switchboard_domain::attachments::service::UploadInput;
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::files::FileReader;
use switchboard_domain::kernel::ids::{ArticleFileId, ArticleId};
use switchboard_http::extract::path_id;
use switchboard_http::problem::Problems;
use switchboard_http::respond::presigned_redirect;
use switchboard_http::{ApiError, Authenticated, Json};

use crate::S;
use crate::views::ItemsView;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FileRequest {
    filename: Option<String>,
    content_type: Option<String>,
    /// Exact size in bytes (at most 20 MB).
    size: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileView {
    #[schema(value_type = String, example = "kbf_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: ArticleFileId,
    filename: String,
    content_type: String,
    size: u64,
    /// Its help center address, for the article's Markdown
    /// (`![diagram](…)`): readers of the article get the file there.
    url: String,
    created_at: Timestamp,
}

impl FileView {
    fn new(f: &ArticleFile, tenant_slug: &str) -> Self {
        Self {
            id: f.id,
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            url: f.path(tenant_slug),
            created_at: f.created_at,
        }
    }
}

/// The request the client makes itself to upload the file.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PresignedView {
    method: String,
    url: String,
    /// To send exactly as given (they are signed).
    #[schema(value_type = Object)]
    headers: std::collections::BTreeMap<String, String>,
    expires_at: Timestamp,
}

impl From<&PresignedRequest> for PresignedView {
    fn from(p: &PresignedRequest) -> Self {
        Self {
            method: p.method.clone(),
            url: p.url.clone(),
            headers: p.headers.iter().cloned().collect(),
            expires_at: p.expires_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct FileUploadView {
    file: FileView,
    upload: PresignedView,
}

#[utoipa::path(
    post,
    path = "/v1/kb/articles/{id}/files",
    tag = "knowledge base",
    description = "Declares an image or file of the article (writers; at most 50, 20 MB each) and returns a presigned \
upload valid 15 minutes, bound to its exact size and type, and the address to embed in the Markdown.",
    request_body = FileRequest,
    params(("id" = String, Path, description = "The article's id")),
    responses((status = 201, body = FileUploadView), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn upload(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
    Json(body): Json<FileRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = UploadInput {
        filename: body.filename,
        content_type: body.content_type,
        size: body.size,
    };
    let made = state
        .kb
        .upload_file(
            &state.objects,
            &principal,
            path_id::<ArticleId>(&id)?,
            input,
            Timestamp::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FileUploadView {
            file: FileView::new(&made.file, principal.tenant.slug.as_str()),
            upload: (&made.upload).into(),
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/v1/kb/articles/{id}/files",
    tag = "knowledge base",
    params(("id" = String, Path, description = "The article's id")),
    responses((status = 200, body = ItemsView<FileView>), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn list(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let files = state
        .kb
        .files(&principal, path_id::<ArticleId>(&id)?)
        .await?;
    let slug = principal.tenant.slug.as_str();
    Ok(Json(ItemsView {
        items: files.iter().map(|f| FileView::new(f, slug)).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/v1/kb/articles/{id}/files/{file}",
    tag = "knowledge base",
    description = "Redirects staff to a presigned GET valid 5 minutes (drafts' files too).",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("file" = String, Path, description = "The file's id"),
    ),
    responses((status = 302, description = "`Location`: the presigned download"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn open(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let request = state
        .kb
        .download_file(
            &state.objects,
            FileReader::Staff(&principal),
            path_id::<ArticleId>(&id)?,
            path_id::<ArticleFileId>(&file)?,
        )
        .await?;
    presigned_redirect(&request.url)
}

#[utoipa::path(
    delete,
    path = "/v1/kb/articles/{id}/files/{file}",
    tag = "knowledge base",
    description = "Removes a file of the article (writers); its address stops working.",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("file" = String, Path, description = "The file's id"),
    ),
    responses((status = 204, description = "Removed"), Problems),
    security(("bearer" = [])),
)]
pub(crate) async fn remove(
    State(state): S,
    Authenticated(principal): Authenticated,
    Path((id, file)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .kb
        .delete_file(
            &state.objects,
            &principal,
            path_id::<ArticleId>(&id)?,
            path_id::<ArticleFileId>(&file)?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
