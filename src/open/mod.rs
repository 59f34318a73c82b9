//! Open data: the public event log behind the change feed and OCDS.
//!
//! What it owns: `open_events`, one row per public state change. The command
//! that makes a public change names it as an [`Event`] and hands it to
//! [`record`] with the change's audit entry, in the same transaction; the
//! event is numbered by that entry's sequence number. Audit appends hold
//! the chain's head row until commit, so events commit in `seq` order: a
//! reader following `seq` never misses one that commits later. The audit
//! chain knows nothing of this area (it only appends and verifies).
//!
//! What it must not touch: the areas' modules. It reads their rows (to say
//! what an event shows and to build OCDS releases), never their code, so
//! every area may publish through it.
//!
//! Which changes are public, and what each event says ([`Event`]):
//! - projects: published, amended, cancelled, bids opened, award notice,
//!   notice withdrawn, reopened or failed after a challenge, awarded, the
//!   next bidder after a decline, failed after declines;
//! - challenges: filed and answered (dates and status only, never reasons);
//! - grants: created, accepted, declined, a payment, a report accepted,
//!   completed, terminated, the schedule changed before acceptance;
//! - the registry: organizations registered, imported, changed,
//!   deregistered or revoked;
//! - the audit chain's signed checkpoints (`crate::checkpoints`).
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

use crate::audit::{Change, Who};
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
    /// A signed checkpoint of the audit chain (`crate::checkpoints`).
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

/// A public change, named by the command that made it. A command appends
/// its audit entry and then hands the event to [`record`] in the same
/// transaction; the event is numbered by that entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A project was published.
    ProjectPublished(Uuid),
    /// A published project was amended.
    ProjectAmended(Uuid),
    /// A project was cancelled.
    ProjectCancelled(Uuid),
    /// A project's bids were opened.
    BidsOpened(Uuid),
    /// A project's award notice was published.
    AwardNotice(Uuid),
    /// A project's award notice was withdrawn.
    AwardWithdrawn(Uuid),
    /// A challenge was upheld and the project went back.
    ChallengeUpheld(Uuid),
    /// A project's award became final.
    ProjectAwarded(Uuid),
    /// After a decline, the grant went to the next ranked bidder.
    AwardNext(Uuid),
    /// After a decline, the project failed.
    ProjectFailed(Uuid),
    /// A challenge was filed.
    ChallengeFiled(Uuid),
    /// A challenge was answered.
    ChallengeAnswered(Uuid),
    /// A grant was offered.
    GrantCreated(Uuid),
    /// A grant's schedule changed before acceptance.
    GrantScheduleChanged(Uuid),
    /// A grant was accepted.
    GrantAccepted(Uuid),
    /// A grant was declined.
    GrantDeclined(Uuid),
    /// A payment of a grant was recorded.
    GrantDisbursed(Uuid),
    /// A grant's report was accepted.
    GrantReportAccepted(Uuid),
    /// A grant was completed.
    GrantCompleted(Uuid),
    /// A grant was terminated.
    GrantTerminated(Uuid),
    /// An organization was registered.
    OrganizationRegistered(Uuid),
    /// An organization was imported.
    OrganizationImported(Uuid),
    /// An organization's registration changed.
    OrganizationChanged(Uuid),
    /// An organization was deregistered.
    OrganizationDeregistered(Uuid),
    /// An organization's registration was revoked.
    OrganizationRevoked(Uuid),
    /// A signed checkpoint of the audit chain (its data is the entry's `after`).
    Checkpoint(Uuid),
}

