//! `/files`: uploads (checked by content and size) and downloads (only for
//! those allowed to see what the file belongs to).

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart, Object, OpenApi};
use uuid::Uuid;

use super::auth::{MaybeAuth, TokenAuth};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::files;

/// Files.
pub struct FilesApi;

/// A stored file's description.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FileMeta {
    /// Id.
    pub id: Uuid,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Type found in the content.
    pub content_type: String,
    /// Name as uploaded.
    pub file_name: String,
    /// What the file is to its owner (`charter`, `statement`, ...).
    pub label: Option<String>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

impl From<entity::files::Model> for FileMeta {
    fn from(f: entity::files::Model) -> Self {
        Self {
            id: f.id,
            sha256: f.sha256,
            size_bytes: f.size_bytes,
            content_type: f.content_type,
            file_name: f.file_name,
            label: f.label,
            created_at: f.created_at,
        }
    }
}

/// An upload.
#[derive(Debug, Multipart)]
pub struct UploadForm {
    /// The file: PDF, image or office document, up to the size limit (20 MB by default).
    pub file: Upload,
    /// For a bid's file: the project bid on. The file is then sealed with
    /// the bid (encrypted at rest, seen by your organization alone until
    /// the opening) and can be attached only to your bid on that project.
    pub project_id: Option<Uuid>,
}

/// A stored upload.
#[derive(ApiResponse)]
pub enum Uploaded {
    /// Stored; attach it by id.
    #[oai(status = 201)]
    Created(Json<FileMeta>),
}

/// A file's content.
#[derive(ApiResponse)]
pub enum Download {
    /// The content.
    #[oai(status = 200)]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment; filename*=UTF-8''...`
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[OpenApi(prefix_path = "/files", tag = "ApiTags::Files")]
impl FilesApi {
    /// Upload a file
    ///
    /// The file belongs to you alone until you attach it to an application
    /// (`POST /applications/{id}/documents`), an annual report, a grant
    /// report or a challenge. A bid's files are uploaded with `project_id`:
    /// sealed with the bid until the opening.
    #[oai(path = "/", method = "post", operation_id = "upload_file")]
    async fn upload_file(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        form: UploadForm,
    ) -> ApiResult<Uploaded> {
        crate::auth::policy::check(Some(&auth.0), crate::auth::policy::Action::Upload)?;
        let name = form.file.file_name().unwrap_or("file").to_owned();
        let bytes = form.file.into_vec().await.map_err(|e| {
            crate::error::Error::bad_input("file", "unreadable_upload", e.to_string())
        })?;
        let f = match form.project_id {
            Some(project) => {
                crate::procurement::bids::upload_file(
                    &state.db,
                    &state.settings.data_dir,
                    state.settings.max_upload_bytes,
                    &auth.0,
                    project,
                    crate::files::Incoming {
                        file_name: &name,
                        bytes: &bytes,
                    },
                    state.clock.now(),
                )
                .await?
            }
            None => {
                files::upload(
                    &state.db,
                    &state.settings.data_dir,
                    state.settings.max_upload_bytes,
                    &auth.0,
                    &name,
                    &bytes,
                    state.clock.now(),
                )
                .await?
            }
        };
        Ok(Uploaded::Created(Json(f.into())))
    }

    /// Download a file
    ///
    /// Public project documents need no token; everything else is for those
    /// who may see what the file belongs to.
    #[oai(path = "/:id", method = "get", operation_id = "download_file")]
    async fn download_file(
        &self,
        state: Data<&AppState>,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Download> {
        let (meta, bytes) =
            crate::downloads::download(&state.db, &state.settings.data_dir, auth.actor(), id.0)
                .await?;
        Ok(Download::Ok(
            Binary(bytes),
            crate::downloads::disposition(&meta.file_name),
        ))
    }
}
