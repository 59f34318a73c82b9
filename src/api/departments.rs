//! `/departments`: public reads, admin writes.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::{Department, DepartmentInput, DepartmentPage};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::departments;
use crate::pagination::PageRequest;

/// Departments.
pub struct DepartmentsApi;

/// A created department.
#[derive(ApiResponse)]
pub enum CreatedDepartment {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Department>),
}

#[OpenApi(prefix_path = "/departments", tag = "ApiTags::Departments")]
impl DepartmentsApi {
    /// List departments
    #[oai(path = "/", method = "get", operation_id = "list_departments")]
    async fn list_departments(
        &self,
        state: Data<&AppState>,
        /// Only active (`true`) or inactive (`false`) departments.
        active: Query<Option<bool>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<DepartmentPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let (items, next_cursor) = departments::list(&state.db, active.0, &page).await?;
        Ok(Json(DepartmentPage {
            items: items.into_iter().map(Department::from).collect(),
            next_cursor,
        }))
    }

    /// Get a department
    #[oai(path = "/:id", method = "get", operation_id = "get_department")]
    async fn get_department(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Department>> {
        Ok(Json(departments::get(&state.db, id.0).await?.into()))
    }

    /// Create a department
    #[oai(path = "/", method = "post", operation_id = "create_department")]
    async fn create_department(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<DepartmentInput>,
    ) -> ApiResult<CreatedDepartment> {
        let d =
            departments::create(&state.db, Some(&auth.0), body.0.into(), state.clock.now()).await?;
        Ok(CreatedDepartment::Created(Json(d.into())))
    }

    /// Update a department
    #[oai(path = "/:id", method = "put", operation_id = "update_department")]
    async fn update_department(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<DepartmentInput>,
    ) -> ApiResult<Json<Department>> {
        let d =
            departments::update(&state.db, &auth.0, id.0, body.0.into(), state.clock.now()).await?;
        Ok(Json(d.into()))
    }
}
