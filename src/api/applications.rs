//! `/applications`: registration, change and deregistration applications
//! and their review.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::List;
use super::files::FileMeta;
use super::registry_dto::{
    Application, ApplicationInput, ApplicationKind, ApplicationPage, ApplicationStatus,
    ApprovalInput, ReasonInput,
};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::pagination::PageRequest;
use crate::registry::applications::{self as apps, Approval, ListFilter};
use crate::registry::materials;
use crate::registry::particulars::Kind;

/// The materials each kind of application requires.
#[derive(Debug, Clone, poem_openapi::Object)]
pub struct Requirements {
    /// Labels a registration must carry.
    pub registration: Vec<String>,
    /// Labels a change must carry.
    pub change: Vec<String>,
    /// Labels a deregistration must carry.
    pub deregistration: Vec<String>,
}

/// The materials to require of a kind of application.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementsInput {
    /// Document labels, in checklist order.
    #[oai(validator(max_items = 20))]
    pub labels: Vec<String>,
}

/// An application's checklist of required materials.
#[derive(Debug, Clone, poem_openapi::Object)]
pub struct Checklist {
    /// Whether every item is attached (the application may be submitted,
    /// as far as its materials go).
    pub complete: bool,
    /// The documents asked of it, in order.
    pub items: Vec<ChecklistItem>,
}

/// One document asked of an application.
#[derive(Debug, Clone, poem_openapi::Object)]
pub struct ChecklistItem {
    /// The document's label.
    pub label: String,
    /// Whether a file of that label is attached.
    pub attached: bool,
}

/// Applications.
pub struct ApplicationsApi;

/// A created application.
#[derive(ApiResponse)]
pub enum CreatedApplication {
    /// Created as a draft.
    #[oai(status = 201)]
    Created(Json<Application>),
}

#[OpenApi(prefix_path = "/applications", tag = "ApiTags::Applications")]
impl ApplicationsApi {
    /// List applications
    ///
    /// Org users see their own and their organization's; registrars and
    /// auditors every submitted one (the review queue).
    #[oai(path = "/", method = "get", operation_id = "list_applications")]
    async fn list_applications(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only this state.
        status: Query<Option<ApplicationStatus>>,
        /// Only this kind.
        kind: Query<Option<ApplicationKind>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ApplicationPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = ListFilter {
            status: status.0.map(Into::into),
            kind: kind.0.map(Into::into),
        };
        let (items, next_cursor) = apps::list(&state.db, &auth.0, &filter, &page).await?;
        Ok(Json(ApplicationPage {
            items: items.into_iter().map(Application::from).collect(),
            next_cursor,
        }))
    }

