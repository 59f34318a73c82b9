//! The REST API under `/api/v1` (poem-openapi): one struct per resource,
//! thin handlers that parse, call the area module and map the result. Every
//! error is `application/problem+json` (see [`problem`]).

pub mod annual_reports;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod award;
pub mod bids;
pub mod body;
pub mod calendar;
pub mod catalog;
pub mod departments;
pub mod document;
pub mod dto;
pub mod files;
pub mod grants;
pub mod hardening;
pub mod idempotency;
pub mod me;
pub mod notifications;
pub mod open;
pub mod organizations;
pub mod panels;
pub mod problem;
pub mod projects;
pub mod registry_dto;
pub mod site;
pub mod users;
pub mod webhooks;

use poem_openapi::{OpenApiService, Tags};

/// Operation groups of the document.
#[derive(Tags)]
pub enum ApiTags {
    /// Sign-up and one's own account and tokens.
    Accounts,
    /// User administration.
    Users,
    /// Government departments.
    Departments,
    /// Working-day calendar.
    Calendar,
    /// The audit chain.
    Audit,
    /// Registration, change and deregistration applications.
    Applications,
    /// The registry: organizations, members, annual reports, credit records, grades.
    Organizations,
    /// Uploads and downloads.
    Files,
    /// Procurement of services: the catalog and projects.
    Procurement,
    /// Grants: installments, reports, payments.
    Grants,
    /// Open data: the change feed and OCDS.
    OpenData,
    /// The site's identity.
    Site,
}

/// Result of every operation.
pub type ApiResult<T> = Result<T, problem::ApiError>;

/// Every operation group of the API (procurement and webhooks nested:
/// poem-openapi implements tuples of up to 16).
pub type Apis = (
    me::AccountsApi,
    me::MeApi,
    notifications::NotificationsApi,
    users::UsersApi,
    departments::DepartmentsApi,
    calendar::CalendarApi,
    audit::AuditApi,
    applications::ApplicationsApi,
    organizations::OrganizationsApi,
    organizations::CreditRecordsApi,
    organizations::InvitationsApi,
    annual_reports::AnnualReportsApi,
    files::FilesApi,
    grants::GrantsApi,
    open::OpenDataApi,
    (
        catalog::CatalogApi,
        projects::ProjectsApi,
        bids::BidsApi,
        panels::PanelsApi,
        panels::ScoringApi,
        award::AwardApi,
        webhooks::WebhooksApi,
        site::SiteApi,
    ),
);

/// The API with its OpenAPI document.
#[must_use]
pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            me::AccountsApi,
            me::MeApi,
            notifications::NotificationsApi,
            users::UsersApi,
            departments::DepartmentsApi,
            calendar::CalendarApi,
            audit::AuditApi,
            applications::ApplicationsApi,
            organizations::OrganizationsApi,
            organizations::CreditRecordsApi,
            organizations::InvitationsApi,
            annual_reports::AnnualReportsApi,
            files::FilesApi,
            grants::GrantsApi,
            open::OpenDataApi,
            (
                catalog::CatalogApi,
                projects::ProjectsApi,
                bids::BidsApi,
                panels::PanelsApi,
                panels::ScoringApi,
                award::AwardApi,
                webhooks::WebhooksApi,
                site::SiteApi,
            ),
        ),
        "cogov API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Social organization registry and government procurement portal. \
         Errors are application/problem+json (RFC 9457). Lists take `limit` \
         (1-100, default 20) and an opaque `cursor`, and answer `{items, next_cursor}`. \
         Money is integer fen; times are RFC 3339 UTC.",
    )
    .server("/api/v1")
}

/// The OpenAPI document as `cogov openapi` prints it, `/api/v1/openapi.json`
/// serves it and `openapi/openapi.json` holds it: what poem-openapi derives,
/// with the rules the boundary enforces for every operation ([`document`]).
#[must_use]
pub fn spec_json() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&service().spec())
        .unwrap_or_else(|e| unreachable!("poem-openapi writes JSON: {e}"));
    document::add_boundary_rules(&mut doc);
    let mut s = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| unreachable!("a JSON value serialises: {e}"));
    s.push('\n');
    s
}
