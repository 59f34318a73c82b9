//! Admin pages: users (auditors may read), departments and the holiday calendar.

use chrono::{Datelike, NaiveDate};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    CsrfForm, ShownError, Viewer, form_errors, form_or_fail, or_fail, render, render_status,
};
use crate::app::AppState;
use crate::auth::Role;
use crate::auth::policy::{self, Action};
use crate::auth::users::{self as accounts, Filter, NewUser};
use crate::calendar::{self, DayKind};
use crate::departments::{self as depts, DepartmentInput};
use crate::error::{Error, Result};
use crate::pagination::PageRequest;

#[derive(Debug, Serialize)]
struct Option_ {
    value: String,
    label: String,
}

async fn department_options(state: &AppState) -> Result<Vec<Option_>> {
    let page = PageRequest::parse(Some(100), None)?;
    let (rows, _) = depts::list(&state.db, Some(true), &page).await?;
    Ok(rows
        .into_iter()
        .map(|d| Option_ {
            value: d.id.to_string(),
            label: format!("{} ({})", d.name, d.code),
        })
        .collect())
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

// ---------- users ----------

#[derive(Debug, Deserialize)]
pub(super) struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    active: bool,
}

#[derive(Debug, Serialize)]
struct UsersPage {
    q: String,
    role: String,
    roles: Vec<&'static str>,
    users: Vec<UserRow>,
    next: Option<String>,
    can_manage: bool,
}