impl Event {
    /// What the event is for the feed and OCDS, and the id of its subject.
    #[must_use]
    pub fn kind(self) -> (EventKind, Uuid) {
        use Subject::{Challenge, Checkpoint, Grant, Organization, Project};
        let (event_type, subject, tags, id): (
            &'static str,
            Subject,
            &'static [&'static str],
            Uuid,
        ) = match self {
            Self::ProjectPublished(id) => ("project.published", Project, &["tender"], id),
            Self::ProjectAmended(id) => ("project.amended", Project, &["tenderAmendment"], id),
            Self::ProjectCancelled(id) => {
                ("project.cancelled", Project, &["tenderCancellation"], id)
            }
            Self::BidsOpened(id) => ("project.bids_opened", Project, &["tenderUpdate"], id),
            Self::AwardNotice(id) => ("project.award_notice", Project, &["award"], id),
            Self::AwardWithdrawn(id) => (
                "project.award_withdrawn",
                Project,
                &["awardCancellation"],
                id,
            ),
            Self::ChallengeUpheld(id) => {
                ("project.challenge_upheld", Project, &["tenderUpdate"], id)
            }
            Self::ProjectAwarded(id) => ("project.awarded", Project, &["awardUpdate"], id),
            Self::AwardNext(id) => ("project.award_next", Project, &["awardUpdate"], id),
            Self::ProjectFailed(id) => ("project.failed", Project, &["tenderUpdate"], id),
            Self::ChallengeFiled(id) => ("challenge.filed", Challenge, &[], id),
            Self::ChallengeAnswered(id) => ("challenge.answered", Challenge, &[], id),
            Self::GrantCreated(id) => ("grant.created", Grant, &[], id),
            Self::GrantScheduleChanged(id) => ("grant.schedule_changed", Grant, &[], id),
            Self::GrantAccepted(id) => ("grant.accepted", Grant, &["contract"], id),
            Self::GrantDeclined(id) => ("grant.declined", Grant, &["awardUpdate"], id),
            Self::GrantDisbursed(id) => ("grant.disbursed", Grant, &["implementation"], id),
            Self::GrantReportAccepted(id) => (
                "grant.report_accepted",
                Grant,
                &["implementationUpdate"],
                id,
            ),
            Self::GrantCompleted(id) => ("grant.completed", Grant, &["contractUpdate"], id),
            Self::GrantTerminated(id) => ("grant.terminated", Grant, &["contractTermination"], id),
            Self::OrganizationRegistered(id) => ("organization.registered", Organization, &[], id),
            Self::OrganizationImported(id) => ("organization.imported", Organization, &[], id),
            Self::OrganizationChanged(id) => ("organization.changed", Organization, &[], id),
            Self::OrganizationDeregistered(id) => {
                ("organization.deregistered", Organization, &[], id)
            }
            Self::OrganizationRevoked(id) => ("organization.revoked", Organization, &[], id),
            Self::Checkpoint(id) => ("audit.checkpoint", Checkpoint, &[], id),
        };
        (
            EventKind {
                event_type,
                subject,
                tags,
            },
            id,
        )
    }
}

fn not_found(what: &str, id: Uuid) -> DbErr {
    DbErr::RecordNotFound(format!("{what} {id} of a public event"))
}

/// Records `event`, made by the change `entry` audited, in the change's
/// transaction: the event takes the entry's number and time, so the feed
/// follows the chain's (commit) order.
///
/// # Errors
/// The database's error.
pub async fn record<C: ConnectionTrait>(
    tx: &C,
    entry: &audit_entries::Model,
    event: Event,
) -> Result<(), DbErr> {
    let (kind, subject_id) = event.kind();
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

/// Appends `change` to the audit chain and records `event`, its public
/// side, in the caller's transaction: how a command makes a public change.
///
/// # Errors
/// The database's error; the caller's transaction should then roll back.
pub async fn publish<C: ConnectionTrait>(
    tx: &C,
    who: &Who,
    change: Change,
    event: Event,
    at: DateTime<Utc>,
) -> Result<audit_entries::Model, DbErr> {
    let entry = crate::audit::append(tx, who, change, at).await?;
    record(tx, &entry, event).await?;
    Ok(entry)
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
    fn every_event_has_its_own_type_in_the_list_and_releases_only_for_contracting() {
        let id = Uuid::nil();
        let all = [
            Event::ProjectPublished(id),
            Event::ProjectAmended(id),
            Event::ProjectCancelled(id),
            Event::BidsOpened(id),
            Event::AwardNotice(id),
            Event::AwardWithdrawn(id),
            Event::ChallengeUpheld(id),
            Event::ProjectAwarded(id),
            Event::AwardNext(id),
            Event::ProjectFailed(id),
            Event::ChallengeFiled(id),
            Event::ChallengeAnswered(id),
            Event::GrantCreated(id),
            Event::GrantScheduleChanged(id),
            Event::GrantAccepted(id),
            Event::GrantDeclined(id),
            Event::GrantDisbursed(id),
            Event::GrantReportAccepted(id),
            Event::GrantCompleted(id),
            Event::GrantTerminated(id),
            Event::OrganizationRegistered(id),
            Event::OrganizationImported(id),
            Event::OrganizationChanged(id),
            Event::OrganizationDeregistered(id),
            Event::OrganizationRevoked(id),
            Event::Checkpoint(id),
        ];
        let types: Vec<&str> = all.iter().map(|e| e.kind().0.event_type).collect();
        assert_eq!(types, EVENT_TYPES);
        for e in all {
            let (kind, _) = e.kind();
            let releases = !kind.tags.is_empty();
            assert!(
                !releases || matches!(kind.subject, Subject::Project | Subject::Grant),
                "{} makes a release without a contracting process",
                kind.event_type
            );
        }
        assert_eq!(Event::ProjectPublished(id).kind().0.tags, ["tender"]);
        assert_eq!(Event::GrantCreated(id).kind().0.tags, [] as [&str; 0]);
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
