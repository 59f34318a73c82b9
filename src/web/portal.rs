//! The organization portal and the registrar's workspace.
//!
//! Org users: `/my` (their organization, invitations, applications),
//! application pages (draft, edit, attach documents, submit, withdraw),
//! `/my/organization` (members and invitations), `/my/annual-reports`.
//! Registrars: `/registrar` (queues with counts) and the same application
//! and annual report pages, where they find the decision forms. Every
//! decision is the area module's; these handlers only parse and render.

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Multipart, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::registry::{division_label, yuan};
use super::{CsrfForm, ShownError, Viewer, act, or_fail, render_status, status_for};
use crate::app::AppState;
use crate::auth::Role;
use crate::auth::policy::{self, Action, ApplicationAccess};
use crate::error::{Error, FieldError, Result};
use crate::files;
use crate::money::Fen;
use crate::pagination::PageRequest;
use crate::registry::annual_reports::{self as reports, ReportInput, Review};
use crate::registry::applications::{self as apps, Application, Approval, ListFilter, Status};
use crate::registry::members::{self, Answer};
use crate::registry::organizations as orgs;
use crate::registry::particulars::{Changes, Content, Deregistration, Kind, Particulars};
use crate::registry::rules::{Field, OrgType};

// ---------- the application form ----------

