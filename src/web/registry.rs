//! Public registry pages: the search and an organization's profile. On the
//! profile a registrar also finds the forms to list and lift credit records,
//! award grades and revoke the registration.

use chrono::NaiveDate;
use poem::web::{Data, Form, Path, Query};
use poem::{Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::format::{authority, yuan};
use super::{
    Confirm, Fact, ShownError, Viewer, act, confirm_page, form_errors, or_again, or_fail,
    render_status, status_for,
};
use crate::app::AppState;
use crate::auth::policy;
use crate::clock::china_date;
use crate::error::{Error, Result};
use crate::pagination::PageRequest;
use crate::registry::annual_reports;
use crate::registry::credit::{self, Kind};
use crate::registry::organizations::{self as orgs, Search};
use crate::registry::rules::OrgType;

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

// ---------- search ----------

#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    org_type: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    credit_status: String,
    #[serde(default, skip_serializing)]
    cursor: Option<String>,
    #[serde(default, skip_serializing)]
    trail: Option<String>,
}

#[derive(Debug, Serialize)]
struct OrgRow {
    id: Uuid,
    name: String,
    uscc: String,
    org_type: String,
    division: String,
    status: String,
    credit_status: credit::CreditStatus,
    grade: String,
}

#[derive(Debug, Serialize)]
struct SearchPage {
    filters: SearchQuery,
    org_types: [&'static str; 3],
    statuses: [&'static str; 3],
    credit_statuses: [credit::CreditStatus; 3],
    grades: [&'static str; 5],
    rows: Vec<OrgRow>,
    next: Option<String>,
    previous: Option<String>,
    page_number: usize,
    /// How many match, and whether that is a floor ("more than").
    total: Option<(String, bool)>,
    export: String,
    errors: Vec<ShownError>,
}

/// Past this many matches a search says "more than" instead of counting on.
const COUNT_CAP: u64 = 10_000;

fn current_grade(o: &entity::organizations::Model, today: NaiveDate) -> String {
    credit::current_grade(o, today)
        .map(|g| format!("{g}A"))
        .unwrap_or_default()
}

#[handler]
pub(super) async fn search(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(filters): Query<SearchQuery>,
) -> Response {
    let r = async {
        let today = china_date(state.clock.now());
        let grade =
            match filters.grade.trim() {
                "" => None,
                g => Some(g.parse::<i16>().map_err(|_| {
                    Error::bad_input("grade", "unknown_grade", "grade must be 1 to 5")
                })?),
            };
        let search = Search {
            q: Some(filters.q.clone()),
            uscc: Some(filters.uscc.clone()),
            org_type: Some(filters.org_type.clone()),
            status: Some(filters.status.clone()),
            region: Some(filters.region.clone()),
            grade,
            credit_status: Some(filters.credit_status.clone()),
        };
        let page = PageRequest::parse(Some(50), filters.cursor.as_deref())?;
        let (rows, next) = orgs::search(&state.db, &search, &page, today).await?;
        let total = orgs::count(&state.db, &search, today, COUNT_CAP).await?;
        Ok((rows, next, today, total))
    }
    .await;
    let query = super::filters_query(&filters);
    let list = if query.is_empty() {
        "/registry?".to_owned()
    } else {
        format!("/registry?{query}&")
    };
    let trail = super::Trail::parse(filters.trail.as_deref());
    let (rows, next, total, errors) = match r {
        Ok((rows, next, today, total)) => (
            rows.iter()
                .map(|o| OrgRow {
                    id: o.id,
                    name: o.name.clone(),
                    uscc: o.uscc.clone().unwrap_or_default(),
                    org_type: o.org_type.clone(),
                    division: authority(&o.division_code, viewer.lang),
                    status: o.status.as_str().into(),
                    credit_status: o.credit_status,
                    grade: current_grade(o, today),
                })
                .collect(),
            next.map(|c| trail.next(&list, filters.cursor.as_deref(), &c)),
            Some(total),
            vec![],
        ),
        Err(e) => match form_errors(viewer.lang, &e) {
            Some(errors) => (vec![], None, None, errors),
            None => return super::fail(&state, &viewer, e),
        },
    };
    let status = if errors.is_empty() {
        poem::http::StatusCode::OK
    } else {
        poem::http::StatusCode::BAD_REQUEST
    };
    let page = SearchPage {
        filters,
        org_types: OrgType::KINDS,
        statuses: orgs::Status::ALL.map(orgs::Status::as_str),
        credit_statuses: credit::CreditStatus::ALL,
        grades: ["1", "2", "3", "4", "5"],
        rows,
        next,
        previous: trail.previous(&list),
        page_number: trail.number(),
        total: total.map(|t| match t {
            orgs::Total::Exact(n) => (super::format::count(n), false),
            orgs::Total::MoreThan(n) => (super::format::count(n), true),
        }),
        export: format!("/api/v1/organizations/export.csv?{query}"),
        errors,
    };
    render_status(
        &state,
        &viewer,
        status,
        "pages/registry/search",
        "registry-title",
        page,
    )
}

// ---------- profile ----------

#[derive(Debug, Serialize)]
struct OrgView {
    id: Uuid,
    name: String,
    uscc: String,
    uscc_legacy: bool,
    org_type: String,
    public_offering: bool,
    level: String,
    division: String,
    field: String,
    supervising_unit: String,
    address: String,
    legal_representative: String,
    business_scope: String,
    funds: String,
    registered_on: String,
    status: String,
    status_reason: String,
    active: bool,
    credit_status: credit::CreditStatus,
    grade: String,
    grade_valid_until: String,
}

#[derive(Debug, Serialize)]
struct CreditRow {
    id: Uuid,
    kind: String,
    ground: String,
    started_on: String,
    lifted_on: String,
    lift_reason: String,
    open: bool,
}

#[derive(Debug, Serialize)]
struct GradeRow {
    grade: String,
    awarded_on: String,
    valid_until: String,
}

#[derive(Debug, Serialize)]
struct ReportRow {
    year: i32,
    result: String,
    income: String,
    expenditure: String,
    net_assets: String,
    staff_count: i32,
    volunteer_count: i32,
    activities: String,
}

#[derive(Debug, Serialize)]
struct TrackRow {
    id: Uuid,
    project_id: Uuid,
    title: String,
    amount: String,
    period: String,
    status: String,
    score: String,
    overdue: usize,
}

#[derive(Debug, Serialize)]
struct ProfilePage {
    /// What the page is about, for its title.
    subject: String,
    org: OrgView,
    credit_records: Vec<CreditRow>,
    grades: Vec<GradeRow>,
    reports: Vec<ReportRow>,
    grants: Vec<TrackRow>,
    is_registrar: bool,
    is_insider: bool,
    today: String,
    errors: Vec<ShownError>,
}

async fn profile_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let today = china_date(state.clock.now());
    let o = orgs::get(state.db.conn(), id).await?;
    let records = credit::records_of(state.db.conn(), id).await?;
    let grades = credit::grades_of(state.db.conn(), id).await?;
    let reports = annual_reports::public_of(&state.db, id).await?;
    let grants = crate::grants::service::track_record(&state.db, id, today).await?;
    let is_registrar = policy::may(viewer.actor.as_ref(), policy::Action::Register);
    let is_insider = viewer
        .actor
        .as_ref()
        .is_some_and(|a| crate::auth::policy::organization_insider(a, id).is_ok());
    let page = ProfilePage {
        subject: o.name.clone(),
        org: OrgView {
            id: o.id,
            grade: current_grade(&o, today),
            grade_valid_until: if current_grade(&o, today).is_empty() {
                String::new()
            } else {
                date(o.grade_valid_until)
            },
            name: o.name,
            uscc: o.uscc.unwrap_or_default(),
            uscc_legacy: o.uscc_legacy_reason.is_some(),
            org_type: o.org_type,
            public_offering: o.public_offering,
            level: o.level,
            division: authority(&o.division_code, viewer.lang),
            field: o.field,
            supervising_unit: o.supervising_unit.unwrap_or_default(),
            address: o.address,
            legal_representative: o.legal_representative,
            business_scope: o.business_scope,
            funds: yuan(o.funds_fen),
            registered_on: date(o.registered_on),
            active: o.status == orgs::Status::Active,
            status: o.status.as_str().into(),
            status_reason: o.status_reason.unwrap_or_default(),
            credit_status: o.credit_status,
        },
        credit_records: records
            .into_iter()
            .map(|r| CreditRow {
                id: r.id,
                open: r.lifted_on.is_none(),
                kind: r.kind.as_str().into(),
                ground: r.ground,
                started_on: r.started_on.to_string(),
                lifted_on: date(r.lifted_on),
                lift_reason: r.lift_reason.unwrap_or_default(),
            })
            .collect(),
        grades: grades
            .into_iter()
            .map(|g| GradeRow {
                grade: format!("{}A", g.grade),
                awarded_on: g.awarded_on.to_string(),
                valid_until: g.valid_until.to_string(),
            })
            .collect(),
        reports: reports
            .into_iter()
            .map(|r| ReportRow {
                year: r.year,
                result: r.result.unwrap_or_default(),
                income: yuan(r.income_fen),
                expenditure: yuan(r.expenditure_fen),
                net_assets: yuan(r.net_assets_fen),
                staff_count: r.staff_count,
                volunteer_count: r.volunteer_count,
                activities: r.activities,
            })
            .collect(),
        grants: grants
            .into_iter()
            .map(|t| TrackRow {
                id: t.grant.id,
                project_id: t.grant.project_id,
                title: t.grant.title,
                amount: yuan(t.grant.amount_fen),
                period: format!("{} — {}", t.grant.service_start, t.grant.service_end),
                status: t.grant.status.as_str().into(),
                score: t
                    .grant
                    .performance_score
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                overdue: t.overdue_reports,
            })
            .collect(),
        is_registrar,
        is_insider,
        today: today.to_string(),
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/registry/profile",
        "profile-title",
        page,
    ))
}

#[handler]
pub(super) async fn profile(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = profile_page(&state, &viewer, id, vec![]).await;
    or_fail(&state, &viewer, r)
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::invalid(field, "invalid_date", "enter a date as YYYY-MM-DD"))
}

