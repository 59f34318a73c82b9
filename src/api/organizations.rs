//! `/organizations`: the public registry and profiles; members and
//! invitations; revocation, credit records and grades by registrars.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::List;
use super::registry_dto::{
    CreditKindDto, CreditRecord, CreditRecordInput, Grade, GradeInput, Invitation, InviteInput,
    LiftInput, Member, Members, OrgTypeDto, Organization, OrganizationPage, OrganizationProfile,
    ReasonInput,
};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::clock::china_date;
use crate::pagination::PageRequest;
use crate::registry::credit::{self, Kind};
use crate::registry::members::{self, Answer};
use crate::registry::organizations::{self as orgs, Search};
use crate::registry::{annual_reports, import};

/// The registry.
pub struct OrganizationsApi;

/// Something created.
#[derive(ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

/// Nothing to say.
#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

/// A CSV file.
#[derive(ApiResponse)]
pub enum Csv {
    /// The file.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(Binary<poem::Body>),
}

fn org_type_str(t: OrgTypeDto) -> &'static str {
    match t {
        OrgTypeDto::SocialGroup => "social_group",
        OrgTypeDto::Foundation => "foundation",
        OrgTypeDto::SocialServiceAgency => "social_service_agency",
    }
}

#[OpenApi(prefix_path = "/organizations", tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// Search the public registry
    ///
    /// `q` matches any part of the name (`养老` finds `阳光养老服务中心`);
    /// `region` is a division code and includes its subdivisions.
    #[oai(path = "/", method = "get", operation_id = "search_organizations")]
    #[allow(clippy::too_many_arguments)]
    async fn search_organizations(
        &self,
        state: Data<&AppState>,
        /// Part of the name.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Exact Unified Social Credit Code.
        #[oai(validator(pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"))]
        uscc: Query<Option<String>>,
        /// Kind of organization.
        org_type: Query<Option<OrgTypeDto>>,
        /// `active`, `deregistered` or `revoked`.
        #[oai(validator(pattern = r"^(active|deregistered|revoked)$"))]
        status: Query<Option<String>>,
        /// Division code of the region.
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Current grade, 1-5.
        #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
        grade: Query<Option<i16>>,
        /// `none`, `abnormal` or `dishonest`.
        #[oai(validator(pattern = r"^(none|abnormal|dishonest)$"))]
        credit_status: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = r"^([A-Za-z0-9_-]{21}[AQgw])?$"))]
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<OrganizationPage>> {
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let search = Search {
            q: q.0,
            uscc: uscc.0,
            org_type: org_type.0.map(|t| org_type_str(t).to_owned()),
            status: status.0,
            region: region.0,
            grade: grade.0,
            credit_status: credit_status.0,
        };
        let today = china_date(state.clock.now());
        let (items, next_cursor) = orgs::search(&state.db, &search, &page, today).await?;
        Ok(Json(OrganizationPage {
            items: items
                .into_iter()
                .map(|o| Organization::from_model(o, today))
                .collect(),
            next_cursor,
        }))
    }

    /// Export the public registry as CSV
    ///
    /// The columns of `cogov import organizations`, plus `credit_status` and
    /// `grade_valid_until`. Takes the search's filters.
    #[oai(
        path = "/export.csv",
        method = "get",
        operation_id = "export_organizations"
    )]
    async fn export_organizations(
        &self,
        state: Data<&AppState>,
        /// Part of the name.
        #[oai(validator(max_length = 100))]
        q: Query<Option<String>>,
        /// Kind of organization.
        org_type: Query<Option<OrgTypeDto>>,
        /// Division code of the region.
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
    ) -> ApiResult<Csv> {
        let search = Search {
            q: q.0,
            org_type: org_type.0.map(|t| org_type_str(t).to_owned()),
            region: region.0,
            ..Search::default()
        };
        let today = china_date(state.clock.now());
        // Unknown filter values are refused before the first byte.
        import::export_page(&state.db, &search, today, None).await?;
        let pages = import::export_stream(state.db.clone(), search, today);
        Ok(Csv::Ok(Binary(super::body::streamed(
            pages,
            "organizations.csv",
        ))))
    }

    /// Public profile of an organization
    #[oai(path = "/:id", method = "get", operation_id = "get_organization")]
    async fn get_organization(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> ApiResult<Json<OrganizationProfile>> {
        let today = china_date(state.clock.now());
        let org = orgs::get(state.db.conn(), id.0).await?;
        let credit_records = credit::records_of(state.db.conn(), id.0).await?;
        let grades = credit::grades_of(state.db.conn(), id.0).await?;
        let reports = annual_reports::public_of(&state.db, id.0).await?;
        let grants = crate::grants::service::track_record(&state.db, id.0, today).await?;
        Ok(Json(OrganizationProfile {
            organization: Organization::from_model(org, today),
            credit_records: credit_records.into_iter().map(Into::into).collect(),
            grades: grades.into_iter().map(Into::into).collect(),
            annual_reports: reports.into_iter().map(Into::into).collect(),
            grants: grants.into_iter().map(Into::into).collect(),
        }))
    }

    /// Revoke an organization's registration (registrar)
    ///
    /// The organization also goes on the dishonest list.
    #[oai(
        path = "/:id/revoke",
        method = "post",
        operation_id = "revoke_organization"
    )]
    async fn revoke_organization(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<ReasonInput>,
    ) -> ApiResult<Json<Organization>> {
        let now = state.clock.now();
        let o = orgs::revoke(&state.db, &auth.0, id.0, &body.reason, now).await?;
        Ok(Json(Organization::from_model(o, china_date(now))))
    }

    /// List an organization's members and pending invitations
    ///
    /// For the organization's own people, registrars and auditors.
    #[oai(path = "/:id/members", method = "get", operation_id = "list_members")]
    async fn list_members(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Members>> {
        let (users, invitations) = members::members_of(&state.db, &auth.0, id.0).await?;
        Ok(Json(Members {
            members: users
                .into_iter()
                .map(|u| Member {
                    id: u.id,
                    display_name: u.display_name,
                    email: u.email,
                    role: u.role,
                })
                .collect(),
            invitations: invitations.into_iter().map(Into::into).collect(),
        }))
    }

    /// Invite someone by e-mail (org admin)
    #[oai(
        path = "/:id/invitations",
        method = "post",
        operation_id = "invite_member"
    )]
    async fn invite_member(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<InviteInput>,
    ) -> ApiResult<Created<Invitation>> {
        let i = members::invite(&state.db, &auth.0, id.0, &body.email, state.clock.now()).await?;
        Ok(Created::Created(Json(i.into())))
    }

    /// Remove a member (org admin)
    #[oai(
        path = "/:id/members/:user_id/remove",
        method = "post",
        operation_id = "remove_member"
    )]
    async fn remove_member(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        user_id: Path<Uuid>,
    ) -> ApiResult<Done> {
        members::remove(&state.db, &auth.0, id.0, user_id.0, state.clock.now()).await?;
        Ok(Done::NoContent)
    }

    /// List an organization on the abnormal or dishonest list (registrar)
    #[oai(
        path = "/:id/credit-records",
        method = "post",
        operation_id = "add_credit_record"
    )]
    async fn add_credit_record(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<CreditRecordInput>,
    ) -> ApiResult<Created<CreditRecord>> {
        let kind = match body.kind {
            CreditKindDto::Abnormal => Kind::Abnormal,
            CreditKindDto::Dishonest => Kind::Dishonest,
        };
        let r = credit::add(
            &state.db,
            &auth.0,
            id.0,
            kind,
            &body.ground,
            body.started_on,
            state.clock.now(),
        )
        .await?;
        Ok(Created::Created(Json(r.into())))
    }

    /// Award an evaluation grade (registrar)
    #[oai(path = "/:id/grades", method = "post", operation_id = "award_grade")]
    async fn award_grade(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<GradeInput>,
    ) -> ApiResult<Created<Grade>> {
        let g = credit::award_grade(
            &state.db,
            &auth.0,
            id.0,
            body.grade,
            body.awarded_on,
            state.clock.now(),
        )
        .await?;
        Ok(Created::Created(Json(g.into())))
    }
}