/// An application form as typed (all text, so it can be shown again).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(super) struct AppForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_type: String,
    #[serde(default)]
    public_offering: Option<String>,
    #[serde(default)]
    division_code: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    supervising_unit: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    business_scope: String,
    #[serde(default)]
    funds_yuan: String,
    #[serde(default)]
    individual_members: String,
    #[serde(default)]
    unit_members: String,
    #[serde(default)]
    reason: String,
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl AppForm {
    fn from_content(c: &Content) -> Self {
        match c {
            Content::Registration(p) => Self {
                kind: "registration".into(),
                name: p.name.clone(),
                org_type: p.org_type.clone(),
                public_offering: p.public_offering.then(|| "1".into()),
                division_code: p.division_code.clone(),
                field: p.field.clone(),
                supervising_unit: p.supervising_unit.clone().unwrap_or_default(),
                address: p.address.clone(),
                legal_representative: p.legal_representative.clone(),
                business_scope: p.business_scope.clone(),
                funds_yuan: Fen(p.funds_fen).to_string(),
                individual_members: p.individual_members.to_string(),
                unit_members: p.unit_members.to_string(),
                ..Self::default()
            },
            Content::Change(ch) => Self {
                kind: "change".into(),
                name: ch.name.clone().unwrap_or_default(),
                address: ch.address.clone().unwrap_or_default(),
                legal_representative: ch.legal_representative.clone().unwrap_or_default(),
                business_scope: ch.business_scope.clone().unwrap_or_default(),
                funds_yuan: ch.funds_fen.map(|f| Fen(f).to_string()).unwrap_or_default(),
                ..Self::default()
            },
            Content::Deregistration(d) => Self {
                kind: "deregistration".into(),
                reason: d.reason.clone(),
                ..Self::default()
            },
        }
    }

    /// The content, or every field that could not be read.
    fn content(&self) -> Result<Content> {
        let mut errors = Vec::new();
        let mut amount = |s: &str| -> Option<i64> {
            if s.trim().is_empty() {
                return None;
            }
            match Fen::from_yuan_str(s) {
                Ok(f) => Some(f.0),
                Err(e) => {
                    errors.push(FieldError::new(
                        "funds_yuan",
                        "invalid_amount",
                        e.to_string(),
                    ));
                    None
                }
            }
        };
        let funds = amount(&self.funds_yuan);
        let mut count = |field: &str, s: &str| -> u32 {
            if s.trim().is_empty() {
                return 0;
            }
            s.trim().parse().unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    field,
                    "invalid_number",
                    format!("`{s}` is not a whole number"),
                ));
                0
            })
        };
        let content = match Kind::parse(&self.kind) {
            Some(Kind::Registration) => Content::Registration(Particulars {
                name: self.name.clone(),
                org_type: self.org_type.clone(),
                public_offering: self.public_offering.is_some(),
                division_code: self.division_code.clone(),
                field: self.field.clone(),
                supervising_unit: opt(&self.supervising_unit),
                address: self.address.clone(),
                legal_representative: self.legal_representative.clone(),
                business_scope: self.business_scope.clone(),
                funds_fen: funds.unwrap_or(0),
                individual_members: count("individual_members", &self.individual_members),
                unit_members: count("unit_members", &self.unit_members),
            }),
            Some(Kind::Change) => Content::Change(Changes {
                name: opt(&self.name),
                address: opt(&self.address),
                legal_representative: opt(&self.legal_representative),
                business_scope: opt(&self.business_scope),
                funds_fen: funds,
            }),
            Some(Kind::Deregistration) => Content::Deregistration(Deregistration {
                reason: self.reason.clone(),
            }),
            None => {
                return Err(Error::bad_input(
                    "kind",
                    "unknown_kind",
                    "unknown kind of application",
                ));
            }
        };
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// Choices the form offers.
#[derive(Debug, Serialize)]
struct Choices {
    org_types: [&'static str; 3],
    fields: [&'static str; 5],
    labels: [&'static str; 5],
}

const CHOICES: Choices = Choices {
    org_types: OrgType::KINDS,
    fields: Field::NAMES,
    labels: files::APPLICATION_LABELS,
};

// ---------- new application ----------

#[derive(Debug, Serialize)]
struct NewApplicationPage {
    form: AppForm,
    choices: Choices,
    org_name: String,
    errors: Vec<ShownError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct KindQuery {
    kind: Option<String>,
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    form: AppForm,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
    let org_name = match actor.organization_id {
        Some(id) => orgs::get(state.db.conn(), id).await?.name,
        None => String::new(),
    };
    let page = NewApplicationPage {
        form,
        choices: CHOICES,
        org_name,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/application_new",
        "application-new-title",
        page,
    ))
}

#[handler]
pub(super) async fn new_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<KindQuery>,
) -> Response {
    let kind = q
        .kind
        .filter(|k| Kind::parse(k).is_some())
        .unwrap_or_else(|| "registration".into());
    let form = AppForm {
        kind,
        org_type: "social_service_agency".into(),
        field: "community_service".into(),
        ..AppForm::default()
    };
    let r = new_page(&state, &viewer, form, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn create_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<AppForm>,
) -> Response {
    let r = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let created = match form.content() {
            Ok(content) => apps::create(&state.db, actor, content, state.clock.now()).await,
            Err(e) => Err(e),
        };
        match created {
            Ok(a) => Ok(
                poem::web::Redirect::see_other(format!("/applications/{}", a.row.id))
                    .into_response(),
            ),
            Err(e) => match super::form_errors(viewer.lang, &e) {
                Some(errors) => new_page(&state, &viewer, form.clone(), errors).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- one application ----------

#[derive(Debug, Serialize)]
struct Fact {
    label: String,
    value: String,
    value_key: Option<String>,
    previous: String,
}

fn fact(label: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: format!("field-{label}"),
        value: value.into(),
        value_key: None,
        previous: String::new(),
    }
}

fn keyed(label: &str, key: String) -> Fact {
    Fact {
        label: format!("field-{label}"),
        value: String::new(),
        value_key: Some(key),
        previous: String::new(),
    }
}

/// What an application says, for reading; a change shows each new value
/// beside the registered one (`current`).
fn facts_of(c: &Content, current: Option<&entity::organizations::Model>) -> Vec<Fact> {
    let mut facts = match c {
        Content::Registration(p) => {
            let mut out = vec![
                fact("name", &p.name),
                keyed("org_type", format!("orgtype-{}", p.org_type)),
                fact("authority", division_label(&p.division_code)),
                keyed("field", format!("area-{}", p.field)),
                fact(
                    "supervising_unit",
                    p.supervising_unit.clone().unwrap_or_default(),
                ),
                fact("address", &p.address),
                fact("legal_representative", &p.legal_representative),
                fact("business_scope", &p.business_scope),
                fact("funds_yuan", yuan(p.funds_fen)),
            ];
            if p.org_type == "foundation" {
                out.push(keyed(
                    "public_offering",
                    if p.public_offering { "yes" } else { "no" }.into(),
                ));
            }
            if p.org_type == "social_group" {
                out.push(fact("individual_members", p.individual_members.to_string()));
                out.push(fact("unit_members", p.unit_members.to_string()));
            }
            out
        }
        Content::Change(ch) => {
            let was = |f: fn(&entity::organizations::Model) -> String| current.map(f);
            [
                ("new_name", ch.name.clone(), was(|o| o.name.clone())),
                ("address", ch.address.clone(), was(|o| o.address.clone())),
                (
                    "legal_representative",
                    ch.legal_representative.clone(),
                    was(|o| o.legal_representative.clone()),
                ),
                (
                    "business_scope",
                    ch.business_scope.clone(),
                    was(|o| o.business_scope.clone()),
                ),
                (
                    "funds_yuan",
                    ch.funds_fen.map(yuan),
                    was(|o| yuan(o.funds_fen)),
                ),
            ]
            .into_iter()
            .filter_map(|(l, v, previous)| {
                v.map(|v| Fact {
                    previous: previous.unwrap_or_default(),
                    ..fact(l, v)
                })
            })
            .collect()
        }
        Content::Deregistration(d) => vec![fact("reason", &d.reason)],
    };
    facts.retain(|f| f.value_key.is_some() || !f.value.is_empty());
    facts
}

#[derive(Debug, Serialize)]
struct DocRow {
    id: Uuid,
    label: String,
    file_name: String,
    size_kb: i64,
    content_type: String,
}

#[derive(Debug, Serialize)]
struct ApplicationPage {
    id: Uuid,
    kind: String,
    status: String,
    name: String,
    decision_reason: String,
    submitted_at: String,
    organization_id: Option<Uuid>,
    facts: Vec<Fact>,
    form: AppForm,
    choices: Choices,
    editable: bool,
    can_submit: bool,
    can_decide: bool,
    documents: Vec<DocRow>,
    max_upload_mb: u64,
    errors: Vec<ShownError>,
}

async fn application_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    form: Option<AppForm>,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor()?;
    let (app, access) = apps::get(&state.db, actor, id).await?;
    let docs = apps::documents(&state.db, actor, id).await?;
    let editable = access >= ApplicationAccess::Edit
        && apps::transition(app.status, apps::Action::Edit).is_ok();
    let current = match (&app.content, app.row.organization_id) {
        (Content::Change(_), Some(org)) => Some(orgs::get(state.db.conn(), org).await?),
        _ => None,
    };
    let Application {
        row,
        status,
        content,
        ..
    } = app;
    let page = ApplicationPage {
        id,
        kind: row.kind.clone(),
        status: status.as_str().into(),
        name: row.name.clone(),
        decision_reason: row.decision_reason.clone().unwrap_or_default(),
        submitted_at: row
            .submitted_at
            .map(|t| {
                t.with_timezone(&state.settings.timezone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        organization_id: row.organization_id,
        facts: facts_of(&content, current.as_ref()),
        form: form.unwrap_or_else(|| AppForm::from_content(&content)),
        choices: CHOICES,
        editable,
        can_submit: editable && access == ApplicationAccess::Submit,
        can_decide: policy::check(Some(actor), Action::Register).is_ok()
            && apps::transition(status, apps::Action::Approve).is_ok(),
        documents: docs
            .into_iter()
            .map(|f| DocRow {
                id: f.id,
                label: f.label.unwrap_or_default(),
                file_name: f.file_name,
                size_kb: (f.size_bytes + 1023) / 1024,
                content_type: f.content_type,
            })
            .collect(),
        max_upload_mb: state.settings.max_upload_bytes / (1024 * 1024),
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/application",
        "application-title",
        page,
    ))
}

#[handler]
pub(super) async fn application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = application_page(&state, &viewer, id, None, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(super) async fn update_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<AppForm>,
) -> Response {
    let action = async {
        let content = form.content()?;
        apps::update(&state.db, viewer.actor()?, id, content, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/applications/{id}"),
        async |e| application_page(&state, &viewer, id, Some(form.clone()), e).await,
    )
    .await
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Submit,
    Withdraw,
}

async fn step(state: &AppState, viewer: &Viewer, id: Uuid, csrf: &str, step: Step) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let now = state.clock.now();
        match step {
            Step::Submit => apps::submit(&state.db, actor, id, now).await?,
            Step::Withdraw => apps::withdraw(&state.db, actor, id, now).await?,
        };
        Ok(())
    };
    act(
        state,
        viewer,
        csrf,
        action,
        format!("/applications/{id}"),
        async |e| application_page(state, viewer, id, None, e).await,
    )
    .await
}

#[handler]
pub(super) async fn submit_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    step(&state, &viewer, id, &form.csrf_token, Step::Submit).await
}

#[handler]
pub(super) async fn withdraw_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    step(&state, &viewer, id, &form.csrf_token, Step::Withdraw).await
}

/// A multipart form: its text fields and its one file.
#[derive(Debug, Default)]
pub(super) struct Upload {
    fields: std::collections::HashMap<String, String>,
    file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub(super) async fn read(mut mp: Multipart) -> Result<Self> {
        let bad = |e: poem::Error| Error::bad_input("file", "unreadable_upload", e.to_string());
        let mut out = Self::default();
        while let Some(field) = mp.next_field().await.map_err(|e| bad(e.into()))? {
            let name = field.name().unwrap_or_default().to_owned();
            if field.file_name().is_some() {
                let file_name = field.file_name().unwrap_or("file").to_owned();
                let bytes = field.bytes().await.map_err(|e| bad(e.into()))?;
                if !bytes.is_empty() {
                    out.file = Some((file_name, bytes));
                }
            } else {
                let text = field.text().await.map_err(|e| bad(e.into()))?;
                out.fields.insert(name, text);
            }
        }
        Ok(out)
    }

    pub(super) fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// Stores the form's file, which it must have.
    pub(super) async fn store_required(&self, state: &AppState, viewer: &Viewer) -> Result<Uuid> {
        self.store(state, viewer)
            .await?
            .ok_or_else(|| Error::invalid("file", "file_required", "choose a file"))
    }

    /// Stores the form's file, if it has one.
    pub(super) async fn store(&self, state: &AppState, viewer: &Viewer) -> Result<Option<Uuid>> {
        let Some((name, bytes)) = &self.file else {
            return Ok(None);
        };
        let f = files::upload(
            &state.db,
            &state.settings.data_dir,
            state.settings.max_upload_bytes,
            viewer.actor()?,
            name,
            bytes,
            state.clock.now(),
        )
        .await?;
        Ok(Some(f.id))
    }
}

#[handler]
pub(super) async fn attach_document(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Response {
    let upload = match Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let action = async {
        let file = upload.store_required(&state, &viewer).await?;
        apps::attach_document(
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
    act(
        &state,
        &viewer,
        upload.text("csrf_token"),
        action,
        format!("/applications/{id}"),
        async |e| application_page(&state, &viewer, id, None, e).await,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct DecisionForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    legacy_override_reason: String,
}

#[derive(Debug, Clone, Copy)]
enum Decision {
    Approve,
    Return,
    Reject,
}

async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    form: DecisionForm,
    d: Decision,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let now = state.clock.now();
        match d {
            Decision::Approve => {
                let approval = Approval {
                    uscc: opt(&form.uscc),
                    legacy_override_reason: opt(&form.legacy_override_reason),
                };
                apps::approve(&state.db, actor, id, approval, now).await?
            }
            Decision::Return => apps::send_back(&state.db, actor, id, &form.reason, now).await?,
            Decision::Reject => apps::reject(&state.db, actor, id, &form.reason, now).await?,
        };
        Ok(())
    };
    act(
        state,
        viewer,
        &form.csrf_token,
        action,
        format!("/applications/{id}"),
        async |e| application_page(state, viewer, id, None, e).await,
    )
    .await
}

#[handler]
pub(super) async fn approve_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Approve).await
}

#[handler]
pub(super) async fn return_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Return).await
}

#[handler]
pub(super) async fn reject_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Reject).await
}