/// The administration page: one place for what the menu groups.
#[handler]
pub(super) async fn index(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        if !policy::Menu::of(actor).admin {
            return Err(Error::forbidden(
                "administration is for admins and auditors",
            ));
        }
        Ok(render(
            &state,
            &viewer,
            "pages/admin/index",
            "nav-admin",
            (),
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn users(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<UsersQuery>,
) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        let role = q
            .role
            .as_deref()
            .filter(|r| !r.is_empty())
            .and_then(|r| r.parse::<Role>().ok());
        let page = PageRequest::parse(Some(50), q.cursor.as_deref())?;
        let filter = Filter {
            role,
            active: None,
            q: q.q.clone(),
        };
        let (rows, next_cursor) = accounts::list(&state.db, actor, &filter, &page).await?;
        let next = next_cursor.map(|c| {
            format!(
                "/admin/users?q={}&role={}&cursor={c}",
                urlencoding::encode(q.q.as_deref().unwrap_or_default()),
                role.map_or("", Role::as_str)
            )
        });
        let page = UsersPage {
            q: q.q.clone().unwrap_or_default(),
            role: role.map_or_else(String::new, |r| r.as_str().to_owned()),
            roles: role_names(),
            users: rows
                .into_iter()
                .map(|u| UserRow {
                    id: u.id,
                    email: u.email,
                    display_name: u.display_name,
                    role: u.role,
                    active: u.active,
                })
                .collect(),
            next,
            can_manage: policy::check(Some(actor), Action::ManageUsers).is_ok(),
        };
        Ok(render(
            &state,
            &viewer,
            "pages/admin/users",
            "users-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Default, Serialize)]
struct NewUserPage {
    email: String,
    display_name: String,
    role: String,
    roles: Vec<&'static str>,
    departments: Vec<Option_>,
    department_id: String,
    errors: Vec<ShownError>,
}

#[handler]
pub(super) async fn new_user(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = async {
        policy::check(viewer.actor.as_ref(), Action::ManageUsers)?;
        let page = NewUserPage {
            role: "registrar".into(),
            roles: role_names(),
            departments: department_options(&state).await?,
            ..NewUserPage::default()
        };
        Ok(render(
            &state,
            &viewer,
            "pages/admin/user_new",
            "user-new-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct NewUserForm {
    csrf_token: String,
    email: String,
    display_name: String,
    password: String,
    role: String,
    department_id: Option<String>,
    organization_id: Option<String>,
}

fn parse_opt_uuid(field: &str, v: Option<&str>) -> Result<Option<Uuid>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| Error::invalid(field, "invalid_id", "not a valid id")),
    }
}

fn parse_role(v: &str) -> Result<Role> {
    v.parse()
        .map_err(|_| Error::invalid("role", "unknown_role", "unknown role"))
}

#[handler]
pub(super) async fn create_user(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<NewUserForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let attempt = async {
            let input = NewUser {
                email: form.email.clone(),
                display_name: form.display_name.clone(),
                password: form.password.clone(),
                role: parse_role(&form.role)?,
                department_id: parse_opt_uuid("department_id", form.department_id.as_deref())?,
                organization_id: parse_opt_uuid(
                    "organization_id",
                    form.organization_id.as_deref(),
                )?,
            };
            accounts::create(&state.db, Some(actor), input, state.clock.now()).await
        };
        match attempt.await {
            Ok(u) => Ok(Redirect::see_other(format!("/admin/users/{}", u.id)).into_response()),
            Err(e) => {
                let options = department_options(&state).await?;
                form_or_fail(
                    &state,
                    &viewer,
                    e,
                    "pages/admin/user_new",
                    "user-new-title",
                    |errors| {
                        Ok(NewUserPage {
                            email: form.email.clone(),
                            display_name: form.display_name.clone(),
                            role: form.role.clone(),
                            roles: role_names(),
                            departments: options,
                            department_id: form.department_id.clone().unwrap_or_default(),
                            errors,
                        })
                    },
                )
            }
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Serialize)]
struct UserPage {
    user: UserRow,
    department_id: String,
    organization_id: String,
    roles: Vec<&'static str>,
    departments: Vec<Option_>,
    can_manage: bool,
    is_self: bool,
    errors: Vec<ShownError>,
    reset_sent: bool,
}

async fn user_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<ShownError>,
    reset_sent: bool,
) -> Result<Response> {
    let actor = viewer.actor()?;
    let u = accounts::get(&state.db, actor, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserPage {
        department_id: u.department_id.map(|d| d.to_string()).unwrap_or_default(),
        organization_id: u.organization_id.map(|d| d.to_string()).unwrap_or_default(),
        user: UserRow {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
        },
        roles: role_names(),
        departments: department_options(state).await?,
        can_manage: policy::check(Some(actor), Action::ManageUsers).is_ok(),
        is_self: actor.user_id == id,
        errors,
        reset_sent,
    };
    Ok(render_status(
        state,
        viewer,
        status,
        "pages/admin/user",
        "user-title",
        page,
    ))
}

#[handler]
pub(super) async fn user(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(q): Query<UserQuery>,
) -> Response {
    let r = user_page(&state, &viewer, id, vec![], q.reset.is_some()).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct UserQuery {
    reset: Option<String>,
}

/// An admin resets another account's password: it stops working, and a
/// link to set a new one is mailed.
#[handler]
pub(super) async fn force_password_reset(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<super::CsrfForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        crate::recovery::force(&state.db, viewer.actor()?, id, state.clock.now()).await?;
        Ok(Redirect::see_other(format!("/admin/users/{id}?reset=1")).into_response())
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    csrf_token: String,
    role: String,
    department_id: Option<String>,
    organization_id: Option<String>,
}

#[handler]
pub(super) async fn change_role(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<RoleForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let attempt = async {
            let role = parse_role(&form.role)?;
            let dept = parse_opt_uuid("department_id", form.department_id.as_deref())?;
            let org = parse_opt_uuid("organization_id", form.organization_id.as_deref())?;
            accounts::change_role(&state.db, actor, id, role, dept, org, state.clock.now()).await
        };
        match attempt.await {
            Ok(_) => Ok(Redirect::see_other(format!("/admin/users/{id}")).into_response()),
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => user_page(&state, &viewer, id, errors, false).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct ActiveForm {
    csrf_token: String,
    active: String,
}

#[handler]
pub(super) async fn set_active(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<ActiveForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let active = form.active == "true";
        match accounts::set_active(&state.db, viewer.actor()?, id, active, state.clock.now()).await
        {
            Ok(_) => Ok(Redirect::see_other(format!("/admin/users/{id}")).into_response()),
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => user_page(&state, &viewer, id, errors, false).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- departments ----------

#[derive(Debug, Default, Serialize)]
struct DepartmentForm_ {
    code: String,
    name: String,
    division_code: String,
    uscc: String,
    active: bool,
}

#[derive(Debug, Serialize)]
struct DepartmentRow {
    id: Uuid,
    code: String,
    name: String,
    division: String,
    uscc: Option<String>,
    active: bool,
}

#[derive(Debug, Serialize)]
struct DepartmentsPage {
    departments: Vec<DepartmentRow>,
    form: DepartmentForm_,
    errors: Vec<ShownError>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CursorQuery {
    cursor: Option<String>,
}

async fn departments_page(
    state: &AppState,
    viewer: &Viewer,
    cursor: Option<&str>,
    form: DepartmentForm_,
    errors: Vec<ShownError>,
) -> Result<Response> {
    policy::check(viewer.actor.as_ref(), Action::ManageDepartments)?;
    let page = PageRequest::parse(Some(50), cursor)?;
    let (rows, next_cursor) = depts::list(&state.db, None, &page).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DepartmentsPage {
        departments: rows
            .into_iter()
            .map(|d| DepartmentRow {
                division: crate::divisions::lookup(&d.division_code).map_or_else(
                    || d.division_code.clone(),
                    |v| format!("{} {}", d.division_code, v.name),
                ),
                id: d.id,
                code: d.code,
                name: d.name,
                uscc: d.uscc,
                active: d.active,
            })
            .collect(),
        form,
        errors,
        next: next_cursor.map(|c| format!("/admin/departments?cursor={c}")),
    };
    Ok(render_status(
        state,
        viewer,
        status,
        "pages/admin/departments",
        "departments-title",
        page,
    ))
}

#[handler]
pub(super) async fn departments(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<CursorQuery>,
) -> Response {
    let form = DepartmentForm_ {
        active: true,
        ..DepartmentForm_::default()
    };
    let r = departments_page(&state, &viewer, q.cursor.as_deref(), form, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct DepartmentFormIn {
    csrf_token: String,
    code: String,
    name: String,
    division_code: String,
    #[serde(default)]
    uscc: String,
    active: Option<String>,
}

impl DepartmentFormIn {
    fn input(&self) -> DepartmentInput {
        DepartmentInput {
            code: self.code.clone(),
            name: self.name.clone(),
            division_code: self.division_code.clone(),
            uscc: Some(self.uscc.clone()),
            active: self.active.is_some(),
        }
    }

    fn echo(&self) -> DepartmentForm_ {
        DepartmentForm_ {
            code: self.code.clone(),
            name: self.name.clone(),
            division_code: self.division_code.clone(),
            uscc: self.uscc.clone(),
            active: self.active.is_some(),
        }
    }
}

#[handler]
pub(super) async fn create_department(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<DepartmentFormIn>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        match depts::create(
            &state.db,
            Some(viewer.actor()?),
            form.input(),
            state.clock.now(),
        )
        .await
        {
            Ok(_) => Ok(Redirect::see_other("/admin/departments").into_response()),
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => departments_page(&state, &viewer, None, form.echo(), errors).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Serialize)]
struct DepartmentPage {
    id: Uuid,
    form: DepartmentForm_,
    errors: Vec<ShownError>,
}

#[handler]
pub(super) async fn department(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        policy::check(viewer.actor.as_ref(), Action::ManageDepartments)?;
        let d = depts::get(&state.db, id).await?;
        let page = DepartmentPage {
            id,
            form: DepartmentForm_ {
                code: d.code,
                name: d.name,
                division_code: d.division_code,
                uscc: d.uscc.unwrap_or_default(),
                active: d.active,
            },
            errors: vec![],
        };
        Ok(render(
            &state,
            &viewer,
            "pages/admin/department",
            "department-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn update_department(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DepartmentFormIn>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        match depts::update(
            &state.db,
            viewer.actor()?,
            id,
            form.input(),
            state.clock.now(),
        )
        .await
        {
            Ok(_) => Ok(Redirect::see_other("/admin/departments").into_response()),
            Err(e) => form_or_fail(
                &state,
                &viewer,
                e,
                "pages/admin/department",
                "department-title",
                |errors| {
                    Ok(DepartmentPage {
                        id,
                        form: form.echo(),
                        errors,
                    })
                },
            ),
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- holidays ----------

#[derive(Debug, Deserialize)]
pub(super) struct YearQuery {
    year: Option<i32>,
}

#[derive(Debug, Serialize)]
struct DayRow {
    day: String,
    weekday: String,
    kind: String,
    name: String,
}

#[derive(Debug, Serialize)]
struct HolidaysPage {
    year: i32,
    prev_year: i32,
    next_year: i32,
    days: Vec<DayRow>,
    day: String,
    kind: String,
    name: String,
    errors: Vec<ShownError>,
}

async fn holidays_page(
    state: &AppState,
    viewer: &Viewer,
    year: Option<i32>,
    echo: (String, String, String),
    errors: Vec<ShownError>,
) -> Result<Response> {
    policy::check(viewer.actor.as_ref(), Action::ManageCalendar)?;
    let year = year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| {
            state
                .clock
                .now()
                .with_timezone(&state.settings.timezone)
                .year()
        });
    let days = calendar::list_year(state.db.conn(), year).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = HolidaysPage {
        year,
        prev_year: year - 1,
        next_year: year + 1,
        days: days
            .into_iter()
            .map(|d| DayRow {
                day: d.day.to_string(),
                weekday: format!("weekday-{}", d.day.format("%a").to_string().to_lowercase()),
                kind: d.kind,
                name: d.name,
            })
            .collect(),
        day: echo.0,
        kind: echo.1,
        name: echo.2,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status,
        "pages/admin/holidays",
        "holidays-title",
        page,
    ))
}

#[handler]
pub(super) async fn holidays(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<YearQuery>,
) -> Response {
    let r = holidays_page(
        &state,
        &viewer,
        q.year,
        (String::new(), "holiday".into(), String::new()),
        vec![],
    )
    .await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct HolidayForm {
    csrf_token: String,
    day: String,
    kind: String,
    name: String,
}

#[handler]
pub(super) async fn set_holiday(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<HolidayForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let attempt = async {
            let day = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d")
                .map_err(|_| Error::invalid("day", "invalid_date", "enter a date as YYYY-MM-DD"))?;
            let kind = DayKind::parse(&form.kind)?;
            calendar::set_day(&state.db, actor, day, kind, &form.name, state.clock.now()).await
        };
        match attempt.await {
            Ok(saved) => Ok(Redirect::see_other(format!(
                "/admin/holidays?year={}",
                saved.day.year()
            ))
            .into_response()),
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => {
                    let echo = (form.day.clone(), form.kind.clone(), form.name.clone());
                    let year = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d")
                        .ok()
                        .map(|d| d.year());
                    holidays_page(&state, &viewer, year, echo, errors).await
                }
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn remove_holiday(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(day): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|_| Error::NotFound("calendar day"))?;
        calendar::remove_day(&state.db, viewer.actor()?, day, state.clock.now()).await?;
        Ok(Redirect::see_other(format!("/admin/holidays?year={}", day.year())).into_response())
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- required materials ----------

#[derive(Debug, Serialize)]
struct RequirementKind {
    kind: &'static str,
    labels: Vec<(&'static str, bool)>,
}

#[derive(Debug, Serialize)]
struct RequirementsPage {
    kinds: Vec<RequirementKind>,
    saved: bool,
    errors: Vec<ShownError>,
}

async fn requirements_page(
    state: &AppState,
    viewer: &Viewer,
    saved: bool,
    errors: Vec<ShownError>,
) -> Result<Response> {
    use crate::registry::materials;
    use crate::registry::particulars::Kind;
    policy::check(Some(viewer.actor()?), Action::ManageCatalog)?;
    let mut kinds = Vec::new();
    for kind in [Kind::Registration, Kind::Change, Kind::Deregistration] {
        let required = materials::required(state.db.conn(), kind).await?;
        kinds.push(RequirementKind {
            kind: kind.as_str(),
            labels: crate::files::APPLICATION_LABELS
                .iter()
                .filter(|l| **l != "other")
                .map(|l| (*l, required.iter().any(|r| r == l)))
                .collect(),
        });
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        state,
        viewer,
        status,
        "pages/admin/requirements",
        "requirements-title",
        RequirementsPage {
            kinds,
            saved,
            errors,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

#[handler]
pub(super) async fn requirements(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<SavedQuery>,
) -> Response {
    let r = requirements_page(&state, &viewer, q.saved.is_some(), vec![]).await;
    or_fail(&state, &viewer, r)
}

/// Saves the documents one kind of application requires: the checked
/// labels, in the checklist's order.
#[handler]
pub(super) async fn set_requirements(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(kind): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let r = async {
        let csrf = pairs
            .iter()
            .find(|(k, _)| k == "csrf_token")
            .map_or("", |(_, v)| v.as_str());
        viewer.check_csrf(csrf)?;
        let kind = crate::registry::particulars::Kind::parse(&kind)
            .ok_or(Error::NotFound("application kind"))?;
        let labels: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "label")
            .map(|(_, v)| v.clone())
            .collect();
        match crate::registry::materials::set(
            &state.db,
            viewer.actor()?,
            kind,
            &labels,
            state.clock.now(),
        )
        .await
        {
            Ok(_) => Ok(Redirect::see_other("/admin/requirements?saved=1").into_response()),
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => requirements_page(&state, &viewer, false, errors).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}
