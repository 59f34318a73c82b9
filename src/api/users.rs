//! `/users`: account administration (admins; auditors read).

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::{ChangeRoleInput, CreateUserInput, RoleDto, User, UserPage};
use super::me::CreatedUser;
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::auth::users::{self, Filter, NewUser};
use crate::pagination::PageRequest;

/// User administration.
pub struct UsersApi;

#[OpenApi(prefix_path = "/users", tag = "ApiTags::Users")]
impl UsersApi {
    /// List users
    #[oai(path = "/", method = "get", operation_id = "list_users")]
    #[allow(clippy::too_many_arguments)]
    async fn list_users(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// Only this role.
        role: Query<Option<RoleDto>>,
        /// Only `true` active or `false` deactivated accounts.
        active: Query<Option<bool>>,
        /// E-mail or name contains this text (ASCII letters in any case).
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<UserPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let filter = Filter {
            role: role.0.map(Into::into),
            active: active.0,
            q: q.0,
        };
        let (items, next_cursor) = users::list(&state.db, &auth.0, &filter, &page).await?;
        Ok(Json(UserPage {
            items: items.into_iter().map(User::from).collect(),
            next_cursor,
        }))
    }

    /// Create an account with any role
    #[oai(path = "/", method = "post", operation_id = "create_user")]
    async fn create_user(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<CreateUserInput>,
    ) -> ApiResult<CreatedUser> {
        let b = body.0;
        let input = NewUser {
            email: b.email,
            display_name: b.display_name,
            password: b.password,
            role: b.role.into(),
            department_id: b.department_id,
            organization_id: b.organization_id,
        };
        let user = users::create(&state.db, Some(&auth.0), input, state.clock.now()).await?;
        Ok(CreatedUser::Created(Json(user.into())))
    }

    /// Every account as an XLSX sheet (admins and auditors)
    #[oai(
        path = "/export.xlsx",
        method = "get",
        operation_id = "export_users_xlsx"
    )]
    async fn export_users(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<super::grants::Xlsx> {
        let bytes = users::staff_xlsx(&state.db, &auth.0).await?;
        let today = crate::clock::china_date(state.clock.now());
        Ok(super::grants::Xlsx::Ok(
            poem_openapi::payload::Binary(bytes),
            format!("attachment; filename=\"users-{today}.xlsx\""),
        ))
    }

    /// Get a user
    #[oai(path = "/:id", method = "get", operation_id = "get_user")]
    async fn get_user(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<User>> {
        Ok(Json(users::get(&state.db, &auth.0, id.0).await?.into()))
    }

    /// Change a user's role and membership
    ///
    /// Ends the user's browser sessions so the new role applies at once.
    #[oai(path = "/:id/role", method = "post", operation_id = "change_user_role")]
    async fn change_role(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ChangeRoleInput>,
    ) -> ApiResult<Json<User>> {
        let b = body.0;
        let user = users::change_role(
            &state.db,
            &auth.0,
            id.0,
            b.role.into(),
            b.department_id,
            b.organization_id,
            state.clock.now(),
        )
        .await?;
        Ok(Json(user.into()))
    }

    /// Reset a user's password
    ///
    /// The account's password stops working at once and its sessions end;
    /// a link to set a new one is mailed to it (valid 60 minutes, once).
    /// Admins only; not on oneself.
    #[oai(
        path = "/:id/password-reset",
        method = "post",
        operation_id = "force_password_reset"
    )]
    async fn force_password_reset(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<super::me::LinkRequested> {
        crate::recovery::force(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(super::me::LinkRequested::Accepted(
            poem_openapi::payload::Json(super::dto::Accepted {
                message: "the password no longer works; a link to set a new one was mailed".into(),
            }),
        ))
    }

    /// Deactivate a user
    ///
    /// The user can no longer sign in; sessions end and tokens stop working.
    #[oai(
        path = "/:id/deactivate",
        method = "post",
        operation_id = "deactivate_user"
    )]
    async fn deactivate(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<User>> {
        Ok(Json(
            users::set_active(&state.db, &auth.0, id.0, false, state.clock.now())
                .await?
                .into(),
        ))
    }

    /// Reactivate a user
    #[oai(
        path = "/:id/activate",
        method = "post",
        operation_id = "activate_user"
    )]
    async fn activate(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<User>> {
        Ok(Json(
            users::set_active(&state.db, &auth.0, id.0, true, state.clock.now())
                .await?
                .into(),
        ))
    }
}