/// Downloads a file for whoever may see what it belongs to.
#[handler]
pub(super) async fn download(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        let (meta, bytes) = files::download(
            &state.db,
            &state.settings.data_dir,
            viewer.actor.as_ref(),
            id,
        )
        .await?;
        Ok(Response::builder()
            .header(header::CONTENT_TYPE, meta.content_type)
            .header(
                header::CONTENT_DISPOSITION,
                crate::api::files::disposition(&meta.file_name),
            )
            .header(header::CACHE_CONTROL, "private, no-store")
            .body(bytes))
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- my portal ----------

#[derive(Debug, Serialize)]
struct AppRow {
    id: Uuid,
    kind: String,
    status: String,
    name: String,
    updated_at: String,
}

#[derive(Debug, Serialize)]
struct InvitationRow {
    id: Uuid,
    organization: String,
    email: String,
}

#[derive(Debug, Serialize)]
struct MyPage {
    org: Option<MyOrg>,
    is_admin: bool,
    invitations: Vec<InvitationRow>,
    applications: Vec<AppRow>,
    bids: Vec<BidRow>,
    errors: Vec<ShownError>,
}

#[derive(Debug, Serialize)]
struct BidRow {
    project_id: Uuid,
    project: String,
    status: String,
    price: String,
    at: String,
    content_hash: String,
}

#[derive(Debug, Serialize)]
struct MyOrg {
    id: Uuid,
    name: String,
    uscc: String,
    status: String,
    active: bool,
}

fn app_rows(state: &AppState, list: Vec<Application>) -> Vec<AppRow> {
    list.into_iter()
        .map(|a| AppRow {
            id: a.row.id,
            kind: a.row.kind,
            status: a.row.status,
            name: a.row.name,
            updated_at: a
                .row
                .updated_at
                .with_timezone(&state.settings.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        })
        .collect()
}

async fn invitation_rows(
    state: &AppState,
    list: Vec<entity::invitations::Model>,
) -> Result<Vec<InvitationRow>> {
    let names = orgs::names_of(state.db.conn(), list.iter().map(|i| i.organization_id)).await?;
    Ok(list
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id,
            organization: names.get(&i.organization_id).cloned().unwrap_or_default(),
            email: i.email,
        })
        .collect())
}

