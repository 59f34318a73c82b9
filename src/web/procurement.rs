//! Procurement pages: the public project list and detail (with the opening
//! record), the purchaser's workspace and project forms, and the
//! organization's eligibility check, bid form and bids with receipts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Confirm, CsrfForm, Fact, ShownError, Viewer, act, confirm_page, or_again, or_fail,
    render_status, status_for,
};
use crate::app::AppState;
use crate::auth::policy;
use crate::error::{Error, FieldError, Result};
use crate::money::Fen;
use crate::pagination::PageRequest;
use crate::procurement::bids::{self, BidInput};
use crate::procurement::catalog;
use crate::procurement::projects::{self, Filter, Project, ProjectInput};
use crate::procurement::rules::{self, Criterion, Method, Rule, Status};
use crate::web::format::{place, yuan};

use super::local_time as local;

/// A `datetime-local` value read as Beijing time.
fn parse_local(field: &str, s: &str) -> Result<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| Error::invalid(field, "invalid_datetime", "enter a date and time"))?;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::invalid(field, "invalid_datetime", "enter a date and time"))
}

fn yuan_field(errors: &mut Vec<FieldError>, field: &str, s: &str) -> Option<i64> {
    if s.trim().is_empty() {
        return None;
    }
    match Fen::from_yuan_str(s) {
        Ok(f) => Some(f.0),
        Err(e) => {
            errors.push(FieldError::new(field, "invalid_amount", e.to_string()));
            None
        }
    }
}

#[derive(Debug, Serialize)]
struct CategoryOption {
    id: Uuid,
    label: String,
}

async fn category_options(state: &AppState, viewer: &Viewer) -> Result<Vec<CategoryOption>> {
    let all = catalog::list(&state.db, true).await?;
    Ok(options_of(&all, viewer))
}

async fn category_name(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<String> {
    let c = catalog::get(state.db.conn(), id).await?;
    Ok(if viewer.lang.tag() == "en" {
        c.name_en
    } else {
        c.name_zh
    })
}

/// The catalog's active categories as choices of a form.
fn options_of(all: &[entity::catalog_categories::Model], viewer: &Viewer) -> Vec<CategoryOption> {
    all.iter()
        .filter(|c| c.active)
        .map(|c| {
            let name = if viewer.lang.tag() == "en" {
                &c.name_en
            } else {
                &c.name_zh
            };
            let indent = if c.parent_id.is_some() { "　" } else { "" };
            CategoryOption {
                id: c.id,
                label: format!("{indent}{} {name}", c.code),
            }
        })
        .collect()
}

// ---------- public list ----------

#[derive(Debug, Default, Deserialize, Serialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    budget_min: String,
    #[serde(default)]
    budget_max: String,
    #[serde(default)]
    deadline_from: String,
    #[serde(default)]
    deadline_to: String,
    #[serde(default, skip_serializing)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct ProjectRow {
    id: Uuid,
    number: String,
    title: String,
    category: String,
    region: String,
    budget: String,
    method: String,
    deadline: String,
    status: String,
}

#[derive(Debug, Serialize)]
struct ListPage {
    filters: ListQuery,
    statuses: Vec<&'static str>,
    categories: Vec<CategoryOption>,
    rows: Vec<ProjectRow>,
    next: Option<String>,
    errors: Vec<ShownError>,
    mine: bool,
}

/// The rows of a list, their categories named from `catalog` (the whole
/// catalog, retired categories included: read once, not once a row).
fn rows(
    state: &AppState,
    viewer: &Viewer,
    list: Vec<Project>,
    catalog: &[entity::catalog_categories::Model],
) -> Vec<ProjectRow> {
    let names: std::collections::HashMap<Uuid, &str> = catalog
        .iter()
        .map(|c| {
            let name = if viewer.lang.tag() == "en" {
                &c.name_en
            } else {
                &c.name_zh
            };
            (c.id, name.as_str())
        })
        .collect();
    let mut out = Vec::new();
    for p in list {
        out.push(ProjectRow {
            id: p.row.id,
            category: names
                .get(&p.row.category_id)
                .map_or_else(String::new, |n| (*n).to_owned()),
            region: place(&p.row.region_code, viewer.lang),
            budget: yuan(p.row.budget_fen),
            method: p.row.method.clone(),
            deadline: local(state, p.row.bid_deadline),
            status: p.row.status.as_str().into(),
            number: p.row.number,
            title: p.row.title,
        });
    }
    out
}

