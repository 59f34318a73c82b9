//! `/catalog`: the purchase catalog; public reads, admin writes.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::List;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::procurement::catalog::{self, CategoryInput as Input};

/// The purchase catalog.
pub struct CatalogApi;

/// A service category.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Category {
    /// Id.
    pub id: Uuid,
    /// Code (`A01`).
    pub code: String,
    /// Parent category; absent at the top.
    pub parent_id: Option<Uuid>,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Takes new projects.
    pub active: bool,
    /// Order among siblings.
    pub position: i32,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<entity::catalog_categories::Model> for Category {
    fn from(c: entity::catalog_categories::Model) -> Self {
        Self {
            id: c.id,
            code: c.code,
            parent_id: c.parent_id,
            name_zh: c.name_zh,
            name_en: c.name_en,
            active: c.active,
            position: c.position,
            updated_at: c.updated_at,
        }
    }
}

/// A category to create, or the new state of one.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// 1 to 16 letters or digits.
    #[oai(validator(max_length = 16))]
    pub code: String,
    /// Parent category; absent at the top.
    pub parent_id: Option<Uuid>,
    /// Chinese name.
    #[oai(validator(max_length = 100))]
    pub name_zh: String,
    /// English name.
    #[oai(validator(max_length = 100))]
    pub name_en: String,
    /// Takes new projects (default true).
    pub active: Option<bool>,
    /// Order among siblings (default 0).
    pub position: Option<i32>,
}

impl From<CategoryInput> for Input {
    fn from(i: CategoryInput) -> Self {
        Self {
            code: i.code,
            parent_id: i.parent_id,
            name_zh: i.name_zh,
            name_en: i.name_en,
            active: i.active.unwrap_or(true),
            position: i.position.unwrap_or(0),
        }
    }
}

/// A created category.
#[derive(ApiResponse)]
pub enum CreatedCategory {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Category>),
}

#[OpenApi(prefix_path = "/catalog", tag = "ApiTags::Procurement")]
impl CatalogApi {
    /// List the purchase catalog
    ///
    /// Every category by code, parents before their children.
    #[oai(path = "/", method = "get", operation_id = "list_catalog")]
    async fn list_catalog(
        &self,
        state: Data<&AppState>,
        /// Only categories that take new projects.
        active: Query<Option<bool>>,
    ) -> ApiResult<Json<List<Category>>> {
        let list = catalog::list(&state.db, active.0.unwrap_or(false)).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Add a category (admin)
    #[oai(path = "/", method = "post", operation_id = "create_category")]
    async fn create_category(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<CategoryInput>,
    ) -> ApiResult<CreatedCategory> {
        let c = catalog::create(&state.db, &auth.0, body.0.into(), state.clock.now()).await?;
        Ok(CreatedCategory::Created(Json(c.into())))
    }

    /// Change a category (admin)
    #[oai(path = "/:id", method = "put", operation_id = "update_category")]
    async fn update_category(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<CategoryInput>,
    ) -> ApiResult<Json<Category>> {
        let c = catalog::update(&state.db, &auth.0, id.0, body.0.into(), state.clock.now()).await?;
        Ok(Json(c.into()))
    }
}