/// Lifting credit records.
pub struct CreditRecordsApi;

#[OpenApi(prefix_path = "/credit-records", tag = "ApiTags::Organizations")]
impl CreditRecordsApi {
    /// Lift a listing (registrar)
    #[oai(
        path = "/:id/lift",
        method = "post",
        operation_id = "lift_credit_record"
    )]
    async fn lift_credit_record(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
        body: JsonBody<LiftInput>,
    ) -> ApiResult<Json<CreditRecord>> {
        let r = credit::lift(
            &state.db,
            &auth.0,
            id.0,
            &body.reason,
            body.lifted_on,
            state.clock.now(),
        )
        .await?;
        Ok(Json(r.into()))
    }
}

/// Invitations addressed to the caller.
pub struct InvitationsApi;

#[OpenApi(prefix_path = "/invitations", tag = "ApiTags::Organizations")]
impl InvitationsApi {
    /// List my pending invitations
    #[oai(path = "/", method = "get", operation_id = "list_my_invitations")]
    async fn list_my_invitations(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<List<Invitation>>> {
        let list = members::my_invitations(&state.db, &auth.0).await?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Accept an invitation and join the organization
    #[oai(
        path = "/:id/accept",
        method = "post",
        operation_id = "accept_invitation"
    )]
    async fn accept_invitation(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Invitation>> {
        answer(&state, &auth, id.0, Answer::Accept).await
    }

    /// Decline an invitation
    #[oai(
        path = "/:id/decline",
        method = "post",
        operation_id = "decline_invitation"
    )]
    async fn decline_invitation(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Invitation>> {
        answer(&state, &auth, id.0, Answer::Decline).await
    }

    /// Revoke an invitation (the organization's org admin)
    #[oai(
        path = "/:id/revoke",
        method = "post",
        operation_id = "revoke_invitation"
    )]
    async fn revoke_invitation(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Invitation>> {
        answer(&state, &auth, id.0, Answer::Revoke).await
    }
}

async fn answer(
    state: &AppState,
    auth: &TokenAuth,
    id: Uuid,
    answer: Answer,
) -> ApiResult<Json<Invitation>> {
    let i = members::answer(&state.db, &auth.0, id, answer, state.clock.now()).await?;
    Ok(Json(i.into()))
}