#[handler]
pub(super) async fn my(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = my_page(&state, &viewer, vec![]).await;
    or_fail(&state, &viewer, r)
}

async fn my_page(state: &AppState, viewer: &Viewer, errors: Vec<ShownError>) -> Result<Response> {
    {
        let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
        let org = match actor.organization_id {
            Some(id) => {
                let o = orgs::get(state.db.conn(), id).await?;
                Some(MyOrg {
                    id,
                    active: o.status == orgs::ACTIVE,
                    name: o.name,
                    uscc: o.uscc.unwrap_or_default(),
                    status: o.status,
                })
            }
            None => None,
        };
        let invitations =
            invitation_rows(state, members::my_invitations(&state.db, actor).await?).await?;
        let (list, _) = apps::list(
            &state.db,
            actor,
            &ListFilter::default(),
            &PageRequest::parse(Some(100), None)?,
        )
        .await?;
        let mut bid_rows = Vec::new();
        if actor.organization_id.is_some() {
            // The newest 100, like the applications above.
            let (bids, _) = crate::procurement::bids::mine(
                &state.db,
                actor,
                &PageRequest::parse(Some(100), None)?,
            )
            .await?;
            let projects = crate::procurement::projects::numbers_and_titles(
                &state.db,
                bids.iter().map(|b| b.project_id),
            )
            .await?;
            for b in bids {
                let (number, title) = projects.get(&b.project_id).cloned().unwrap_or_default();
                bid_rows.push(BidRow {
                    project_id: b.project_id,
                    project: format!("{number} {title}"),
                    status: b.status,
                    price: yuan(b.price_fen),
                    at: b
                        .ended_at
                        .unwrap_or(b.submitted_at)
                        .with_timezone(&state.settings.timezone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    content_hash: b.content_hash,
                });
            }
        }
        let page = MyPage {
            bids: bid_rows,
            org,
            is_admin: actor.role == Role::OrgAdmin,
            invitations,
            applications: app_rows(state, list),
            errors,
        };
        Ok(render_status(
            state,
            viewer,
            status_for(&page.errors),
            "pages/portal/my",
            "my-title",
            page,
        ))
    }
}

// ---------- members ----------

#[derive(Debug, Serialize)]
struct MemberRow {
    id: Uuid,
    display_name: String,
    email: String,
    role: String,
    is_self: bool,
}

#[derive(Debug, Serialize)]
struct MembersPage {
    org_id: Uuid,
    org_name: String,
    is_admin: bool,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    email: String,
    errors: Vec<ShownError>,
}

async fn members_page(
    state: &AppState,
    viewer: &Viewer,
    email: String,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
    let org_id = actor
        .organization_id
        .ok_or(Error::NotFound("organization"))?;
    let org = orgs::get(state.db.conn(), org_id).await?;
    let (users, pending) = members::members_of(&state.db, actor, org_id).await?;
    let page = MembersPage {
        org_id,
        org_name: org.name.clone(),
        is_admin: actor.role == Role::OrgAdmin,
        members: users
            .into_iter()
            .map(|u| MemberRow {
                is_self: u.id == actor.user_id,
                id: u.id,
                display_name: u.display_name,
                email: u.email,
                role: u.role,
            })
            .collect(),
        invitations: pending
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                organization: org.name.clone(),
                email: i.email,
            })
            .collect(),
        email,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/members",
        "members-title",
        page,
    ))
}

