//! Challenges (质疑) against an award notice, with their rules.
//!
//! ```text
//! challenge open -> upheld | dismissed | closed   (closed: moot after another was upheld)
//! ```
//!
//! Who may do what:
//! - an org member or admin of a bidder of the opening record files one
//!   challenge per notice, with reasons and files, until the last day of the
//!   window (7 working days from the notice's China date, holiday calendar:
//!   [`seven_working_days`], [`window_open`]);
//! - the purchaser of the project's department replies `dismissed` or
//!   `upheld` with reasons; an upheld challenge withdraws the notice
//!   (`award::withdraw`) and sends the project back to `evaluating` or to
//!   `failed`; a reply later than 7 working days from the filing is flagged
//!   overdue ([`reply_overdue`]), not refused;
//! - everyone reads each challenge's dates, status and reply; the
//!   challenger's name, reasons and files are for the challenger, the
//!   department, auditors and admins.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{challenges, files as file_rows, panel_members as members, projects};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::award::{self, AwardStatus, current, move_project, moved_elsewhere, too_long};
use super::bids;
use super::projects::{self as project_service, Project};
use super::rules::{self, Action, Status};
use crate::audit::Change;
use crate::auth::{Actor, policy};
use crate::calendar::Calendar;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::files;

/// Where a challenge is: open, upheld, dismissed, closed.
pub use entity::challenges::Status as ChallengeStatus;
/// Owner kind of challenge files.
pub const FILE_OWNER: &str = "challenge";

/// How the purchaser answers a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not founded; the notice stands.
    Dismissed,
    /// Founded, the panel evaluates again.
    UpheldReevaluate,
    /// Founded, the project fails.
    UpheldFail,
}

/// A challenge as the caller may see it.
#[derive(Debug, Clone)]
pub struct ChallengeView {
    /// The row; `reasons` and `organization_id` are blanked for the public.
    pub row: challenges::Model,
    /// The challenger's name, for those who may see it.
    pub organization_name: Option<String>,
    /// Files, for those who may see them.
    pub files: Vec<file_rows::Model>,
    /// Open past its reply day.
    pub overdue: bool,
    /// Whether `reasons`, the challenger and the files are shown.
    pub detailed: bool,
}

/// The last day to file a challenge against a notice published on `notice`:
/// 7 working days later (the same rule gives the purchaser's reply deadline).
#[must_use]
pub fn seven_working_days(calendar: &Calendar, from: NaiveDate) -> NaiveDate {
    calendar.add_working_days(from, 7)
}

/// Whether a challenge may still be filed on `today` (China date) when the
/// window ends on `until`: the last day counts in full.
#[must_use]
pub fn window_open(until: NaiveDate, today: NaiveDate) -> bool {
    today <= until
}

/// Whether an open challenge's reply, due on `due`, is overdue on `today`.
#[must_use]
pub fn reply_overdue(due: NaiveDate, today: NaiveDate) -> bool {
    today > due
}

/// Whether the actor sees challenges in full: the department, auditors, admins.
fn sees_all_challenges(actor: Option<&Actor>, p: &Project) -> bool {
    policy::oversees(actor, p.row.department_id)
}

