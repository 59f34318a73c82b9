//! Annual reports: the organization's list and submission, one report's
//! page and the registrar's review.

use super::*;

// ---------- annual reports ----------

#[derive(Debug, Default, Serialize)]
pub(super) struct ReportForm {
    year: String,
    income_yuan: String,
    expenditure_yuan: String,
    net_assets_yuan: String,
    staff_count: String,
    volunteer_count: String,
    activities: String,
}

#[derive(Debug, Serialize)]
pub(super) struct ReportRow {
    id: Uuid,
    year: i32,
    status: String,
    result: String,
    review_note: String,
    organization: String,
}

#[derive(Debug, Serialize)]
pub(super) struct MyReportsPage {
    reports: Vec<ReportRow>,
    form: ReportForm,
    can_submit: bool,
    errors: Vec<ShownError>,
}

pub(super) async fn report_rows(
    state: &AppState,
    list: Vec<entity::annual_reports::Model>,
) -> Result<Vec<ReportRow>> {
    let names = orgs::names_of(state.db.conn(), list.iter().map(|r| r.organization_id)).await?;
    Ok(list
        .into_iter()
        .map(|r| ReportRow {
            id: r.id,
            year: r.year,
            status: r.status.as_str().into(),
            result: r.result.unwrap_or_default(),
            review_note: r.review_note.unwrap_or_default(),
            organization: names.get(&r.organization_id).cloned().unwrap_or_default(),
        })
        .collect())
}

pub(super) async fn my_reports_page(
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
pub(in crate::web) async fn my_reports(state: Data<&AppState>, viewer: Viewer) -> Response {
    let last_year = chrono::Datelike::year(&crate::clock::china_date(state.clock.now())) - 1;
    let form = ReportForm {
        year: last_year.to_string(),
        ..ReportForm::default()
    };
    let r = my_reports_page(&state, &viewer, form, vec![]).await;
    or_fail(&state, &viewer, r)
}

pub(super) fn report_input(u: &Upload) -> Result<ReportInput> {
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
pub(in crate::web) async fn submit_report(
    state: Data<&AppState>,
    viewer: Viewer,
    mp: Multipart,
) -> Response {
    let upload = match Upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return crate::web::fail(&state, &viewer, e),
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
pub(super) struct ReportPage {
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

pub(super) async fn report_page(
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
        can_review: policy::may(Some(actor), policy::Action::Register)
            && r.status == reports::ReportStatus::Submitted,
        status: r.status.as_str().into(),
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
pub(in crate::web) async fn report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Response {
    let r = report_page(&state, &viewer, id, vec![]).await;
    or_fail(&state, &viewer, r)
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct ReviewForm {
    csrf_token: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    reason: String,
}

/// The registrar accepts an annual report with its result.
#[handler]
pub(in crate::web) async fn accept_report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let review = Review::Accept(form.result.clone());
    review_report(&state, &viewer, id, review, &form.csrf_token).await
}

/// The registrar returns an annual report with a reason.
#[handler]
pub(in crate::web) async fn return_report(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<ReviewForm>,
) -> Response {
    let review = Review::Return(form.reason.clone());
    review_report(&state, &viewer, id, review, &form.csrf_token).await
}

async fn review_report(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    review: Review,
    csrf: &str,
) -> Response {
    let action = async {
        reports::review(&state.db, viewer.actor()?, id, review, state.clock.now()).await?;
        Ok(())
    };
    act(
        state,
        viewer,
        csrf,
        action,
        format!("/annual-reports/{id}"),
        async |e| report_page(state, viewer, id, e).await,
    )
    .await
}