#[handler]
pub(super) async fn my_organization(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = members_page(&state, &viewer, String::new(), vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct InviteForm {
    csrf_token: String,
    email: String,
}

#[handler]
pub(super) async fn invite(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<InviteForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let org = members::organization_of(actor)?;
        members::invite(&state.db, actor, org, &form.email, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/my/organization".into(),
        async |e| members_page(&state, &viewer, form.email.clone(), e).await,
    )
    .await
}

#[handler]
pub(super) async fn remove_member(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(user): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let action = async {
        let actor = viewer.actor()?;
        let org = members::organization_of(actor)?;
        members::remove(&state.db, actor, org, user, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/my/organization".into(),
        async |e| members_page(&state, &viewer, String::new(), e).await,
    )
    .await
}

#[handler]
pub(super) async fn answer_invitation(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, verb)): Path<(Uuid, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let (answer, to) = match verb.as_str() {
        "accept" => (Answer::Accept, "/my"),
        "decline" => (Answer::Decline, "/my"),
        "revoke" => (Answer::Revoke, "/my/organization"),
        _ => return super::fail(&state, &viewer, Error::NotFound("page")),
    };
    let action = async {
        members::answer(&state.db, viewer.actor()?, id, answer, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        to.into(),
        async |e| {
            if answer == Answer::Revoke {
                members_page(&state, &viewer, String::new(), e).await
            } else {
                my_page(&state, &viewer, e).await
            }
        },
    )
    .await
}

// ---------- annual reports ----------

#[derive(Debug, Default, Serialize)]
struct ReportForm {
    year: String,
    income_yuan: String,
    expenditure_yuan: String,
    net_assets_yuan: String,
    staff_count: String,
    volunteer_count: String,
    activities: String,
}

#[derive(Debug, Serialize)]
struct ReportRow {
    id: Uuid,
    year: i32,
    status: String,
    result: String,
    review_note: String,
    organization: String,
}

#[derive(Debug, Serialize)]
struct MyReportsPage {
    reports: Vec<ReportRow>,
    form: ReportForm,
    can_submit: bool,
    errors: Vec<ShownError>,
}

async fn report_rows(
    state: &AppState,
    list: Vec<entity::annual_reports::Model>,
) -> Result<Vec<ReportRow>> {
    let names = orgs::names_of(state.db.conn(), list.iter().map(|r| r.organization_id)).await?;
    Ok(list
        .into_iter()
        .map(|r| ReportRow {
            id: r.id,
            year: r.year,
            status: r.status,
            result: r.result.unwrap_or_default(),
            review_note: r.review_note.unwrap_or_default(),
            organization: names.get(&r.organization_id).cloned().unwrap_or_default(),
        })
        .collect())
}

async fn my_reports_page(
    state: &AppState,
    viewer: &Viewer,
    form: ReportForm,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = policy::check(viewer.actor.as_ref(), Action::Apply)?;
    let (list, _) = reports::list(
        &state.db,
        actor,
        &reports::ListFilter::default(),
        &PageRequest::parse(Some(100), None)?,
    )
    .await?;
    let page = MyReportsPage {
        reports: report_rows(state, list).await?,
        form,
        can_submit: actor.organization_id.is_some(),
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/annual_reports",
        "annual-reports-title",
        page,
    ))
}

#[handler]
pub(super) async fn my_reports(state: Data<&AppState>, viewer: Viewer) -> Response {
    let last_year = chrono::Datelike::year(&crate::clock::china_date(state.clock.now())) - 1;
    let form = ReportForm {
        year: last_year.to_string(),
        ..ReportForm::default()
    };
    let r = my_reports_page(&state, &viewer, form, vec![]).await;
    or_fail(&state, &viewer, r)
}

fn report_input(u: &Upload) -> Result<ReportInput> {
    let mut errors = Vec::new();
    let mut money = |field: &str| -> i64 {
        Fen::from_yuan_str(u.text(field))
            .map(|f| f.0)
            .unwrap_or_else(|e| {
                errors.push(FieldError::new(field, "invalid_amount", e.to_string()));
                0
            })
    };
    let income_fen = money("income_yuan");
    let expenditure_fen = money("expenditure_yuan");
    let net_assets_fen = money("net_assets_yuan");
    let mut number = |field: &str| -> i32 {
        u.text(field).trim().parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                field,
                "invalid_number",
                "enter a whole number",
            ));
            0
        })
    };
    let year = number("year");
    let staff_count = number("staff_count");
    let volunteer_count = number("volunteer_count");
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(ReportInput {
        year,
        income_fen,
        expenditure_fen,
        net_assets_fen,
        staff_count,
        volunteer_count,
        activities: u.text("activities").to_owned(),
        statement_file_id: None,
    })
}

