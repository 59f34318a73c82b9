//! `/registrar`: the registrar's queues with their counts.

use super::*;

// ---------- registrar workspace ----------

#[derive(Debug, Serialize)]
pub(super) struct Count {
    kind: &'static str,
    count: u64,
}

#[derive(Debug, Serialize)]
pub(super) struct RegistrarPage {
    counts: Vec<Count>,
    reports_waiting: usize,
    applications: Vec<AppRow>,
    reports: Vec<ReportRow>,
    status: String,
    statuses: Vec<&'static str>,
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct QueueQuery {
    status: Option<String>,
}

#[handler]
pub(in crate::web) async fn registrar(
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
            status: Some(reports::ReportStatus::Submitted),
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
            // A registrar never sees drafts.
            statuses: Status::ALL
                .into_iter()
                .filter(|s| *s != Status::Draft)
                .map(Status::as_str)
                .collect(),
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