    /// Open an application (draft)
    #[oai(path = "/", method = "post", operation_id = "create_application")]
    async fn create_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<ApplicationInput>,
    ) -> ApiResult<CreatedApplication> {
        let a = apps::create(&state.db, &auth.0, body.0.into(), state.clock.now()).await?;
        Ok(CreatedApplication::Created(Json(a.into())))
    }

    /// The materials each kind of application requires
    ///
    /// Per kind, the document labels an application must carry before it
    /// is submitted, in checklist order. `supervisor_consent` is asked only
    /// of registrations that name a supervising unit. Public.
    #[oai(
        path = "/requirements",
        method = "get",
        operation_id = "get_application_requirements"
    )]
    async fn get_requirements(&self, state: Data<&AppState>) -> ApiResult<Json<Requirements>> {
        let conn = state.db.conn();
        Ok(Json(Requirements {
            registration: materials::required(conn, Kind::Registration).await?,
            change: materials::required(conn, Kind::Change).await?,
            deregistration: materials::required(conn, Kind::Deregistration).await?,
        }))
    }

    /// Set the materials a kind of application requires
    ///
    /// Admins only. Labels among the document labels (not `other`), each
    /// once, in checklist order; an empty list requires nothing.
    #[oai(
        path = "/requirements/:kind",
        method = "put",
        operation_id = "set_application_requirements"
    )]
    async fn set_requirements(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        kind: Path<ApplicationKind>,
        body: JsonBody<RequirementsInput>,
    ) -> ApiResult<Json<Requirements>> {
        materials::set(
            &state.db,
            &auth.0,
            kind.0.into(),
            &body.0.labels,
            state.clock.now(),
        )
        .await?;
        self.get_requirements(state).await
    }

    /// An application's checklist of required materials
    ///
    /// Each document asked of this application, ticked when a file of its
    /// label is attached. Submitting is refused while any is missing.
    #[oai(
        path = "/:id/checklist",
        method = "get",
        operation_id = "get_application_checklist"
    )]
    async fn get_checklist(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Checklist>> {
        let items = apps::checklist(&state.db, &auth.0, id.0).await?;
        Ok(Json(Checklist {
            complete: items.iter().all(|i| i.attached),
            items: items
                .into_iter()
                .map(|i| ChecklistItem {
                    label: i.label,
                    attached: i.attached,
                })
                .collect(),
        }))
    }

    /// Get an application
    #[oai(path = "/:id", method = "get", operation_id = "get_application")]
    async fn get_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Application>> {
        let (a, _) = apps::get(&state.db, &auth.0, id.0).await?;
        Ok(Json(a.into()))
    }

    /// Edit a draft or returned application
    #[oai(path = "/:id", method = "put", operation_id = "update_application")]
    async fn update_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ApplicationInput>,
    ) -> ApiResult<Json<Application>> {
        let a = apps::update(&state.db, &auth.0, id.0, body.0.into(), state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Submit an application for review
    ///
    /// Every registration rule is checked; each failure names its rule (`code`) and field.
    #[oai(
        path = "/:id/submit",
        method = "post",
        operation_id = "submit_application"
    )]
    async fn submit_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Application>> {
        let a = apps::submit(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Withdraw an application before a decision
    #[oai(
        path = "/:id/withdraw",
        method = "post",
        operation_id = "withdraw_application"
    )]
    async fn withdraw_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Application>> {
        let a = apps::withdraw(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Return an application to the applicant with reasons (registrar)
    #[oai(
        path = "/:id/return",
        method = "post",
        operation_id = "return_application"
    )]
    async fn return_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Application>> {
        let a = apps::send_back(&state.db, &auth.0, id.0, &body.reason, state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Reject an application with a reason (registrar)
    #[oai(
        path = "/:id/reject",
        method = "post",
        operation_id = "reject_application"
    )]
    async fn reject_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Application>> {
        let a = apps::reject(&state.db, &auth.0, id.0, &body.reason, state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Approve an application (registrar)
    ///
    /// A registration creates the organization with its USCC (generated, or
    /// typed in) and makes the applicant its org admin; a change updates the
    /// organization; a deregistration strikes it off.
    #[oai(
        path = "/:id/approve",
        method = "post",
        operation_id = "approve_application"
    )]
    async fn approve_application(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ApprovalInput>,
    ) -> ApiResult<Json<Application>> {
        let approval = Approval {
            uscc: body.0.uscc,
            legacy_override_reason: body.0.legacy_override_reason,
        };
        let a = apps::approve(&state.db, &auth.0, id.0, approval, state.clock.now()).await?;
        Ok(Json(a.into()))
    }

    /// Attach an uploaded file to a draft or returned application
    #[oai(
        path = "/:id/documents",
        method = "post",
        operation_id = "attach_document"
    )]
    async fn attach_document(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<DocumentInput>,
    ) -> ApiResult<AttachedDocument> {
        let f = apps::attach_document(
            &state.db,
            &auth.0,
            id.0,
            body.file_id,
            &body.label,
            state.clock.now(),
        )
        .await?;
        Ok(AttachedDocument::Created(Json(f.into())))
    }

    /// List an application's documents
    #[oai(
        path = "/:id/documents",
        method = "get",
        operation_id = "list_documents"
    )]
    async fn list_documents(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<List<FileMeta>>> {
        let docs = apps::documents(&state.db, &auth.0, id.0).await?;
        Ok(Json(docs.into_iter().map(Into::into).collect()))
    }
}

/// A document to attach.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Id of your upload (`POST /files`).
    pub file_id: Uuid,
    /// What the document is: for applications `charter`, `proof_of_funds`,
    /// `legal_representative_id`, `office_proof` or `other`; for projects
    /// `tender_document`, `specification`, `contract_template` or `other`.
    #[oai(validator(max_length = 32))]
    pub label: String,
}

/// An attached document.
#[derive(ApiResponse)]
pub enum AttachedDocument {
    /// Attached.
    #[oai(status = 201)]
    Created(Json<FileMeta>),
}