fn date_start(field: &str, s: &str) -> Result<Option<DateTime<Utc>>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let d: NaiveDate = s
        .trim()
        .parse()
        .map_err(|_| Error::bad_input(field, "invalid_date", "enter a date as YYYY-MM-DD"))?;
    Ok(parse_local(field, &format!("{d}T00:00")).ok())
}

async fn list_page(state: &AppState, viewer: &Viewer, filters: ListQuery, mine: bool) -> Response {
    let r = async {
        let mut errors = Vec::new();
        let budget_min_fen = yuan_field(&mut errors, "budget_min", &filters.budget_min);
        let budget_max_fen = yuan_field(&mut errors, "budget_max", &filters.budget_max);
        if !errors.is_empty() {
            return Err(Error::BadInput(errors));
        }
        let filter = Filter {
            status: Status::parse(filters.status.trim()),
            category_id: filters.category_id.trim().parse().ok(),
            region: Some(filters.region.clone()),
            budget_min_fen,
            budget_max_fen,
            deadline_from: date_start("deadline_from", &filters.deadline_from)?,
            deadline_to: date_start("deadline_to", &filters.deadline_to)?
                .map(|t| t + chrono::Duration::days(1)),
            q: Some(filters.q.clone()),
            mine,
        };
        let page = PageRequest::parse(Some(50), filters.cursor.as_deref())?;
        projects::list(&state.db, viewer.actor.as_ref(), &filter, &page).await
    }
    .await;
    let (list, next, errors) = match r {
        Ok((list, next)) => (list, next, vec![]),
        Err(e) => match super::form_errors(viewer.lang, &e) {
            Some(errors) => (vec![], None, errors),
            None => return super::fail(state, viewer, e),
        },
    };
    let built = async {
        let catalog = catalog::list(&state.db, false).await?;
        let page = ListPage {
            next: next.map(|c| {
                format!(
                    "{}?{}&cursor={c}",
                    if mine { "/purchaser" } else { "/projects" },
                    super::filters_query(&filters)
                )
            }),
            statuses: Status::ALL
                .iter()
                .map(|s| s.as_str())
                .filter(|s| mine || *s != "draft")
                .collect(),
            categories: options_of(&catalog, viewer),
            rows: rows(state, viewer, list, &catalog),
            filters,
            errors,
            mine,
        };
        let status = if page.errors.is_empty() {
            poem::http::StatusCode::OK
        } else {
            poem::http::StatusCode::BAD_REQUEST
        };
        let (template, title) = if mine {
            ("pages/procurement/workspace", "purchaser-title")
        } else {
            ("pages/procurement/list", "projects-title")
        };
        Ok(render_status(state, viewer, status, template, title, page))
    }
    .await;
    or_fail(state, viewer, built)
}

#[handler]
pub(super) async fn index(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    list_page(&state, &viewer, q, false).await
}

#[handler]
pub(super) async fn workspace(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Response {
    if viewer.actor.is_none() {
        return super::fail(&state, &viewer, Error::Unauthenticated);
    }
    list_page(&state, &viewer, q, true).await
}

// ---------- the project form ----------

/// The purchaser's form, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(super) struct ProjectForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category_id: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    budget_yuan: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    service_start: String,
    #[serde(default)]
    service_end: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(default)]
    not_abnormal: Option<String>,
    #[serde(default)]
    min_grade: String,
    #[serde(default)]
    min_years: String,
    #[serde(default)]
    only_type: String,
    #[serde(default)]
    only_region: String,
    #[serde(default)]
    c1_name: String,
    #[serde(default)]
    c1_weight: String,
    #[serde(default)]
    c2_name: String,
    #[serde(default)]
    c2_weight: String,
    #[serde(default)]
    c3_name: String,
    #[serde(default)]
    c3_weight: String,
    #[serde(default)]
    price_weight: String,
}