#[handler]
pub(super) async fn submit_report(
    state: Data<&AppState>,
    viewer: Viewer,
    mp: Multipart,
) -> Response {
    let upload = match Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return super::fail(&state, &viewer, e),
    };
    let action = async {
        let mut input = report_input(&upload)?;
        input.statement_file_id = upload.store(&state, &viewer).await?;
        reports::submit(&state.db, viewer.actor()?, input, state.clock.now()).await?;
        Ok(())
    };
    let echo = ReportForm {
        year: upload.text("year").into(),
        income_yuan: upload.text("income_yuan").into(),
        expenditure_yuan: upload.text("expenditure_yuan").into(),
        net_assets_yuan: upload.text("net_assets_yuan").into(),
        staff_count: upload.text("staff_count").into(),
        volunteer_count: upload.text("volunteer_count").into(),
        activities: upload.text("activities").into(),
    };
    act(
        &state,
        &viewer,
        upload.text("csrf_token"),
        action,
        "/my/annual-reports".into(),
        async |e| my_reports_page(&state, &viewer, echo, e).await,
    )
    .await
}

#[derive(Debug, Serialize)]
struct ReportPage {
    id: Uuid,
    organization_id: Uuid,
    organization: String,
    year: i32,
    status: String,
    result: String,
    income: String,
    expenditure: String,
    net_assets: String,
    staff_count: i32,
    volunteer_count: i32,
    activities: String,
    statement_file_id: Option<Uuid>,
    review_note: String,
    can_review: bool,
    results: [&'static str; 3],
    errors: Vec<ShownError>,
}

async fn report_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor()?;
    let r = reports::get(&state.db, actor, id).await?;
    let page = ReportPage {
        id,
        organization_id: r.organization_id,
        organization: orgs::get(state.db.conn(), r.organization_id).await?.name,
        year: r.year,
        can_review: actor.role == Role::Registrar && r.status == reports::SUBMITTED,
        status: r.status,
        result: r.result.unwrap_or_default(),
        income: yuan(r.income_fen),
        expenditure: yuan(r.expenditure_fen),
        net_assets: yuan(r.net_assets_fen),
        staff_count: r.staff_count,
        volunteer_count: r.volunteer_count,
        activities: r.activities,
        statement_file_id: r.statement_file_id,
        review_note: r.review_note.unwrap_or_default(),
        results: reports::RESULTS,
        errors,
    };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/portal/annual_report",
        "annual-report-title",
        page,
    ))
}

