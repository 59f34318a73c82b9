//! `/projects/{id}/panel`, `/projects/{id}/declarations`, `/panels`.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::projects::Project;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::procurement::panels;

/// Panels and declarations.
pub struct PanelsApi;

/// Experts to add to a panel.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct PanelInput {
    /// Accounts with the expert role; the resulting panel must be odd, at
    /// least 3 (5 for a public tender).
    #[oai(validator(max_items = 25))]
    pub expert_ids: Vec<Uuid>,
}

/// A panel seat.
#[derive(Debug, Clone, Object)]
pub struct PanelMember {
    /// Expert's account.
    pub expert_id: Uuid,
    /// `active` or `excluded`.
    pub status: String,
    /// Assigned.
    pub added_at: DateTime<Utc>,
    /// Why excluded (a declared conflict).
    pub exclusion_reason: Option<String>,
}

impl From<entity::panel_members::Model> for PanelMember {
    fn from(m: entity::panel_members::Model) -> Self {
        Self {
            expert_id: m.expert_id,
            status: m.status,
            added_at: m.added_at,
            exclusion_reason: m.exclusion_reason,
        }
    }
}

/// A declaration about one bidder.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct DeclarationInput {
    /// The bidder (from the opening record).
    pub organization_id: Uuid,
    /// True for a conflict of interest (it excludes you from the project).
    pub conflict: bool,
    /// Required with a conflict.
    #[oai(validator(max_length = 2000))]
    pub reason: Option<String>,
}

/// A recorded declaration.
#[derive(Debug, Clone, Object)]
pub struct Declaration {
    /// Bidder.
    pub organization_id: Uuid,
    /// Conflict.
    pub conflict: bool,
    /// Reason.
    pub reason: Option<String>,
    /// When.
    pub declared_at: DateTime<Utc>,
}

/// A recorded declaration.
#[derive(ApiResponse)]
pub enum Declared {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<Declaration>),
}

#[OpenApi(tag = "ApiTags::Procurement")]
impl PanelsApi {
    /// Add experts to a project's panel (purchaser)
    #[oai(
        path = "/projects/:id/panel",
        method = "post",
        operation_id = "assign_panel"
    )]
    async fn assign_panel(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<PanelInput>,
    ) -> ApiResult<Json<Vec<PanelMember>>> {
        let list = panels::assign(
            &state.db,
            &auth.0,
            id.0,
            &body.expert_ids,
            state.clock.now(),
        )
        .await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// A project's panel
    #[oai(
        path = "/projects/:id/panel",
        method = "get",
        operation_id = "get_panel"
    )]
    async fn get_panel(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Vec<PanelMember>>> {
        let list = panels::panel_of(&state.db, &auth.0, id.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Declare about a bidder (expert on the panel)
    ///
    /// Every bidder needs a declaration before the bids can be read; a
    /// conflict excludes you from the project.
    #[oai(
        path = "/projects/:id/declarations",
        method = "post",
        operation_id = "declare_conflict"
    )]
    async fn declare_conflict(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<DeclarationInput>,
    ) -> ApiResult<Declared> {
        let d = panels::declare(
            &state.db,
            &auth.0,
            id.0,
            body.organization_id,
            body.conflict,
            body.reason.as_deref(),
            state.clock.now(),
        )
        .await?;
        Ok(Declared::Created(Json(Declaration {
            organization_id: d.organization_id,
            conflict: d.conflict,
            reason: d.reason,
            declared_at: d.declared_at,
        })))
    }

    /// Projects I sit on (experts)
    #[oai(path = "/panels", method = "get", operation_id = "list_my_panels")]
    async fn list_my_panels(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<Vec<Project>>> {
        let list = panels::my_projects(&state.db, &auth.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }
}