#[derive(Debug, Deserialize)]
pub(super) struct ReasonForm {
    csrf_token: String,
    reason: String,
    /// Set by the confirmation step: a revocation is final.
    #[serde(default)]
    confirmed: String,
}

/// The registrar revokes a registration, with a reason, once confirmed.
#[handler]
pub(super) async fn revoke(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<ReasonForm>,
) -> Response {
    let (state, viewer) = (&*state, &viewer);
    if form.confirmed.is_empty() {
        let r = async {
            viewer.check_csrf(&form.csrf_token)?;
            let o = orgs::check_revoke(&state.db, viewer.actor()?, id, &form.reason).await?;
            let confirm = Confirm::decision(
                "confirm-revoke",
                o.name,
                format!("/registry/{id}/revoke"),
                format!("/registry/{id}"),
            )
            .facts([
                Fact::new("uscc", o.uscc.unwrap_or_default()),
                Fact::new("reason", &form.reason),
            ])
            .fields(&vec![("reason".to_owned(), form.reason.clone())])
            .danger()
            .warning("confirm-revoke-final");
            Ok(confirm_page(state, viewer, confirm))
        }
        .await;
        return or_again(state, viewer, r, async |e| {
            profile_page(state, viewer, id, e).await
        })
        .await;
    }
    let action = async {
        orgs::revoke(
            &state.db,
            viewer.actor()?,
            id,
            &form.reason,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    act(
        state,
        viewer,
        &form.csrf_token,
        action,
        format!("/registry/{id}"),
        async |e| profile_page(state, viewer, id, e).await,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct CreditForm {
    csrf_token: String,
    kind: String,
    ground: String,
    started_on: String,
}

#[handler]
pub(super) async fn add_credit_record(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CreditForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let kind = Kind::parse(&form.kind)
            .ok_or_else(|| Error::invalid("kind", "unknown_kind", "choose a list"))?;
        let started_on = parse_date("started_on", &form.started_on)?;
        credit::add(
            &state.db,
            actor,
            id,
            kind,
            &form.ground,
            started_on,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/registry/{id}"),
        async |e| profile_page(&state, &viewer, id, e).await,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct LiftForm {
    csrf_token: String,
    reason: String,
    lifted_on: String,
}

#[handler]
pub(super) async fn lift_credit_record(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, record)): Path<(Uuid, Uuid)>,
    Form(form): Form<LiftForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let lifted_on = parse_date("lifted_on", &form.lifted_on)?;
        credit::lift(
            &state.db,
            actor,
            record,
            &form.reason,
            lifted_on,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/registry/{id}"),
        async |e| profile_page(&state, &viewer, id, e).await,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct GradeForm {
    csrf_token: String,
    grade: String,
    awarded_on: String,
}

#[handler]
pub(super) async fn award_grade(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<GradeForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let grade = form
            .grade
            .trim()
            .parse()
            .map_err(|_| Error::invalid("grade", "unknown_grade", "grade must be 1 to 5"))?;
        let awarded_on = parse_date("awarded_on", &form.awarded_on)?;
        credit::award_grade(&state.db, actor, id, grade, awarded_on, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/registry/{id}"),
        async |e| profile_page(&state, &viewer, id, e).await,
    )
    .await
}