#[handler]
pub(super) async fn report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = report_page(&state, &viewer, id, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(super) struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    reason: String,
}

#[handler]
pub(super) async fn review_report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path((id, verb)): Path<(Uuid, String)>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let review = match verb.as_str() {
        "accept" => Review::Accept(form.result.clone()),
        "return" => Review::Return(form.reason.clone()),
        _ => return super::fail(&state, &viewer, Error::NotFound("page")),
    };
    let action = async {
        reports::review(&state.db, viewer.actor()?, id, review, state.clock.now()).await?;
        Ok(())
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        format!("/annual-reports/{id}"),
        async |e| report_page(&state, &viewer, id, e).await,
    )
    .await
}

// ---------- registrar workspace ----------

#[derive(Debug, Serialize)]
struct Count {
    kind: &'static str,
    count: u64,
}

#[derive(Debug, Serialize)]
struct RegistrarPage {
    counts: Vec<Count>,
    reports_waiting: usize,
    applications: Vec<AppRow>,
    reports: Vec<ReportRow>,
    status: String,
    statuses: [&'static str; 5],
}

#[derive(Debug, Deserialize)]
pub(super) struct QueueQuery {
    status: Option<String>,
}

#[handler]
pub(super) async fn registrar(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let r = async {
        let actor = policy::check(viewer.actor.as_ref(), Action::ReadRegistry)?;
        let counts = apps::queue_counts(&state.db, actor).await?;
        let status = q
            .status
            .as_deref()
            .and_then(Status::parse)
            .unwrap_or(Status::Submitted);
        let filter = ListFilter {
            status: Some(status),
            kind: None,
        };
        let page = PageRequest::parse(Some(100), None)?;
        let (list, _) = apps::list(&state.db, actor, &filter, &page).await?;
        let waiting = reports::ListFilter {
            status: Some(reports::SUBMITTED.into()),
            year: None,
        };
        let (report_list, _) = reports::list(&state.db, actor, &waiting, &page).await?;
        let page = RegistrarPage {
            counts: counts
                .into_iter()
                .map(|(k, n)| Count {
                    kind: k.as_str(),
                    count: n,
                })
                .collect(),
            reports_waiting: report_list.len(),
            applications: app_rows(&state, list),
            reports: report_rows(&state, report_list).await?,
            status: status.as_str().into(),
            statuses: ["submitted", "returned", "approved", "rejected", "withdrawn"],
        };
        Ok(render_status(
            &state,
            &viewer,
            StatusCode::OK,
            "pages/portal/registrar",
            "registrar-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}
