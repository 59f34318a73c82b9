//! Registration applications: the form, a new application, one
//! application's page with its documents, and the registrar's decisions.

use super::*;

// ---------- the application form ----------

/// An application form as typed (all text, so it can be shown again).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(in crate::web) struct AppForm {
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

pub(super) fn opt(s: &str) -> Option<String> {
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
pub(super) struct Choices {
    org_types: [&'static str; 3],
    fields: [&'static str; 5],
    labels: [&'static str; 9],
    authorities: &'static [crate::web::format::AuthorityGroup],
}

pub(super) fn choices(lang: crate::i18n::Lang) -> Choices {
    Choices {
        org_types: OrgType::KINDS,
        fields: Field::NAMES,
        labels: files::APPLICATION_LABELS,
        authorities: crate::web::format::authority_groups(lang),
    }
}

// ---------- new application ----------

#[derive(Debug, Serialize)]
pub(super) struct NewApplicationPage {
    form: AppForm,
    choices: Choices,
    org_name: String,
    errors: Vec<ShownError>,
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct KindQuery {
    kind: Option<String>,
}

pub(super) async fn new_page(
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
        choices: choices(viewer.lang),
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
pub(in crate::web) async fn new_application(
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
pub(in crate::web) async fn create_application(
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
            Err(e) => match crate::web::form_errors(viewer.lang, &e) {
                Some(errors) => new_page(&state, &viewer, form.clone(), errors).await,
                None => Err(e),
            },
        }
    }
    .await;
    or_fail(&state, &viewer, r)
}

// ---------- one application ----------

pub(super) fn fact(label: &str, value: impl Into<String>) -> Fact {
    Fact::new(label, value)
}

pub(super) fn keyed(label: &str, key: String) -> Fact {
    Fact::keyed(label, key)
}

/// What an application says, for reading; a change shows each new value
/// beside the registered one (`current`).
pub(super) fn facts_of(
    c: &Content,
    current: Option<&entity::organizations::Model>,
    lang: crate::i18n::Lang,
) -> Vec<Fact> {
    let mut facts = match c {
        Content::Registration(p) => {
            let mut out = vec![
                fact("name", &p.name),
                keyed("org_type", format!("orgtype-{}", p.org_type)),
                fact(
                    "authority",
                    crate::web::format::authority(&p.division_code, lang),
                ),
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
            .filter_map(|(l, v, previous)| v.map(|v| fact(l, v).was(previous.unwrap_or_default())))
            .collect()
        }
        Content::Deregistration(d) => vec![fact("reason", &d.reason)],
    };
    facts.retain(|f| !f.is_empty());
    facts
}

#[derive(Debug, Serialize)]
pub(super) struct DocRow {
    id: Uuid,
    label: String,
    file_name: String,
    size_kb: i64,
    content_type: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ApplicationPage {
    /// What the page is about, for its title.
    subject: String,
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
    checklist: Vec<crate::registry::materials::Item>,
    checklist_done: bool,
    history: Vec<StepRow>,
    code_to_issue: Option<String>,
    max_upload_mb: u64,
    errors: Vec<ShownError>,
}

/// One step of an application's history, as the page shows it.
#[derive(Debug, Serialize)]
pub(super) struct StepRow {
    what: String,
    at: String,
    reason: Option<String>,
}

pub(super) async fn application_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    form: Option<AppForm>,
    errors: Vec<ShownError>,
) -> Result<Response> {
    let actor = viewer.actor()?;
    let (app, access) = apps::get(&state.db, actor, id).await?;
    let docs = apps::documents(&state.db, actor, id).await?;
    let checklist = apps::checklist(&state.db, actor, id).await?;
    let history = apps::history(&state.db, actor, id)
        .await?
        .into_iter()
        .map(|h| StepRow {
            what: h.what,
            at: crate::web::local_time(state, h.at),
            reason: h.reason,
        })
        .collect();
    let can_decide = policy::check(Some(actor), Action::Register).is_ok()
        && apps::transition(app.status, apps::Action::Approve).is_ok();
    let code_to_issue = if can_decide {
        apps::code_to_issue(&state.db, actor, id).await?
    } else {
        None
    };
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
        subject: row.name.clone(),
        id,
        kind: row.kind.clone(),
        status: status.as_str().into(),
        name: row.name.clone(),
        // The registrar's last reason while it stands: not once resubmitted.
        decision_reason: if matches!(
            status,
            apps::Status::Returned | apps::Status::Rejected | apps::Status::Approved
        ) {
            row.decision_reason.clone().unwrap_or_default()
        } else {
            String::new()
        },
        submitted_at: row
            .submitted_at
            .map(|t| crate::web::local_time(state, t))
            .unwrap_or_default(),
        organization_id: row.organization_id,
        facts: facts_of(&content, current.as_ref(), viewer.lang),
        form: form.unwrap_or_else(|| AppForm::from_content(&content)),
        choices: choices(viewer.lang),
        editable,
        can_submit: editable && access == ApplicationAccess::Submit,
        can_decide,
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
        checklist_done: checklist.iter().all(|i| i.attached),
        checklist,
        history,
        code_to_issue,
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
pub(in crate::web) async fn application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = application_page(&state, &viewer, id, None, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(in crate::web) async fn update_application(
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
pub(super) enum Step {
    Submit,
    Withdraw,
}

pub(super) async fn step(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    csrf: &str,
    step: Step,
) -> Response {
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

/// "Check your answers": the application as it will be sent, and its
/// materials, before the applicant sends it; nothing is sent while a
/// required document is missing.
#[handler]
pub(in crate::web) async fn check_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        let apps::SubmitCheck {
            app,
            checklist,
            problems,
        } = apps::check_submit(&state.db, actor, id).await?;
        let docs = apps::documents(&state.db, actor, id).await?;
        let current = match (&app.content, app.row.organization_id) {
            (Content::Change(_), Some(org)) => Some(orgs::get(state.db.conn(), org).await?),
            _ => None,
        };
        let materials = checklist.iter().map(|item| {
            let names: Vec<&str> = docs
                .iter()
                .filter(|d| d.label.as_deref() == Some(item.label.as_str()))
                .map(|d| d.file_name.as_str())
                .collect();
            if names.is_empty() {
                Fact::keyed("", "checklist-missing").titled(format!("doc-{}", item.label))
            } else {
                Fact::new("", names.join("\n")).titled(format!("doc-{}", item.label))
            }
        });
        let mut confirm = Confirm::decision(
            "check-application",
            app.row.name.clone(),
            format!("/applications/{id}/submit"),
            format!("/applications/{id}"),
        )
        .facts(
            facts_of(&app.content, current.as_ref(), viewer.lang)
                .into_iter()
                .chain(materials),
        );
        confirm.warning = "check-application-next";
        confirm.yes = "submit-application";
        confirm.cancel = "check-change";
        confirm.blocked = !problems.is_empty();
        confirm.errors = super::super::shown_errors(viewer.lang, &problems);
        Ok(confirm_page(&state, &viewer, confirm))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[handler]
pub(in crate::web) async fn submit_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    step(&state, &viewer, id, &form.csrf_token, Step::Submit).await
}

#[handler]
pub(in crate::web) async fn withdraw_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    step(&state, &viewer, id, &form.csrf_token, Step::Withdraw).await
}

#[handler]
pub(in crate::web) async fn attach_document(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    mp: Multipart,
) -> Response {
    let upload = match Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return crate::web::fail(&state, &viewer, e),
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
pub(in crate::web) struct DecisionForm {
    csrf_token: String,
    /// Set by the confirmation step: approvals and rejections are final.
    #[serde(default)]
    confirmed: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    legacy_override_reason: String,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Decision {
    Approve,
    Return,
    Reject,
}

pub(super) async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    form: DecisionForm,
    d: Decision,
) -> Response {
    // Final decisions are asked twice: first a page that says what will
    // happen, then the decision itself.
    if form.confirmed.is_empty() && !matches!(d, Decision::Return) {
        let (verb, question) = match d {
            Decision::Approve => ("approve", "confirm-approve"),
            _ => ("reject", "confirm-reject"),
        };
        let r = async {
            viewer.check_csrf(&form.csrf_token)?;
            let actor = viewer.actor()?;
            policy::check(Some(actor), Action::Register)?;
            let (app, _) = apps::get(&state.db, actor, id).await?;
            let code = match d {
                Decision::Approve if opt(&form.uscc).is_none() => {
                    apps::code_to_issue(&state.db, actor, id).await?
                }
                _ => opt(&form.uscc),
            };
            let confirm = Confirm::decision(
                question,
                app.row.name.clone(),
                format!("/applications/{id}/{verb}"),
                format!("/applications/{id}"),
            )
            .facts([
                fact("uscc", code.unwrap_or_default()),
                fact("reason", &form.reason),
                fact("legacy_override_reason", &form.legacy_override_reason),
            ])
            .fields(&vec![
                ("reason".to_owned(), form.reason.clone()),
                ("uscc".to_owned(), form.uscc.clone()),
                (
                    "legacy_override_reason".to_owned(),
                    form.legacy_override_reason.clone(),
                ),
            ]);
            Ok(confirm_page(
                state,
                viewer,
                if matches!(d, Decision::Reject) {
                    confirm.danger()
                } else {
                    confirm
                },
            ))
        }
        .await;
        return or_fail(state, viewer, r);
    }
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
pub(in crate::web) async fn approve_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Approve).await
}

#[handler]
pub(in crate::web) async fn return_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Return).await
}

#[handler]
pub(in crate::web) async fn reject_application(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<DecisionForm>,
) -> Response {
    decide(&state, &viewer, id, form, Decision::Reject).await
}

/// Downloads a file for whoever may see what it belongs to.
#[handler]
pub(in crate::web) async fn download(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = async {
        let (meta, bytes) = crate::downloads::download(
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
                crate::downloads::disposition(&meta.file_name),
            )
            .header(header::CACHE_CONTROL, "private, no-store")
            .body(bytes))
    }
    .await;
    or_fail(&state, &viewer, r)
}