impl ProjectForm {
    fn from_project(state: &AppState, p: &Project) -> Self {
        let mut f = Self {
            title: p.row.title.clone(),
            description: p.row.description.clone(),
            category_id: p.row.category_id.to_string(),
            region_code: p.row.region_code.clone(),
            budget_yuan: Fen(p.row.budget_fen).to_string(),
            method: p.method.as_str().into(),
            service_start: p.row.service_start.to_string(),
            service_end: p.row.service_end.to_string(),
            bid_deadline: p
                .row
                .bid_deadline
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
            ..Self::default()
        };
        let _ = state;
        for r in &p.eligibility {
            match r {
                Rule::NotAbnormal => f.not_abnormal = Some("1".into()),
                Rule::MinGrade { grade } => f.min_grade = grade.to_string(),
                Rule::MinYears { years } => f.min_years = years.to_string(),
                Rule::OrgTypes { types } => {
                    f.only_type = types.first().cloned().unwrap_or_default()
                }
                Rule::Region { division_code } => f.only_region = division_code.clone(),
                Rule::Active | Rule::NotDishonest => {}
            }
        }
        let mut others = p.criteria.iter().filter(|c| !c.is_price);
        for (name, weight) in [
            (&mut f.c1_name, &mut f.c1_weight),
            (&mut f.c2_name, &mut f.c2_weight),
            (&mut f.c3_name, &mut f.c3_weight),
        ] {
            if let Some(c) = others.next() {
                *name = c.name.clone();
                *weight = c.weight.to_string();
            }
        }
        f.price_weight = p
            .criteria
            .iter()
            .find(|c| c.is_price)
            .map(|c| c.weight.to_string())
            .unwrap_or_default();
        f
    }

