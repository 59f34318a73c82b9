//! The dashboard: public figures and charts for everyone, the work waiting
//! for staff (registrars, purchasers, auditors, admins) on the same page.

use poem::web::Data;
use poem::{Response, handler};
use serde::Serialize;

use super::{Viewer, or_fail, render};
use crate::app::AppState;
use crate::clock::china_date;
use crate::i18n::Lang;
use crate::money::Fen;
use crate::stats::chart::{self, Chart};
use crate::stats::{self, Count, Staff};

#[derive(Debug, Serialize)]
struct Page {
    organizations: i64,
    projects: i64,
    funds: String,
    average_score: Option<String>,
    scored: i64,
    overdue: i64,
    charts: Vec<Chart>,
    staff: Option<Staff>,
    grants_chart: Option<Chart>,
}

/// Labels counts whose keys are codes with translations under `prefix`.
fn labelled(lang: Lang, prefix: &str, counts: &[Count]) -> Vec<Count> {
    counts
        .iter()
        .map(|c| Count {
            label: lang
                .try_t(&format!("{prefix}{}", c.key))
                .unwrap_or_else(|| c.label.clone()),
            ..c.clone()
        })
        .collect()
}

/// Relabels counts in `lang` by their key (`relabel` gives the words, or
/// none to keep the label).
fn relabelled(counts: &[Count], relabel: impl Fn(&str) -> Option<String>) -> Vec<Count> {
    counts
        .iter()
        .map(|c| Count {
            label: relabel(&c.key).unwrap_or_else(|| c.label.clone()),
            ..c.clone()
        })
        .collect()
}

#[handler]
pub(super) async fn dashboard(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = async {
        let p = stats::public(&state.db, china_date(state.clock.now())).await?;
        let staff = match viewer.actor.as_ref().filter(|a| stats::is_staff(a)) {
            Some(a) => Some(stats::staff(&state.db, a).await?),
            None => None,
        };
        let lang = viewer.lang;
        // Provinces and categories in the reader's language: categories
        // are counted under their Chinese names (the key).
        let categories = crate::procurement::catalog::list(&state.db, false).await?;
        let category = |name_zh: &str| match lang {
            Lang::ZhCn => None,
            Lang::En => categories
                .iter()
                .find(|c| c.name_zh == name_zh)
                .map(|c| c.name_en.clone()),
        };
        let province = |code: &str| Some(super::format::place(code, lang));
        let charts = vec![
            chart::bars(
                "chart-org-type",
                &labelled(lang, "orgtype-", &p.organizations_by_type),
                false,
            ),
            chart::bars(
                "chart-org-region",
                &relabelled(&p.organizations_by_region, province),
                false,
            ),
            chart::bars("chart-org-year", &p.organizations_by_year, false),
            chart::bars(
                "chart-project-status",
                &labelled(lang, "pstatus-", &p.projects_by_status),
                false,
            ),
            chart::bars(
                "chart-project-category",
                &relabelled(&p.projects_by_category, category),
                false,
            ),
            chart::bars(
                "chart-funds-category",
                &relabelled(&p.funds_by_category, category),
                true,
            ),
            chart::bars("chart-funds-year", &p.funds_by_year, true),
        ];
        let grants_chart = staff.as_ref().map(|s| {
            chart::bars(
                "chart-grant-status",
                &labelled(lang, "gstatus-", &s.grants_by_status),
                false,
            )
        });
        let sum = |v: &[Count]| v.iter().map(|c| c.value).sum::<i64>();
        let page = Page {
            organizations: sum(&p.organizations_by_type),
            projects: sum(&p.projects_by_status),
            funds: Fen(p.funds_total_fen).grouped(),
            average_score: p
                .average_score_hundredths
                .map(|h| format!("{}.{:02}", h / 100, h % 100)),
            scored: p.scored_grants,
            overdue: p.overdue_reports,
            charts,
            staff,
            grants_chart,
        };
        Ok(render(
            &state,
            &viewer,
            "pages/dashboard",
            "dashboard-title",
            page,
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}
