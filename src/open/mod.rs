//! Open data: the public event log behind the change feed and OCDS.
//!
//! What it owns: `open_events`, one row per public state change, written by
//! [`crate::audit::append`] in the same transaction as the change and its
//! audit entry, and numbered by that entry's sequence number. Audit appends
//! hold the chain's head row until commit, so events commit in `seq` order:
//! a reader following `seq` never misses one that commits later.
//!
//! Which changes are public, and what each event says ([`event_for`]):
//! - projects: published, amended, cancelled, bids opened, award notice,
//!   notice withdrawn, reopened or failed after a challenge, awarded, the
//!   next bidder after a decline, failed after declines;
//! - challenges: filed and answered (dates and status only, never reasons);
//! - grants: created, accepted, declined, a payment, a report accepted,
//!   completed, terminated, the schedule changed before acceptance;
//! - the registry: organizations registered, imported, changed,
//!   deregistered or revoked;
//! - the audit chain's signed checkpoints (`crate::audit::checkpoints`).
//!
//! An event's `data` holds only what the public pages show. Project and
//! grant events also store the OCDS release they make ([`ocds`]): a full
//! snapshot of the contracting process at that moment, so the compiled
//! release is the latest one. Nobody writes or edits events except through
//! a change; everyone may read them.

pub mod ocds;

use chrono::{DateTime, Utc};
use entity::{audit_entries, challenges, grants, open_events, organizations, projects};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::db::Db;
use crate::error::{Error, Result};

/// Every event type of the feed.
pub const EVENT_TYPES: [&str; 26] = [
    "project.published",
    "project.amended",
    "project.cancelled",
    "project.bids_opened",
    "project.award_notice",
    "project.award_withdrawn",
    "project.challenge_upheld",
    "project.awarded",
    "project.award_next",
    "project.failed",
    "challenge.filed",
    "challenge.answered",
    "grant.created",
    "grant.schedule_changed",
    "grant.accepted",
    "grant.declined",
    "grant.disbursed",
    "grant.report_accepted",
    "grant.completed",
    "grant.terminated",
    "organization.registered",
    "organization.imported",
    "organization.changed",
    "organization.deregistered",
    "organization.revoked",
    "audit.checkpoint",
];

/// The ocid of the release an event made, if it made one.
#[must_use]
pub fn ocid_of(e: &open_events::Model, ocid_prefix: &str) -> Option<String> {
    e.release
        .as_ref()
        .and(e.project_number.as_deref())
        .map(|n| ocds::ocid(ocid_prefix, n))
}

/// An event as the feed and webhooks show it.
#[must_use]
pub fn public_json(e: &open_events::Model, ocid_prefix: &str) -> Value {
    json!({
        "id": e.id,
        "cursor": e.seq.to_string(),
        "event_type": e.event_type,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "project_id": e.project_id,
        "ocid": ocid_of(e, ocid_prefix),
        "data": data_of(e),
        "created_at": e.created_at,
    })
}

/// What a public change is, for the feed and for OCDS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// The feed's name for it.
    pub event_type: &'static str,
    /// What it happened to.
    pub subject: Subject,
    /// The OCDS release tags it makes, if it makes a release.
    pub tags: &'static [&'static str],
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A project (its id is the audit entry's entity id).
    Project,
    /// A challenge.
    Challenge,
    /// A grant.
    Grant,
    /// An organization.
    Organization,
    /// A signed checkpoint of the audit chain (`crate::audit::checkpoints`).
    Checkpoint,
}

impl Subject {
    fn as_str(self) -> &'static str {
        match self {
            Subject::Project => "project",
            Subject::Challenge => "challenge",
            Subject::Grant => "grant",
            Subject::Organization => "organization",
            Subject::Checkpoint => "audit_checkpoint",
        }
    }
}