    fn input(&self) -> Result<ProjectInput> {
        let mut errors = Vec::new();
        let budget_fen = yuan_field(&mut errors, "budget_yuan", &self.budget_yuan).unwrap_or(0);
        let method = Method::parse(&self.method);
        if method.is_none() {
            errors.push(FieldError::new(
                "method",
                "unknown_method",
                "choose a method",
            ));
        }
        let category_id = self.category_id.parse::<Uuid>();
        if category_id.is_err() {
            errors.push(FieldError::new(
                "category_id",
                "unknown_category",
                "choose a category",
            ));
        }
        let mut date = |field: &str, s: &str| -> NaiveDate {
            s.trim().parse().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, "invalid_date", "enter a date"));
                NaiveDate::MIN
            })
        };
        let service_start = date("service_start", &self.service_start);
        let service_end = date("service_end", &self.service_end);
        let bid_deadline = match parse_local("bid_deadline", &self.bid_deadline) {
            Ok(t) => t,
            Err(Error::Invalid(mut e)) => {
                errors.append(&mut e);
                DateTime::<Utc>::MIN_UTC
            }
            Err(e) => return Err(e),
        };
        let mut number = |field: &str, s: &str| -> Option<u32> {
            if s.trim().is_empty() {
                return None;
            }
            s.trim().parse().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    field,
                    "invalid_number",
                    "enter a whole number",
                ));
                None
            })
        };
        let mut criteria = Vec::new();
        for (name, weight, field) in [
            (&self.c1_name, &self.c1_weight, "c1_weight"),
            (&self.c2_name, &self.c2_weight, "c2_weight"),
            (&self.c3_name, &self.c3_weight, "c3_weight"),
        ] {
            if let Some(w) = number(field, weight) {
                criteria.push(Criterion {
                    name: name.trim().to_owned(),
                    weight: w,
                    is_price: false,
                });
            }
        }
        if let Some(w) = number("price_weight", &self.price_weight) {
            criteria.push(Criterion {
                name: "价格 / price".into(),
                weight: w,
                is_price: true,
            });
        }
        let mut eligibility = Vec::new();
        if self.not_abnormal.is_some() {
            eligibility.push(Rule::NotAbnormal);
        }
        if let Some(g) = number("min_grade", &self.min_grade) {
            eligibility.push(Rule::MinGrade {
                grade: i16::try_from(g).unwrap_or(i16::MAX),
            });
        }
        if let Some(y) = number("min_years", &self.min_years) {
            eligibility.push(Rule::MinYears { years: y });
        }
        if !self.only_type.trim().is_empty() {
            eligibility.push(Rule::OrgTypes {
                types: vec![self.only_type.trim().to_owned()],
            });
        }
        if !self.only_region.trim().is_empty() {
            eligibility.push(Rule::Region {
                division_code: self.only_region.trim().to_owned(),
            });
        }
        match (errors.is_empty(), method, category_id) {
            (true, Some(method), Ok(category_id)) => Ok(ProjectInput {
                title: self.title.clone(),
                description: self.description.clone(),
                category_id,
                region_code: self.region_code.trim().to_owned(),
                budget_fen,
                method,
                service_start,
                service_end,
                eligibility,
                criteria,
                bid_deadline,
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

#[derive(Debug, Serialize)]
struct FormPage {
    id: Option<Uuid>,
    form: ProjectForm,
    categories: Vec<CategoryOption>,
    methods: Vec<&'static str>,
    org_types: [&'static str; 3],
    errors: Vec<ShownError>,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    id: Option<Uuid>,
    form: ProjectForm,
    errors: Vec<ShownError>,
) -> Result<Response> {
    crate::auth::policy::check(
        viewer.actor.as_ref(),
        crate::auth::policy::Action::ReadPurchases,
    )?;
    let page = FormPage {
        id,
        form,
        categories: category_options(state, viewer).await?,
        methods: Method::ALL.iter().map(|m| m.as_str()).collect(),
        org_types: crate::registry::rules::OrgType::KINDS,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/procurement/form",
        "project-form-title",
        page,
    ))
}

#[handler]
pub(super) async fn new_project(state: Data<&AppState>, viewer: Viewer) -> Response {
    let form = ProjectForm {
        method: "public_tender".into(),
        region_code: "110105".into(),
        c1_name: "服务方案".into(),
        c1_weight: "50".into(),
        c2_name: "团队与经验".into(),
        c2_weight: "30".into(),
        price_weight: "20".into(),
        ..ProjectForm::default()
    };
    let r = form_page(&state, &viewer, None, form, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn create_project(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<ProjectForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let created = match form.input() {
            Ok(input) => {
                projects::create(&state.db, viewer.actor()?, input, state.clock.now()).await
            }
            Err(e) => Err(e),
        };
        match created {
            Ok(p) => Ok(
                poem::web::Redirect::see_other(format!("/projects/{}", p.row.id)).into_response(),
            ),
            Err(e) => match super::form_errors(viewer.lang, &e) {
                Some(errors) => form_page(&state, &viewer, None, form.clone(), errors).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn edit_project(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        let p = projects::get(&state.db, viewer.actor.as_ref(), id).await?;
        form_page(
            &state,
            &viewer,
            Some(id),
            ProjectForm::from_project(&state, &p),
            vec![],
        )
        .await
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn update_project(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<ProjectForm>,
) -> Response {
    let action = async {
        let input = form.input()?;
        projects::update(&state.db, viewer.actor()?, id, input, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/projects/{id}"),
        async |e| form_page(&state, &viewer, Some(id), form.clone(), e).await,
    )
    .await
}

// ---------- one project ----------

#[derive(Debug, Serialize)]
struct RuleView {
    key: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct Verdict {
    rule: String,
    passed: bool,
    message: String,
}

#[derive(Debug, Serialize)]
struct QuestionView {
    id: Uuid,
    question: String,
    answer: String,
    mine: bool,
}

#[derive(Debug, Serialize)]
struct OpeningView {
    opened_at: String,
    outcome: String,
    entries: Vec<OpeningLine>,
}

#[derive(Debug, Serialize)]
struct OpeningLine {
    organization_name: String,
    uscc: String,
    price: String,
    submitted_at: String,
    content_hash: String,
    eligible: bool,
    failed_rule: String,
}

#[derive(Debug, Serialize)]
struct MyBid {
    id: Uuid,
    status: String,
    price: String,
    submitted_at: String,
    content_hash: String,
    live: bool,
}

#[derive(Debug, Serialize)]
struct DetailPage {
    /// What the page is about, for its title.
    subject: String,
    id: Uuid,
    number: String,
    title: String,
    description: String,
    category: String,
    region: String,
    budget: String,
    method: String,
    service: String,
    deadline: String,
    published_at: String,
    status: String,
    status_reason: String,
    rules: Vec<RuleView>,
    criteria: Vec<Criterion>,
    documents: Vec<(Uuid, String)>,
    amendments: Vec<(String, String)>,
    questions: Vec<QuestionView>,
    opening: Option<OpeningView>,
    is_buyer: bool,
    is_draft: bool,
    is_open: bool,
    can_cancel: bool,
    document_labels: [&'static str; 4],
    can_attach: bool,
    is_bidder: bool,
    verdicts: Vec<Verdict>,
    eligible: bool,
    my_bids: Vec<MyBid>,
    live_bid: Option<Uuid>,
    bid: BidForm,
    award: super::evaluation::AwardSection,
    errors: Vec<ShownError>,
}

/// A bid form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(super) struct BidForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    price_yuan: String,
    #[serde(default)]
    technical_proposal: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    plan: String,
    /// The live bid a new version replaces, if any.
    #[serde(default)]
    replaces: String,
    /// Set by "change my answers" on the check step.
    #[serde(default, skip_serializing)]
    change: String,
}

impl BidForm {
    /// The answers as the check step posts them again.
    fn pairs(&self) -> super::Pairs {
        [
            ("price_yuan", &self.price_yuan),
            ("technical_proposal", &self.technical_proposal),
            ("team", &self.team),
            ("plan", &self.plan),
            ("replaces", &self.replaces),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }

    fn input(&self) -> Result<BidInput> {
        let mut errors = Vec::new();
        let price = yuan_field(&mut errors, "price_yuan", &self.price_yuan);
        if price.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "price_yuan",
                "required",
                "enter your price",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(BidInput {
            price_fen: price.unwrap_or(0),
            technical_proposal: self.technical_proposal.clone(),
            team: self.team.clone(),
            plan: self.plan.clone(),
            file_ids: Vec::new(),
        })
    }
}

fn rule_view(r: &Rule, lang: crate::i18n::Lang) -> RuleView {
    let (key, value) = match r {
        Rule::Active => ("rule-active", String::new()),
        Rule::NotDishonest => ("rule-not_dishonest", String::new()),
        Rule::NotAbnormal => ("rule-not_abnormal", String::new()),
        Rule::MinGrade { grade } => ("rule-min_grade", format!("{grade}A")),
        Rule::MinYears { years } => ("rule-min_years", years.to_string()),
        Rule::OrgTypes { types } => ("rule-org_types", types.join(", ")),
        Rule::Region { division_code } => ("rule-region", place(division_code, lang)),
    };
    RuleView {
        key: key.into(),
        value,
    }
}

async fn detail_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    bid: BidForm,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor.as_ref();
    let now = state.clock.now();
    let p = projects::get(&state.db, actor, id).await?;
    let is_buyer = policy::buys_for(actor, p.row.department_id);
    let is_bidder = policy::organization_of(actor).is_some();
    let is_open = p.takes_bids(now);
    let (verdicts, my_bids) = match actor {
        Some(a) if is_bidder && p.status != Status::Draft => {
            let v = bids::eligibility(&state.db, a, id, now).await?;
            let mine = bids::list_for_project(&state.db, a, id).await?;
            (v, mine)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let opening = match bids::opening_record(&state.db, id).await {
        Ok((r, entries)) => Some(OpeningView {
            opened_at: local(state, r.opened_at),
            outcome: r.outcome,
            entries: entries
                .into_iter()
                .map(|e| OpeningLine {
                    organization_name: e.organization_name,
                    uscc: e.uscc.unwrap_or_default(),
                    price: yuan(e.price_fen),
                    submitted_at: local(state, e.submitted_at),
                    content_hash: e.content_hash,
                    eligible: e.eligible,
                    failed_rule: e.failed_rule.unwrap_or_default(),
                })
                .collect(),
        }),
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let award = super::evaluation::award_section(state, actor, &p).await?;
    let lang = viewer.lang;
    let mut rules_shown = vec![
        rule_view(&Rule::Active, lang),
        rule_view(&Rule::NotDishonest, lang),
    ];
    rules_shown.extend(p.eligibility.iter().map(|r| rule_view(r, lang)));
    let page = DetailPage {
        subject: p.row.title.clone(),
        id,
        number: p.row.number.clone(),
        title: p.row.title.clone(),
        description: p.row.description.clone(),
        category: category_name(state, viewer, p.row.category_id).await?,
        region: place(&p.row.region_code, viewer.lang),
        budget: yuan(p.row.budget_fen),
        method: p.row.method.clone(),
        service: format!("{} — {}", p.row.service_start, p.row.service_end),
        deadline: local(state, p.row.bid_deadline),
        published_at: p
            .row
            .published_at
            .map(|t| local(state, t))
            .unwrap_or_default(),
        status: p.row.status.as_str().into(),
        status_reason: p.row.status_reason.clone().unwrap_or_default(),
        rules: rules_shown,
        criteria: p.criteria.clone(),
        documents: projects::documents_of(&state.db, actor, id)
            .await?
            .into_iter()
            .map(|f| (f.id, f.file_name))
            .collect(),
        amendments: projects::amendments_of(&state.db, actor, id)
            .await?
            .into_iter()
            .map(|a| (local(state, a.created_at), a.text))
            .collect(),
        questions: projects::questions_of(&state.db, actor, id)
            .await?
            .into_iter()
            .map(|(q, mine)| QuestionView {
                id: q.id,
                question: q.question,
                answer: q.answer.unwrap_or_default(),
                mine,
            })
            .collect(),
        opening,
        is_buyer,
        is_draft: p.status == Status::Draft,
        is_open,
        document_labels: projects::DOCUMENT_LABELS,
        can_attach: is_buyer && p.changeable(now),
        can_cancel: rules::transition(p.status, rules::Action::Cancel).is_ok(),
        is_bidder,
        eligible: !verdicts.is_empty() && verdicts.iter().all(|v| v.passed),
        verdicts: verdicts
            .into_iter()
            .map(|v| Verdict {
                rule: v.rule.into(),
                passed: v.passed,
                message: v.message,
            })
            .collect(),
        live_bid: my_bids
            .iter()
            .find(|b| b.status == bids::BidStatus::Active)
            .map(|b| b.id),
        my_bids: my_bids
            .into_iter()
            .map(|b| MyBid {
                id: b.id,
                live: b.status == bids::BidStatus::Active,
                status: b.status.as_str().into(),
                price: yuan(b.price_fen),
                submitted_at: local(state, b.ended_at.unwrap_or(b.submitted_at)),
                content_hash: b.content_hash,
            })
            .collect(),
        bid,
        award,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/procurement/detail",
        "project-title",
        page,
    ))
}

/// The project page again with the errors of a form posted from it.
pub(super) async fn detail_page_with_errors(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<ShownError>,
) -> Result<Response> {
    detail_page(state, viewer, id, BidForm::default(), errors).await
}

#[handler]
pub(super) async fn detail(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = detail_page(&state, &viewer, id, BidForm::default(), vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct TextForm {
    csrf_token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    new_deadline: String,
}

async fn simple(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    csrf: &str,
    action: impl Future<Output = Result<()>>,
) -> Response {
    act(
        state,
        viewer,
        csrf,
        action,
        format!("/projects/{id}"),
        async |e| detail_page(state, viewer, id, BidForm::default(), e).await,
    )
    .await
}

#[handler]
pub(super) async fn publish(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let action = async {
        projects::publish(&state.db, viewer.actor()?, id, state.clock.now()).await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

#[handler]
pub(super) async fn cancel(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<TextForm>,
) -> Response {
    let action = async {
        projects::cancel(
            &state.db,
            viewer.actor()?,
            id,
            &form.text,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

#[handler]
pub(super) async fn amend(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<TextForm>,
) -> Response {
    let action = async {
        let deadline = if form.new_deadline.trim().is_empty() {
            None
        } else {
            Some(parse_local("new_deadline", &form.new_deadline)?)
        };
        projects::amend(
            &state.db,
            viewer.actor()?,
            id,
            &form.text,
            deadline,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

#[handler]
pub(super) async fn ask(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<TextForm>,
) -> Response {
    let action = async {
        projects::ask(
            &state.db,
            viewer.actor()?,
            id,
            &form.text,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

#[handler]
pub(super) async fn answer(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, question)): Path<(Uuid, Uuid)>,
    Form(form): Form<TextForm>,
) -> Response {
    let action = async {
        projects::answer(
            &state.db,
            viewer.actor()?,
            id,
            question,
            &form.text,
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

/// A new bid, or (with `replaces`) a new version of the live one.
async fn place_bid(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    replaces: Option<Uuid>,
    form: BidForm,
) -> Response {
    let action = async {
        let input = form.input()?;
        let (actor, now) = (viewer.actor()?, state.clock.now());
        match replaces {
            Some(bid) => bids::replace(&state.db, actor, bid, input, now).await?,
            None => bids::submit(&state.db, actor, id, input, now).await?,
        };
        Ok(())
    };
    act(
        state,
        viewer,
        &form.csrf_token,
        action,
        format!("/projects/{id}"),
        async |e| detail_page(state, viewer, id, form.clone(), e).await,
    )
    .await
}

/// "Check your answers" before a bid is sealed: the bid as it will be
/// sent, with every check [`bids::submit`] makes passed; "change" shows the
/// form filled in again.
#[handler]
pub(super) async fn check_bid(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<BidForm>,
) -> Response {
    let (state, viewer) = (&*state, &viewer);
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        if !form.change.is_empty() {
            return detail_page(state, viewer, id, form.clone(), Vec::new()).await;
        }
        let input = form.input()?;
        let price = yuan(input.price_fen);
        let p = bids::check(&state.db, viewer.actor()?, id, input, state.clock.now()).await?;
        let (action, yes) = match form.replaces.parse::<Uuid>() {
            Ok(bid) => (format!("/projects/{id}/bids/{bid}/replace"), "bid-replace"),
            Err(_) => (format!("/projects/{id}/bids"), "bid-submit"),
        };
        let mut confirm = Confirm::decision(
            "check-bid",
            p.row.title.clone(),
            action,
            format!("/projects/{id}"),
        )
        .facts([
            Fact::new("price_yuan", price),
            Fact::new("technical_proposal", &form.technical_proposal),
            Fact::new("team", &form.team),
            Fact::new("plan", &form.plan),
        ])
        .fields(&form.pairs());
        confirm.warning = "check-bid-next";
        confirm.yes = yes;
        confirm.change = Some(format!("/projects/{id}/bids/check"));
        Ok(confirm_page(state, viewer, confirm))
    }
    .await;
    or_again(state, viewer, r, async |e| {
        detail_page(state, viewer, id, form.clone(), e).await
    })
    .await
}

#[handler]
pub(super) async fn submit_bid(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<BidForm>,
) -> Response {
    place_bid(&state, &viewer, id, None, form).await
}

#[handler]
pub(super) async fn replace_bid(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, bid)): Path<(Uuid, Uuid)>,
    Form(form): Form<BidForm>,
) -> Response {
    place_bid(&state, &viewer, id, Some(bid), form).await
}

#[handler]
pub(super) async fn withdraw_bid(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, bid)): Path<(Uuid, Uuid)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let action = async {
        bids::withdraw(&state.db, viewer.actor()?, bid, state.clock.now()).await?;
        Ok(())
    };
    simple(&state, &viewer, id, &form.csrf_token, action).await
}

#[handler]
pub(super) async fn attach_document(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    mp: poem::web::Multipart,
) -> Response {
    let upload = match super::upload::Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let action = async {
        let file = upload.store_required(&state, &viewer).await?;
        projects::attach_document(
            &state.db,
            viewer.actor()?,
            id,
            file,
            upload.text("label"),
            state.clock.now(),
        )
        .await?;
        Ok(())
    };
    simple(&state, &viewer, id, upload.text("csrf_token"), action).await
}

// ---------- the catalog (admin) ----------

/// The category form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(super) struct CategoryForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    position: String,
}

impl CategoryForm {
    fn input(&self) -> Result<catalog::CategoryInput> {
        let parent_id =
            match self.parent_id.trim() {
                "" => None,
                p => Some(p.parse().map_err(|_| {
                    Error::invalid("parent_id", "unknown_parent", "choose a parent")
                })?),
            };
        Ok(catalog::CategoryInput {
            code: self.code.clone(),
            parent_id,
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            active: self.active.is_some(),
            position: self.position.trim().parse().unwrap_or(0),
        })
    }
}

#[derive(Debug, Serialize)]
struct CategoryRow {
    id: Uuid,
    code: String,
    name_zh: String,
    name_en: String,
    active: bool,
    child: bool,
}

#[derive(Debug, Serialize)]
struct CatalogPage {
    rows: Vec<CategoryRow>,
    parents: Vec<CategoryOption>,
    editing: Option<Uuid>,
    form: CategoryForm,
    errors: Vec<ShownError>,
}

async fn catalog_page(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<Uuid>,
    form: CategoryForm,
    errors: Vec<ShownError>,
) -> Result<Response> {
    crate::auth::policy::check(
        viewer.actor.as_ref(),
        crate::auth::policy::Action::ManageCatalog,
    )?;
    let all = catalog::list(&state.db, false).await?;
    let page = CatalogPage {
        parents: all
            .iter()
            .filter(|c| Some(c.id) != editing)
            .map(|c| CategoryOption {
                id: c.id,
                label: format!("{} {}", c.code, c.name_zh),
            })
            .collect(),
        rows: all
            .into_iter()
            .map(|c| CategoryRow {
                id: c.id,
                child: c.parent_id.is_some(),
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
                active: c.active,
            })
            .collect(),
        editing,
        form,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/admin/catalog",
        "catalog-title",
        page,
    ))
}

#[handler]
pub(super) async fn catalog_index(state: Data<&AppState>, viewer: Viewer) -> Response {
    let form = CategoryForm {
        active: Some("1".into()),
        ..CategoryForm::default()
    };
    let r = catalog_page(&state, &viewer, None, form, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn catalog_edit(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        let c = catalog::get(state.db.conn(), id).await?;
        let form = CategoryForm {
            csrf_token: String::new(),
            code: c.code,
            parent_id: c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            name_zh: c.name_zh,
            name_en: c.name_en,
            active: c.active.then(|| "1".into()),
            position: c.position.to_string(),
        };
        catalog_page(&state, &viewer, Some(id), form, vec![]).await
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn catalog_create(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<CategoryForm>,
) -> Response {
    let action = async {
        catalog::create(&state.db, viewer.actor()?, form.input()?, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/admin/catalog".into(),
        async |e| catalog_page(&state, &viewer, None, form.clone(), e).await,
    )
    .await
}

#[handler]
pub(super) async fn catalog_update(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CategoryForm>,
) -> Response {
    let action = async {
        catalog::update(
            &state.db,
            viewer.actor()?,
            id,
            form.input()?,
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
        "/admin/catalog".into(),
        async |e| catalog_page(&state, &viewer, Some(id), form.clone(), e).await,
    )
    .await
}