/// The challenges of a project's notices, newest first, as the caller may see them.
///
/// # Errors
/// `NotFound` for drafts the caller may not see.
pub async fn challenges_of(
    db: &Db,
    actor: Option<&Actor>,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<ChallengeView>> {
    let p = project_service::get(db, actor, project_id).await?;
    let all = challenges::Entity::find()
        .filter(challenges::Column::ProjectId.eq(project_id))
        .order_by_desc(challenges::Column::Id)
        .all(db.conn())
        .await?;
    let today = crate::clock::china_date(now);
    let everything = sees_all_challenges(actor, &p);
    let mut out = Vec::new();
    for c in all {
        let own = actor.is_some_and(|a| policy::acts_for(Some(a), c.organization_id));
        out.push(view(db, c, everything || own, today).await?);
    }
    Ok(out)
}

async fn view(
    db: &Db,
    c: challenges::Model,
    detailed: bool,
    today: NaiveDate,
) -> Result<ChallengeView> {
    let overdue = c.status == ChallengeStatus::Open && reply_overdue(c.reply_due, today);
    if !detailed {
        return Ok(ChallengeView {
            row: challenges::Model {
                reasons: String::new(),
                organization_id: Uuid::nil(),
                filed_by: Uuid::nil(),
                replied_by: None,
                ..c
            },
            organization_name: None,
            files: Vec::new(),
            overdue,
            detailed,
        });
    }
    let name = entity::organizations::Entity::find_by_id(c.organization_id)
        .one(db.conn())
        .await?
        .map(|o| o.name);
    let files = files::attached_to(db.conn(), FILE_OWNER, c.id).await?;
    Ok(ChallengeView {
        row: c,
        organization_name: name,
        files,
        overdue,
        detailed,
    })
}

/// The challenge row if the actor may see it in full: its challenger, the
/// department, auditors and admins.
///
/// # Errors
/// `NotFound` for everyone else.
pub async fn challenge_access(db: &Db, actor: &Actor, id: Uuid) -> Result<challenges::Model> {
    let c = challenges::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    let p = project_service::get(db, Some(actor), c.project_id).await?;
    let own = policy::acts_for(Some(actor), c.organization_id);
    if own || sees_all_challenges(Some(actor), &p) {
        Ok(c)
    } else {
        Err(Error::NotFound("challenge"))
    }
}

/// One challenge in full, for those of [`challenge_access`].
///
/// # Errors
/// `NotFound` for everyone else.
pub async fn get_challenge(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<ChallengeView> {
    let c = challenge_access(db, actor, id).await?;
    view(db, c, true, crate::clock::china_date(now)).await
}

/// A bidder files a challenge against the current notice.
///
/// # Errors
/// `Forbidden` unless an org user of a losing bidder; `Conflict` when there
/// is no notice, the window has closed, or the organization has filed one;
/// `Invalid` for an organization that did not bid, empty reasons, or files
/// that are not the caller's unattached uploads.
pub async fn file_challenge(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    reasons: &str,
    file_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<ChallengeView> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let org = actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you belong to no organization"))?;
    let reasons = too_long("reasons", reasons, 5000)?;
    let calendar = Calendar::load(db.conn()).await?;
    let today = crate::clock::china_date(now);
    let tx = db.begin().await?;
    let row = projects::Entity::find_by_id(project_id)
        .lock_exclusive()
        .one(&*tx)
        .await?
        .filter(|r| r.status != Status::Draft)
        .ok_or(Error::NotFound("project"))?;
    let award = current(&*tx, project_id)
        .await?
        .filter(|a| a.status == AwardStatus::Notice && row.status == Status::Notice)
        .ok_or_else(|| Error::Conflict {
            code: "no_notice",
            message: "challenges are filed against a published award notice".into(),
        })?;
    if !window_open(award.challenge_until, today) {
        return Err(Error::Conflict {
            code: "window_closed",
            message: format!(
                "the challenge window closed at the end of {}",
                award.challenge_until
            ),
        });
    }
    let (_, entries) = bids::opening_record(db, project_id).await?;
    if !entries.iter().any(|e| e.organization_id == org) {
        return Err(Error::forbidden(
            "only bidders of this project may challenge its award",
        ));
    }
    if award.organization_id == org {
        return Err(Error::forbidden(
            "the winning organization does not challenge its own award",
        ));
    }
    let filed = challenges::Entity::find()
        .filter(challenges::Column::AwardId.eq(award.id))
        .filter(challenges::Column::OrganizationId.eq(org))
        .one(&*tx)
        .await?;
    if filed.is_some() {
        return Err(Error::Conflict {
            code: "already_challenged",
            message: "your organization has challenged this notice".into(),
        });
    }
    let c = challenges::Model {
        id: Uuid::now_v7(),
        project_id,
        award_id: award.id,
        organization_id: org,
        filed_by: actor.user_id,
        reasons,
        filed_at: now,
        reply_due: seven_working_days(&calendar, today),
        status: ChallengeStatus::Open,
        outcome: None,
        reply: None,
        replied_by: None,
        replied_at: None,
    };
    challenges::ActiveModel::from(c.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    let attached =
        files::attach_all(&*tx, actor, file_ids, FILE_OWNER, c.id, "challenge", now).await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "challenge.file",
            "challenge",
            c.id,
            None,
            Some(&serde_json::json!({
                "project_id": project_id, "award_id": award.id, "organization_id": org,
                "reasons": c.reasons, "reply_due": c.reply_due,
                "files": attached.iter().map(|f| &f.sha256).collect::<Vec<_>>(),
            })),
        ),
        crate::open::Event::ChallengeFiled(c.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ChallengeView {
        row: c,
        organization_name: None,
        files: attached,
        overdue: false,
        detailed: true,
    })
}

/// The purchaser replies to an open challenge.
///
/// # Errors
/// `Forbidden` by role or department; `NotFound`; `Conflict` when already
/// answered or the notice is no longer current; `Invalid` for empty reasons.
pub async fn reply(
    db: &Db,
    actor: &Actor,
    challenge_id: Uuid,
    decision: Decision,
    reasons: &str,
    now: DateTime<Utc>,
) -> Result<ChallengeView> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let reasons = too_long("reasons", reasons, 5000)?;
    let tx = db.begin().await?;
    let c = challenges::Entity::find_by_id(challenge_id)
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    let row = projects::Entity::find_by_id(c.project_id)
        .lock_exclusive()
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    let p = Project::from_row(row)?;
    policy::own_department(actor, p.row.department_id)?;
    if c.status != ChallengeStatus::Open {
        return Err(Error::Conflict {
            code: "already_replied",
            message: format!("this challenge is {}", c.status),
        });
    }
    let (status, outcome) = match decision {
        Decision::Dismissed => (ChallengeStatus::Dismissed, None),
        Decision::UpheldReevaluate => (ChallengeStatus::Upheld, Some("reevaluate")),
        Decision::UpheldFail => (ChallengeStatus::Upheld, Some("fail")),
    };
    let after = challenges::Model {
        status,
        outcome: outcome.map(str::to_owned),
        reply: Some(reasons.clone()),
        replied_by: Some(actor.user_id),
        replied_at: Some(now),
        ..c.clone()
    };
    let hit = challenges::Entity::update_many()
        .set(challenges::ActiveModel::from(after.clone()).reset_all())
        .filter(challenges::Column::Id.eq(c.id))
        .filter(challenges::Column::Status.eq(ChallengeStatus::Open))
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this challenge")?;
    let late = reply_overdue(c.reply_due, crate::clock::china_date(now));
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new(
            "challenge.reply",
            "challenge",
            c.id,
            Some(&serde_json::json!({"status": c.status})),
            Some(&serde_json::json!({
                "status": status, "outcome": outcome, "reply": reasons,
                "reply_due": c.reply_due, "late": late,
            })),
        ),
        crate::open::Event::ChallengeAnswered(c.id),
        now,
    )
    .await?;
    if decision != Decision::Dismissed {
        let to = rules::transition(
            p.status,
            if decision == Decision::UpheldFail {
                Action::Fail
            } else {
                Action::Reevaluate
            },
        )?;
        let reason = (to == Status::Failed).then(|| format!("challenge upheld: {reasons}"));
        if !move_project(&*tx, p.row.id, p.status, to, reason.clone(), now).await? {
            return Err(moved_elsewhere());
        }
        award::withdraw(&*tx, &actor.who(), p.row.id, "challenge upheld", now).await?;
        if to == Status::Evaluating {
            // The panel reviews its scores: sheets open again, scores stay.
            members::Entity::update_many()
                .col_expr(
                    members::Column::SheetSubmittedAt,
                    sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(members::Column::ProjectId.eq(p.row.id))
                .exec(&*tx)
                .await?;
        }
        crate::open::publish(
            &*tx,
            &actor.who(),
            Change::new(
                "project.challenge_upheld",
                "project",
                p.row.id,
                Some(&serde_json::json!({"status": p.status.as_str()})),
                Some(&serde_json::json!({"status": to.as_str(), "status_reason": reason, "challenge_id": c.id})),
            ),
            crate::open::Event::ChallengeUpheld(p.row.id),
            now)
        .await?;
    }
    // The challenger and their organization's people hear the answer.
    let mut told = crate::notifications::people_of(&*tx, [c.organization_id], false).await?;
    if !told.iter().any(|u| u.id == c.filed_by) {
        told.extend(crate::notifications::users_by_id(&*tx, [c.filed_by]).await?);
    }
    crate::notifications::tell(
        &*tx,
        &told,
        crate::notifications::Kind::ChallengeDecided,
        format!("challenge:{}:decided", c.id),
        format!("/projects/{}", p.row.id),
        crate::notifications::Params {
            outcome: Some(status.as_str().to_owned()),
            note: Some(reasons.clone()),
            ..crate::notifications::Params::about(p.row.title.clone())
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ChallengeView {
        row: after,
        organization_name: None,
        files: Vec::new(),
        overdue: false,
        detailed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CN_2026;

    #[test]
    fn the_challenge_window_counts_working_days_across_holidays() {
        let cal = Calendar::new(CN_2026.iter().map(|(d, k, _)| (d.parse().unwrap(), *k)));
        // Notice on Tuesday 29 September 2026: 30 Sept, then National Day
        // (1-7 Oct) does not count; 8, 9 Oct; Saturday 10 Oct is a working day.
        let d: NaiveDate = "2026-09-29".parse().unwrap();
        let until = seven_working_days(&cal, d);
        assert_eq!(until, "2026-10-14".parse().unwrap());
        assert!(window_open(until, until), "the last day counts");
        assert!(!window_open(until, until.succ_opt().unwrap()));
        assert!(!reply_overdue(until, until));
        assert!(reply_overdue(until, "2026-10-15".parse().unwrap()));
        // Spring Festival 2026 (15-23 Feb off; Saturday 14 and 28 Feb worked):
        // a notice on Friday 13 Feb runs to 14, 24, 25, 26, 27, 28 Feb, 2 Mar.
        let d: NaiveDate = "2026-02-13".parse().unwrap();
        assert_eq!(seven_working_days(&cal, d), "2026-03-02".parse().unwrap());
    }
}