/// The public event an audited action makes, if it is public.
#[must_use]
pub fn event_for(action: &str) -> Option<EventKind> {
    use Subject::{Challenge, Checkpoint, Grant, Organization, Project};
    let (event_type, subject, tags): (&'static str, Subject, &'static [&'static str]) = match action
    {
        "project.publish" => ("project.published", Project, &["tender"]),
        "project.amend" => ("project.amended", Project, &["tenderAmendment"]),
        "project.cancel" => ("project.cancelled", Project, &["tenderCancellation"]),
        "project.open_bids" => ("project.bids_opened", Project, &["tenderUpdate"]),
        "award.propose" => ("project.award_notice", Project, &["award"]),
        "award.withdraw" => ("project.award_withdrawn", Project, &["awardCancellation"]),
        "project.challenge_upheld" => ("project.challenge_upheld", Project, &["tenderUpdate"]),
        "project.award" => ("project.awarded", Project, &["awardUpdate"]),
        "project.award_next" => ("project.award_next", Project, &["awardUpdate"]),
        "project.fail_after_decline" => ("project.failed", Project, &["tenderUpdate"]),
        "challenge.file" => ("challenge.filed", Challenge, &[]),
        "challenge.reply" => ("challenge.answered", Challenge, &[]),
        "grant.create" => ("grant.created", Grant, &[]),
        "grant.schedule" => ("grant.schedule_changed", Grant, &[]),
        "grant.accept" => ("grant.accepted", Grant, &["contract"]),
        "grant.decline" => ("grant.declined", Grant, &["awardUpdate"]),
        "grant.disburse" => ("grant.disbursed", Grant, &["implementation"]),
        "grant.report_accept" => ("grant.report_accepted", Grant, &["implementationUpdate"]),
        "grant.complete" => ("grant.completed", Grant, &["contractUpdate"]),
        "grant.terminate" => ("grant.terminated", Grant, &["contractTermination"]),
        "organization.register" => ("organization.registered", Organization, &[]),
        "organization.import" => ("organization.imported", Organization, &[]),
        "organization.change" => ("organization.changed", Organization, &[]),
        "organization.deregister" => ("organization.deregistered", Organization, &[]),
        "organization.revoke" => ("organization.revoked", Organization, &[]),
        "audit.checkpoint" => ("audit.checkpoint", Checkpoint, &[]),
        _ => return None,
    };
    Some(EventKind {
        event_type,
        subject,
        tags,
    })
}

fn not_found(what: &str, id: Uuid) -> DbErr {
    DbErr::RecordNotFound(format!("{what} {id} of a public event"))
}

/// Records the public event of `entry`, if its action is public. Called by
/// the audit chain inside the change's transaction.
///
/// # Errors
/// The database's error.
pub async fn record<C: ConnectionTrait>(tx: &C, entry: &audit_entries::Model) -> Result<(), DbErr> {
    let Some(kind) = event_for(&entry.action) else {
        return Ok(());
    };
    let Ok(subject_id) = entry.entity_id.parse::<Uuid>() else {
        return Ok(());
    };
    let (project_id, data) = match kind.subject {
        Subject::Project => (Some(subject_id), json!({})),
        Subject::Challenge => {
            let c = challenges::Entity::find_by_id(subject_id)
                .one(tx)
                .await?
                .ok_or_else(|| not_found("challenge", subject_id))?;
            let data = json!({
                "challenge_id": c.id, "status": c.status, "outcome": c.outcome,
                "filed_at": c.filed_at, "reply_due": c.reply_due, "replied_at": c.replied_at,
            });
            (Some(c.project_id), data)
        }
        Subject::Grant => {
            let g = grants::Entity::find_by_id(subject_id)
                .one(tx)
                .await?
                .ok_or_else(|| not_found("grant", subject_id))?;
            let paid: i64 = entity::disbursements::Entity::find()
                .filter(entity::disbursements::Column::GrantId.eq(g.id))
                .all(tx)
                .await?
                .iter()
                .map(|d| d.amount_fen)
                .sum();
            let data = json!({
                "grant_id": g.id, "organization_id": g.organization_id, "title": g.title,
                "status": g.status, "amount_fen": g.amount_fen, "paid_fen": paid,
                "performance_score": g.performance_score,
            });
            (Some(g.project_id), data)
        }
        Subject::Organization => {
            let o = organizations::Entity::find_by_id(subject_id)
                .one(tx)
                .await?
                .ok_or_else(|| not_found("organization", subject_id))?;
            let data = json!({
                "organization_id": o.id, "name": o.name, "uscc": o.uscc,
                "status": o.status, "org_type": o.org_type, "division_code": o.division_code,
            });
            (None, data)
        }
        // The checkpoint itself, as signed: the entry's `after`.
        Subject::Checkpoint => (
            None,
            entry
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default(),
        ),
    };
    let project = match project_id {
        Some(id) => Some(
            projects::Entity::find_by_id(id)
                .one(tx)
                .await?
                .ok_or_else(|| not_found("project", id))?,
        ),
        None => None,
    };
    let mut data = data;
    if let (Some(p), Some(map)) = (&project, data.as_object_mut()) {
        map.insert("project_id".into(), json!(p.id));
        map.insert("project_number".into(), json!(p.number));
        map.insert("project_title".into(), json!(p.title));
        map.insert("project_status".into(), json!(p.status));
    }
    let release = match (&project, kind.tags.is_empty()) {
        (Some(p), false) => Some(ocds::release(tx, p, kind.tags, entry.at).await?.to_string()),
        _ => None,
    };
    open_events::Entity::insert(open_events::ActiveModel {
        seq: Set(entry.seq),
        id: Set(Uuid::now_v7()),
        event_type: Set(kind.event_type.to_owned()),
        subject_type: Set(kind.subject.as_str().to_owned()),
        subject_id: Set(subject_id),
        project_id: Set(project.as_ref().map(|p| p.id)),
        project_number: Set(project.map(|p| p.number)),
        data: Set(data.to_string()),
        release: Set(release),
        created_at: Set(entry.at),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// Parses a feed cursor: the `seq` of the last event seen.
///
/// # Errors
/// `BadInput` naming `cursor`.
pub fn parse_cursor(cursor: Option<&str>) -> Result<i64> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(crate::pagination::invalid_cursor),
    }
}

/// Events after `after` (a `seq`), oldest first, with the cursor to ask
/// with next (the last one's `seq`, or `after` again when none is new).
///
/// # Errors
/// `BadInput` for a limit out of range; the database's error.
pub async fn feed(
    db: &Db,
    after: i64,
    limit: Option<u64>,
    filter: &FeedFilter,
) -> Result<(Vec<open_events::Model>, i64)> {
    let limit = limit.unwrap_or(crate::pagination::DEFAULT_LIMIT);
    if !(1..=crate::pagination::MAX_LIMIT).contains(&limit) {
        return Err(Error::bad_input(
            "limit",
            "out_of_range",
            format!(
                "limit must be between 1 and {}",
                crate::pagination::MAX_LIMIT
            ),
        ));
    }
    let mut q = open_events::Entity::find()
        .filter(open_events::Column::Seq.gt(after))
        .order_by_asc(open_events::Column::Seq)
        .limit(limit);
    if let Some(t) = &filter.event_type {
        q = q.filter(open_events::Column::EventType.eq(t.as_str()));
    }
    if let Some(p) = filter.project_id {
        q = q.filter(open_events::Column::ProjectId.eq(p));
    }
    if filter.releases_only {
        q = q.filter(open_events::Column::Release.is_not_null());
    }
    if let Some(since) = filter.since {
        q = q.filter(open_events::Column::CreatedAt.gte(since));
    }
    let rows = q.all(db.conn()).await?;
    let next = rows.last().map_or(after, |e| e.seq);
    Ok((rows, next))
}

/// Narrows the feed.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only this project's events.
    pub project_id: Option<Uuid>,
    /// Only events that make an OCDS release.
    pub releases_only: bool,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// Every release of one contracting process, oldest first.
///
/// # Errors
/// The database's error.
pub async fn releases_of(db: &Db, project_number: &str) -> Result<Vec<open_events::Model>> {
    Ok(open_events::Entity::find()
        .filter(open_events::Column::ProjectNumber.eq(project_number))
        .filter(open_events::Column::Release.is_not_null())
        .order_by_asc(open_events::Column::Seq)
        .all(db.conn())
        .await?)
}

/// The stored JSON of an event's `data` (an unreadable one reads as `{}`).
#[must_use]
pub fn data_of(e: &open_events::Model) -> Value {
    serde_json::from_str(&e.data).unwrap_or_else(|_| json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_actions_make_events_and_private_ones_do_not() {
        assert_eq!(
            event_for("project.publish").map(|k| k.tags),
            Some(&["tender"][..])
        );
        assert_eq!(
            event_for("grant.disburse").map(|k| k.event_type),
            Some("grant.disbursed")
        );
        for private in [
            "bid.submit",
            "bid.withdraw",
            "project.create",
            "project.edit",
            "user.create",
            "grant.report_submit",
            "grant.remind",
            "application.submit",
        ] {
            assert_eq!(event_for(private), None, "{private}");
        }
    }

    #[test]
    fn the_event_type_list_is_every_type_event_for_makes() {
        let actions = [
            "project.publish",
            "project.amend",
            "project.cancel",
            "project.open_bids",
            "award.propose",
            "award.withdraw",
            "project.challenge_upheld",
            "project.award",
            "project.award_next",
            "project.fail_after_decline",
            "challenge.file",
            "challenge.reply",
            "grant.create",
            "grant.schedule",
            "grant.accept",
            "grant.decline",
            "grant.disburse",
            "grant.report_accept",
            "grant.complete",
            "grant.terminate",
            "organization.register",
            "organization.import",
            "organization.change",
            "organization.deregister",
            "organization.revoke",
            "audit.checkpoint",
        ];
        let made: Vec<&str> = actions
            .iter()
            .map(|a| event_for(a).unwrap().event_type)
            .collect();
        assert_eq!(made, EVENT_TYPES);
    }

    #[test]
    fn feed_cursors_are_sequence_numbers() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("")).unwrap(), 0);
        assert_eq!(parse_cursor(Some("42")).unwrap(), 42);
        assert!(parse_cursor(Some("-1")).is_err());
        assert!(parse_cursor(Some("abc")).is_err());
    }
}
