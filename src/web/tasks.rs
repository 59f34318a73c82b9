//! The task page: what waits for the signed-in person, a group per kind
//! with its count and the longest waiting first, each thing a link to the
//! page where it is done. Where a sign-in lands.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem::{Response, handler};
use serde::Serialize;

use super::{Viewer, or_fail, render};
use crate::app::AppState;
use crate::clock::china_date;
use crate::i18n::Lang;
use crate::tasks::{Group, Kind};

#[derive(Debug, Serialize)]
struct ItemView {
    title: String,
    link: String,
    age: String,
    late: bool,
}

#[derive(Debug, Serialize)]
struct GroupView {
    label: String,
    count: u64,
    link: String,
    more: bool,
    items: Vec<ItemView>,
}

#[derive(Debug, Serialize)]
struct TasksPage {
    duties: Vec<GroupView>,
    chances: Vec<GroupView>,
}

/// How long a thing has waited, or how soon it falls due, for a person;
/// and whether it is late.
fn age(lang: Lang, kind: Kind, since: DateTime<Utc>, now: DateTime<Utc>) -> (String, bool) {
    let days = (china_date(now) - china_date(since)).num_days();
    let say = |key: &str, n: i64| {
        lang.try_t_with(key, &[("days", n.to_string())])
            .unwrap_or_default()
    };
    match kind {
        Kind::ProjectsClosingSoon => (say("tasks-closes-in-days", (-days).max(0)), false),
        Kind::ReportsDue | Kind::ChallengesOverdue | Kind::PaymentsDue if days > 0 => {
            (say("tasks-overdue-days", days), true)
        }
        _ if days < 0 => (say("tasks-due-in-days", -days), false),
        _ if days == 0 => (lang.try_t("tasks-waiting-today").unwrap_or_default(), false),
        _ => (say("tasks-waiting-days", days), days > 14),
    }
}

fn view(lang: Lang, g: &Group, now: DateTime<Utc>) -> GroupView {
    GroupView {
        label: lang
            .try_t(&format!("task-{}", g.kind.as_str()))
            .unwrap_or_default(),
        count: g.count,
        link: g.link.clone(),
        more: g.count > g.items.len() as u64,
        items: g
            .items
            .iter()
            .map(|i| {
                let (age, late) = age(lang, g.kind, i.since, now);
                ItemView {
                    title: i.title.clone(),
                    link: i.link.clone(),
                    age,
                    late,
                }
            })
            .collect(),
    }
}

#[handler]
pub(super) async fn tasks(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = async {
        let actor = viewer.actor()?;
        let now = state.clock.now();
        let groups = crate::workspace::tasks(&state.db, actor, now).await?;
        let (duties, chances): (Vec<&Group>, Vec<&Group>) =
            groups.iter().partition(|g| g.kind.is_duty());
        Ok(render(
            &state,
            &viewer,
            "pages/tasks",
            "tasks-title",
            TasksPage {
                duties: duties.iter().map(|g| view(viewer.lang, g, now)).collect(),
                chances: chances.iter().map(|g| view(viewer.lang, g, now)).collect(),
            },
        ))
    }
    .await;
    or_fail(&state, &viewer, r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_read_as_waiting_due_or_late() {
        let now = Utc.with_ymd_and_hms(2026, 5, 20, 4, 0, 0).unwrap();
        let ago = |d: i64| now - chrono::Duration::days(d);
        let zh = Lang::ZhCn;
        assert_eq!(
            age(zh, Kind::ApplicationsToReview, ago(3), now).0,
            "已等待 3 天"
        );
        assert_eq!(age(zh, Kind::ApplicationsToReview, ago(0), now).0, "今天");
        assert!(age(zh, Kind::ApplicationsToReview, ago(20), now).1);
        assert_eq!(
            age(zh, Kind::ReportsDue, ago(-2), now),
            ("2 天后到期".into(), false)
        );
        assert_eq!(
            age(zh, Kind::ReportsDue, ago(4), now),
            ("已逾期 4 天".into(), true)
        );
        assert_eq!(
            age(Lang::En, Kind::ProjectsClosingSoon, ago(-5), now).0,
            "closes in 5 days"
        );
    }
}
