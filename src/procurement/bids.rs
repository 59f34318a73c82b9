//! Bids, sealed until the deadline, and the opening.
//!
//! This module is the only code that reads the `bids` table, so sealing is
//! decided here: before a project's bids are opened, a bid exists only for
//! its own organization (members and admin). Everyone else, purchasers,
//! admins, auditors and experts included, gets `NotFound` for a bid, a
//! refusal that names no count for a list, and audit entries that hold only
//! hashes and are left out of the audit listing until the opening.
//!
//! A bid: `active` (the organization's live bid) -> `replaced` (by a newer
//! version) | `withdrawn`, each only before the deadline, each with a new
//! receipt: the bid id, the server time, and the SHA-256 of the bid's
//! canonical content ([`canonical`]). At the deadline the opening job takes
//! a lease, then for each due project locks its row, re-checks every live
//! bid's eligibility, publishes the opening record and moves the project to
//! `evaluating`, or to `failed` when too few bids are eligible. Bid
//! submission locks the same row, so a bid is either in the record or
//! refused, never lost between the two.
//!
//! At rest a bid is sealed until the opening ([`crate::keys`]): its price
//! and texts are stored encrypted under the project's data key (the clear
//! columns empty), and its files are sealed uploads ([`upload_file`]) whose
//! content and name are encrypted too. Every read here opens what its reader
//! may see ([`reveal`]); the opening writes the content of every version in
//! clear, as it is public to those entitled from then on. The receipt hash
//! is over the clear content, as before.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{bids, opening_records, organizations, projects};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::projects::Project;
use super::rules::{self, Action, OrgFacts, Status, Verdict};
use crate::audit::{self, Change, Who};
use crate::auth::Actor;
use crate::auth::policy;
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::files;
use crate::pagination::PageRequest;

/// Whether a bid counts: the live one, replaced, withdrawn.
pub use entity::bids::Status as BidStatus;
/// Owner kind of bid files.
pub const FILE_OWNER: &str = "bid";
/// Audit entity type of bid events: the entity id is the project, the
/// content only hashes; left out of the audit listing until the opening.
pub const SEALED: &str = "sealed_bid";

/// What a bid says, as sealed at rest until the opening.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Content {
    price_fen: i64,
    technical_proposal: String,
    team: String,
    plan: String,
}

fn bound_to(bid_id: Uuid) -> String {
    format!("bid:{bid_id}")
}

/// The data keys of these projects, in one query.
async fn keys_of<C: ConnectionTrait>(
    db: &Db,
    conn: &C,
    projects: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, crate::keys::Key>> {
    let mut ids: Vec<Uuid> = projects.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    db.keys()?.project_keys(conn, &ids).await
}

/// The bids with their content readable: opened from `sealed` where still
/// sealed. The caller has decided the reader may see them.
///
/// # Errors
/// `Internal` when a sealed bid does not open (its key is gone or it was
/// changed behind our back).
pub async fn reveal<C: ConnectionTrait>(
    db: &Db,
    conn: &C,
    bids: Vec<bids::Model>,
) -> Result<Vec<bids::Model>> {
    let sealed_projects = bids
        .iter()
        .filter(|b| b.sealed.is_some())
        .map(|b| b.project_id);
    let keys = keys_of(db, conn, sealed_projects).await?;
    bids.into_iter().map(|b| open_with(&keys, b)).collect()
}

/// One bid opened with the data keys at hand.
fn open_with(
    keys: &std::collections::HashMap<Uuid, crate::keys::Key>,
    b: bids::Model,
) -> Result<bids::Model> {
    let Some(sealed) = &b.sealed else {
        return Ok(b);
    };
    let key = keys
        .get(&b.project_id)
        .ok_or_else(|| Error::Internal(format!("no data key for bid {}", b.id)))?;
    let c: Content = serde_json::from_slice(&key.open(&bound_to(b.id), sealed)?)
        .map_err(|e| Error::Internal(format!("sealed bid {} is not ours: {e}", b.id)))?;
    Ok(bids::Model {
        price_fen: c.price_fen,
        technical_proposal: c.technical_proposal,
        team: c.team,
        plan: c.plan,
        sealed: None,
        ..b
    })
}

/// Every bid, sealed or opened, checked against its receipt
/// ([`check_receipt`]), a batch at a time: the ids of those that no longer
/// match (edited, or sealed content that does not open). For `cogov audit
/// verify`.
///
/// # Errors
/// The database's error.
pub async fn verify_all(db: &Db) -> Result<Vec<Uuid>> {
    const BATCH: u64 = 500;
    let mut broken = Vec::new();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = bids::Entity::find().order_by_asc(bids::Column::Id);
        if let Some(a) = after {
            q = q.filter(bids::Column::Id.gt(a));
        }
        let batch = q.limit(BATCH).all(db.conn()).await?;
        let Some(last) = batch.last().map(|b| b.id) else {
            break;
        };
        let projects = batch
            .iter()
            .filter(|b| b.sealed.is_some())
            .map(|b| b.project_id);
        let keys = keys_of(db, db.conn(), projects).await?;
        let ids: Vec<Uuid> = batch.iter().map(|b| b.id).collect();
        let files = files::attached_to_many(db.conn(), FILE_OWNER, &ids).await?;
        for b in batch {
            let id = b.id;
            let ok = open_with(&keys, b).is_ok_and(|b| {
                check_receipt(&b, files.get(&id).map_or(&[][..], Vec::as_slice)).is_ok()
            });
            if !ok {
                broken.push(id);
            }
        }
        after = Some(last);
    }
    Ok(broken)
}

async fn reveal_one<C: ConnectionTrait>(
    db: &Db,
    conn: &C,
    bid: bids::Model,
) -> Result<bids::Model> {
    reveal(db, conn, vec![bid])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("reveal lost a bid".into()))
}

/// What an organization offers.
#[derive(Debug, Clone)]
pub struct BidInput {
    /// Price in fen, 1 to the budget ceiling.
    pub price_fen: i64,
    /// Technical proposal.
    pub technical_proposal: String,
    /// Team.
    pub team: String,
    /// Work plan.
    pub plan: String,
    /// The bidder's unattached uploads.
    pub file_ids: Vec<Uuid>,
}

/// The canonical serialization a receipt's hash covers: JSON with sorted
/// keys `files` (the files' SHA-256, in order), `organization_id`, `plan`,
/// `price_fen`, `project_id`, `team`, `technical_proposal`.
#[must_use]
pub fn canonical(
    project_id: Uuid,
    organization_id: Uuid,
    input: &BidInput,
    file_hashes: &[String],
) -> String {
    let mut m: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    m.insert("files", serde_json::json!(file_hashes));
    m.insert("organization_id", serde_json::json!(organization_id));
    m.insert("plan", serde_json::json!(input.plan));
    m.insert("price_fen", serde_json::json!(input.price_fen));
    m.insert("project_id", serde_json::json!(project_id));
    m.insert("team", serde_json::json!(input.team));
    m.insert(
        "technical_proposal",
        serde_json::json!(input.technical_proposal),
    );
    serde_json::to_string(&m).unwrap_or_default()
}

/// SHA-256 of the canonical content, lower-case hex.
#[must_use]
pub fn content_hash(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// The registry facts the eligibility rules read, on `today`.
///
/// # Errors
/// `NotFound` for an unknown organization.
pub async fn org_facts<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    today: chrono::NaiveDate,
) -> Result<(organizations::Model, OrgFacts)> {
    let o = crate::registry::organizations::get(conn, organization_id).await?;
    let facts = OrgFacts {
        status: o.status,
        credit_status: o.credit_status,
        grade: crate::registry::credit::current_grade(&o, today),
        registered_on: o.registered_on,
        org_type: o.org_type.clone(),
        division_code: o.division_code.clone(),
    };
    Ok((o, facts))
}

async fn published<C: ConnectionTrait>(conn: &C, id: Uuid, lock: bool) -> Result<Project> {
    let mut q = projects::Entity::find_by_id(id);
    if lock {
        q = q.lock_exclusive();
    }
    let row = q.one(conn).await?.ok_or(Error::NotFound("project"))?;
    if row.status == Status::Draft {
        return Err(Error::NotFound("project"));
    }
    Project::from_row(row)
}

/// How the caller's organization fares against a project's rules today.
///
/// # Errors
/// `Forbidden` unless an org user of an organization; `NotFound`.
pub async fn eligibility(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Verdict>> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let org = actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you belong to no organization"))?;
    let p = published(db.conn(), project_id, false).await?;
    let today = crate::clock::china_date(now);
    let (_, facts) = org_facts(db.conn(), org, today).await?;
    Ok(rules::evaluate(&p.eligibility, &facts, today))
}

fn check_input(input: &mut BidInput, budget_fen: i64) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if input.price_fen <= 0 || input.price_fen > budget_fen {
        errors.push(FieldError::new(
            "price_fen",
            "price_over_budget",
            format!(
                "the price must be more than 0 and at most the budget ceiling of {budget_fen} fen"
            ),
        ));
    }
    for (field, value, max) in [
        ("technical_proposal", &mut input.technical_proposal, 50_000),
        ("team", &mut input.team, 10_000),
        ("plan", &mut input.plan, 20_000),
    ] {
        *value = value.trim().to_owned();
        let n = value.chars().count();
        if n == 0 || n > max {
            errors.push(FieldError::new(
                field,
                "length",
                format!("{field} must have 1 to {max} characters"),
            ));
        }
    }
    if input.file_ids.len() > 20 {
        errors.push(FieldError::new("file_ids", "too_many", "at most 20 files"));
    }
    errors
}

fn sealed_entry(bid: &bids::Model, verb: &str) -> serde_json::Value {
    serde_json::json!({"event": verb, "bid_id": bid.id, "content_hash": bid.content_hash, "at": bid.submitted_at})
}

/// Appends an audit entry sealed with `project_id`'s bids: the audit listing
/// shows only its place until the opening ([`sealed_entries`]). `data`
/// holds ids, times and hashes, never content.
///
/// # Errors
/// The database's error.
pub async fn audit_sealed<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    action: &'static str,
    project_id: Uuid,
    data: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    audit::append(
        tx,
        &actor.who(),
        Change::new::<(), _>(action, SEALED, project_id, None, Some(data)),
        now,
    )
    .await?;
    Ok(())
}

/// The shared path of submit and replace: checks, eligibility, files, row
/// (sealed), audit; for the actor's organization (a replaced bid is its own).
/// Whether `input` may be placed as `actor`'s organization's bid on `p`:
/// the bidder, the answers, the eligibility rules. The organization.
async fn admissible<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    p: &Project,
    input: &mut BidInput,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let organization_id = bidder(actor)?;
    let errors = check_input(input, p.row.budget_fen);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let today = crate::clock::china_date(now);
    let (_, facts) = org_facts(conn, organization_id, today).await?;
    if let Some(failure) = rules::first_failure(&rules::evaluate(&p.eligibility, &facts, today)) {
        return Err(Error::Invalid(vec![failure]));
    }
    Ok(organization_id)
}

/// Checks a bid before it is sent ("check your answers"): everything
/// [`submit`] checks, nothing written. The project, to name it.
///
/// # Errors
/// As [`submit`], but the live bid is not looked for (a replacement
/// passes through the same check).
pub async fn check(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    mut input: BidInput,
    now: DateTime<Utc>,
) -> Result<Project> {
    bidder(actor)?;
    let p = open_for_bids(db.conn(), project_id, now).await?;
    admissible(db.conn(), actor, &p, &mut input, now).await?;
    Ok(p)
}

async fn place<C: ConnectionTrait>(
    db: &Db,
    tx: &C,
    actor: &Actor,
    p: &Project,
    mut input: BidInput,
    replaces: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(bids::Model, Vec<entity::files::Model>)> {
    let organization_id = admissible(tx, actor, p, &mut input, now).await?;
    let id = Uuid::now_v7();
    let key = db.keys()?.project_key(tx, p.row.id, now).await?;
    let attached =
        files::attach_sealed_all(tx, actor, &input.file_ids, p.row.id, FILE_OWNER, id).await?;
    for f in &attached {
        let entry = serde_json::json!({"event": "attach", "file_id": f.id, "bid_id": id, "sha256": f.sha256});
        audit_sealed(tx, actor, "file.attach", p.row.id, &entry, now).await?;
    }
    let attached = attached
        .into_iter()
        .map(|f| files::reveal_name(&key, f))
        .collect::<Result<Vec<_>>>()?;
    let hashes: Vec<String> = attached.iter().map(|f| f.sha256.clone()).collect();
    let hash = content_hash(&canonical(p.row.id, organization_id, &input, &hashes));
    let bid = bids::Model {
        id,
        project_id: p.row.id,
        organization_id,
        status: BidStatus::Active,
        price_fen: input.price_fen,
        technical_proposal: input.technical_proposal,
        team: input.team,
        plan: input.plan,
        content_hash: hash,
        submitted_by: actor.user_id,
        submitted_at: now,
        replaces,
        ended_at: None,
        sealed: None,
        file_hashes: Some(serde_json::json!(hashes).to_string()),
    };
    let content = Content {
        price_fen: bid.price_fen,
        technical_proposal: bid.technical_proposal.clone(),
        team: bid.team.clone(),
        plan: bid.plan.clone(),
    };
    let content = serde_json::to_vec(&content)
        .map_err(|e| Error::Internal(format!("bid content does not serialize: {e}")))?;
    bids::ActiveModel::from(bids::Model {
        price_fen: 0,
        technical_proposal: String::new(),
        team: String::new(),
        plan: String::new(),
        sealed: Some(key.seal(&bound_to(id), &content)),
        ..bid.clone()
    })
    .reset_all()
    .insert(tx)
    .await
    .map_err(|e| {
        let e = Error::from(e);
        // The only unique key a new bid can meet is one live bid per
        // organization and project (`ux_bids_live`).
        if e.is_unique_violation() {
            Error::Conflict {
                code: "bid_exists",
                message: "your organization already has a live bid on this project".into(),
            }
        } else {
            e
        }
    })?;
    audit_sealed(
        tx,
        actor,
        "bid.submit",
        p.row.id,
        &sealed_entry(&bid, "submit"),
        now,
    )
    .await?;
    Ok((bid, attached))
}

/// Locks the project and checks it still takes bids at `now`.
async fn open_for_bids<C: ConnectionTrait>(
    tx: &C,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Project> {
    let p = published(tx, project_id, true).await?;
    if !p.takes_bids(now) {
        return Err(Error::Conflict {
            code: "bidding_closed",
            message:
                "this project does not take bids now: the deadline has passed or it is not open"
                    .into(),
        });
    }
    Ok(p)
}

fn bidder(actor: &Actor) -> Result<Uuid> {
    policy::check(Some(actor), policy::Action::Apply)?;
    actor
        .organization_id
        .ok_or_else(|| Error::forbidden("you bid for your organization, and you belong to none"))
}

async fn live_bid<C: ConnectionTrait>(
    conn: &C,
    project_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<bids::Model>> {
    Ok(bids::Entity::find()
        .filter(bids::Column::ProjectId.eq(project_id))
        .filter(bids::Column::OrganizationId.eq(organization_id))
        .filter(bids::Column::Status.eq(BidStatus::Active))
        .one(conn)
        .await?)
}

/// An org member or admin uploads a file for their organization's bid on
/// `project_id`, sealed from the start ([`files::store_sealed`]): attach it
/// by id when submitting or replacing the bid. Only while the project takes
/// bids.
///
/// # Errors
/// As [`submit`]; as [`files::check`] for the content.
pub async fn upload_file(
    db: &Db,
    data_dir: &std::path::Path,
    max_bytes: u64,
    actor: &Actor,
    project_id: Uuid,
    incoming: files::Incoming<'_>,
    now: DateTime<Utc>,
) -> Result<entity::files::Model> {
    bidder(actor)?;
    // Checked before the writer's turn is taken, and only once.
    let checked = files::check(max_bytes, incoming.bytes)?;
    let tx = db.begin().await?;
    open_for_bids(&*tx, project_id, now).await?;
    let key = db.keys()?.project_key(&*tx, project_id, now).await?;
    let seal = files::Seal {
        project_id,
        key: &key,
    };
    let f = files::store_sealed(&*tx, data_dir, checked, seal, actor, incoming, now).await?;
    let entry = serde_json::json!({
        "event": "upload", "file_id": f.id, "sha256": f.sha256, "size_bytes": f.size_bytes,
    });
    audit_sealed(&*tx, actor, "file.upload", project_id, &entry, now).await?;
    tx.commit().await?;
    Ok(f)
}

/// An org member or admin bids for their organization.
///
/// # Errors
/// `Forbidden` unless an org user of an organization; `NotFound` for
/// unpublished projects; `Conflict` after the deadline or when the
/// organization already has a live bid (replace it instead); `Invalid`
/// naming the failed eligibility rule or each bad field.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    input: BidInput,
    now: DateTime<Utc>,
) -> Result<(bids::Model, Vec<entity::files::Model>)> {
    let org = bidder(actor)?;
    let tx = db.begin().await?;
    let p = open_for_bids(&*tx, project_id, now).await?;
    if live_bid(&*tx, project_id, org).await?.is_some() {
        return Err(Error::Conflict {
            code: "bid_exists",
            message:
                "your organization already has a live bid on this project: replace or withdraw it"
                    .into(),
        });
    }
    let placed = place(db, &*tx, actor, &p, input, None, now).await?;
    tx.commit().await?;
    Ok(placed)
}

async fn own_live_bid<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    bid_id: Uuid,
) -> Result<bids::Model> {
    let org = bidder(actor)?;
    bids::Entity::find_by_id(bid_id)
        .one(tx)
        .await?
        .filter(|b| b.organization_id == org)
        .ok_or(Error::NotFound("bid"))
}

/// Ends a live bid, once: a conditional write, so of two requests that
/// both read it live only the first ends it.
async fn end(
    tx: &impl ConnectionTrait,
    bid: &bids::Model,
    status: BidStatus,
    now: DateTime<Utc>,
) -> Result<()> {
    let hit = bids::Entity::update_many()
        .col_expr(bids::Column::Status, Expr::value(status))
        .col_expr(bids::Column::EndedAt, Expr::value(now))
        .filter(bids::Column::Id.eq(bid.id))
        .filter(bids::Column::Status.eq(BidStatus::Active))
        .exec(tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this bid")
}

/// Replaces the organization's live bid with a new version (new receipt).
///
/// # Errors
/// As [`submit`]; `NotFound` for a bid of another organization; `Conflict`
/// when the bid is no longer live.
pub async fn replace(
    db: &Db,
    actor: &Actor,
    bid_id: Uuid,
    input: BidInput,
    now: DateTime<Utc>,
) -> Result<(bids::Model, Vec<entity::files::Model>)> {
    let tx = db.begin().await?;
    let old = own_live_bid(&*tx, actor, bid_id).await?;
    let p = open_for_bids(&*tx, old.project_id, now).await?;
    if old.status != BidStatus::Active {
        return Err(Error::Conflict {
            code: "bid_not_live",
            message: format!("this bid is {}", old.status),
        });
    }
    end(&*tx, &old, BidStatus::Replaced, now).await?;
    let placed = place(db, &*tx, actor, &p, input, Some(old.id), now).await?;
    tx.commit().await?;
    Ok(placed)
}

/// Withdraws the organization's live bid; the receipt is the withdrawn bid
/// with its end time.
///
/// # Errors
/// As [`replace`].
pub async fn withdraw(
    db: &Db,
    actor: &Actor,
    bid_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bids::Model> {
    let tx = db.begin().await?;
    let old = own_live_bid(&*tx, actor, bid_id).await?;
    open_for_bids(&*tx, old.project_id, now).await?;
    if old.status != BidStatus::Active {
        return Err(Error::Conflict {
            code: "bid_not_live",
            message: format!("this bid is {}", old.status),
        });
    }
    end(&*tx, &old, BidStatus::Withdrawn, now).await?;
    let after = reveal_one(
        db,
        &*tx,
        bids::Model {
            status: BidStatus::Withdrawn,
            ended_at: Some(now),
            ..old
        },
    )
    .await?;
    audit_sealed(
        &*tx,
        actor,
        "bid.withdraw",
        after.project_id,
        &sealed_entry(&after, "withdraw"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Whether the actor may read every bid of an opened project by role: its
/// department's purchasers, auditors and admins.
fn reads_opened(actor: &Actor, p: &Project) -> bool {
    policy::oversees(Some(actor), p.row.department_id)
}

/// [`reads_opened`], or an expert of the panel who has declared no conflict
/// for every bidder.
async fn reads_opened_bids(db: &Db, actor: &Actor, p: &Project) -> Result<bool> {
    Ok(reads_opened(actor, p) || super::panels::may_read_bids(db, actor, p.row.id).await?)
}

/// Whether a readable bid still says what its receipt says: its content and
/// files hashed again ([`canonical`]) give its `content_hash`, and its files
/// are the ones the receipt named. A bid changed behind the application's
/// back is never presented as genuine.
///
/// # Errors
/// `Conflict` `integrity_mismatch` (logged for the operators).
pub fn check_receipt(bid: &bids::Model, files: &[entity::files::Model]) -> Result<()> {
    let mut attached: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
    let listed: Vec<String> = match &bid.file_hashes {
        Some(json) => serde_json::from_str(json).unwrap_or_default(),
        // Bids from before the order was kept: upload order.
        None => attached.clone(),
    };
    let mut sorted = listed.clone();
    sorted.sort();
    attached.sort();
    let input = BidInput {
        price_fen: bid.price_fen,
        technical_proposal: bid.technical_proposal.clone(),
        team: bid.team.clone(),
        plan: bid.plan.clone(),
        file_ids: Vec::new(),
    };
    let hash = content_hash(&canonical(
        bid.project_id,
        bid.organization_id,
        &input,
        &listed,
    ));
    if sorted == attached && hash == bid.content_hash {
        return Ok(());
    }
    tracing::error!(bid = %bid.id, "a bid no longer matches its receipt: changed outside cogov");
    Err(Error::Conflict {
        code: "integrity_mismatch",
        message: "this bid no longer matches its receipt: it was changed outside the application, \
                  and the operators have been told"
            .into(),
    })
}

/// Reveals `bids` and checks each against its receipt, with their files in
/// one query.
async fn reveal_checked(db: &Db, bids: Vec<bids::Model>) -> Result<Vec<bids::Model>> {
    let bids = reveal(db, db.conn(), bids).await?;
    let ids: Vec<Uuid> = bids.iter().map(|b| b.id).collect();
    let files = files::attached_to_many(db.conn(), FILE_OWNER, &ids).await?;
    for b in &bids {
        check_receipt(b, files.get(&b.id).map_or(&[][..], Vec::as_slice))?;
    }
    Ok(bids)
}

/// Whose a bid is to a reader, before anything else is looked up.
fn is_own(actor: &Actor, organization_id: Uuid) -> bool {
    policy::acts_for(Some(actor), organization_id)
}

/// The one rule of bid secrecy: whether a reader may see a bid (its
/// existence, times, files and content). Its own organization's people
/// (`own`) see every version, always. After the opening (`opened`), those
/// who read opened bids (`reads_opened`: the department's purchasers,
/// auditors, admins, an expert cleared of conflicts) see the versions that
/// were live at the opening, never a replaced or withdrawn one. Nobody else
/// sees anything, and nobody else anything before the opening.
#[must_use]
pub fn may_read(own: bool, status: BidStatus, opened: bool, reads_opened: bool) -> bool {
    own || (opened && reads_opened && status == BidStatus::Active)
}

/// One bid with its files, for a reader [`may_read`] allows.
///
/// # Errors
/// `NotFound` otherwise.
pub async fn get(
    db: &Db,
    actor: &Actor,
    bid_id: Uuid,
) -> Result<(bids::Model, Vec<entity::files::Model>)> {
    let bid = bids::Entity::find_by_id(bid_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("bid"))?;
    let own = is_own(actor, bid.organization_id);
    if !own {
        let p = published(db.conn(), bid.project_id, false).await?;
        let opened = p.row.opened_at.is_some();
        let reads = opened && reads_opened_bids(db, actor, &p).await?;
        if !may_read(own, bid.status, opened, reads) {
            return Err(Error::NotFound("bid"));
        }
    }
    let attached = files::attached_to(db.conn(), FILE_OWNER, bid_id).await?;
    let bid = reveal_one(db, db.conn(), bid).await?;
    check_receipt(&bid, &attached)?;
    let attached = files::reveal_names(db, db.conn(), attached).await?;
    Ok((bid, attached))
}

/// Bids of a project the actor may see ([`may_read`]): the organization's
/// own versions; after the opening, every live bid for those who read
/// opened bids.
///
/// # Errors
/// `NotFound` for drafts; `Forbidden` before the opening for everyone but
/// bidders (saying nothing of how many there are).
pub async fn list_for_project(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
) -> Result<Vec<bids::Model>> {
    let p = published(db.conn(), project_id, false).await?;
    let mut q = bids::Entity::find()
        .filter(bids::Column::ProjectId.eq(project_id))
        .order_by_asc(bids::Column::Id);
    if let Some(org) = policy::organization_of(Some(actor)) {
        q = q.filter(bids::Column::OrganizationId.eq(org));
    } else if p.row.opened_at.is_some() && reads_opened_bids(db, actor, &p).await? {
        q = q.filter(bids::Column::Status.eq(BidStatus::Active));
    } else {
        return Err(Error::forbidden(
            "bids are sealed until they are opened at the deadline",
        ));
    }
    reveal_checked(db, q.all(db.conn()).await?).await
}

/// [`list_for_project`] with each bid's files (names revealed), in a
/// number of queries that does not grow with the bids.
///
/// # Errors
/// As [`list_for_project`].
pub async fn list_with_files(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
) -> Result<Vec<(bids::Model, Vec<entity::files::Model>)>> {
    let bids = list_for_project(db, actor, project_id).await?;
    let ids: Vec<Uuid> = bids.iter().map(|b| b.id).collect();
    let attached = files::attached_to_many(db.conn(), FILE_OWNER, &ids).await?;
    let revealed =
        files::reveal_names(db, db.conn(), attached.into_values().flatten().collect()).await?;
    let mut by_bid: std::collections::HashMap<Uuid, Vec<entity::files::Model>> =
        std::collections::HashMap::new();
    for f in revealed {
        if let Some(owner) = f.owner_id {
            by_bid.entry(owner).or_default().push(f);
        }
    }
    Ok(bids
        .into_iter()
        .map(|b| {
            let mut files = by_bid.remove(&b.id).unwrap_or_default();
            files.sort_by_key(|f| f.id);
            (b, files)
        })
        .collect())
}

/// The caller's organization's bids on every project, newest first.
///
/// # Errors
/// `Forbidden` unless an org user of an organization.
pub async fn mine(
    db: &Db,
    actor: &Actor,
    page: &PageRequest,
) -> Result<(Vec<bids::Model>, Option<String>)> {
    let org = bidder(actor)?;
    let mut q = bids::Entity::find()
        .filter(bids::Column::OrganizationId.eq(org))
        .order_by_desc(bids::Column::Id);
    if let Some(after) = page.after {
        q = q.filter(bids::Column::Id.lt(after));
    }
    let rows = q.limit(page.limit + 1).all(db.conn()).await?;
    let (rows, next) = page.finish(rows, |b| b.id);
    Ok((reveal_checked(db, rows).await?, next))
}

/// One line of the opening record (its shape is the stored record's).
pub use entity::opening_records::Entry as OpeningEntry;

/// Opens one project if it is open and due, exactly once (the row lock and
/// the state make a second call, here or on another instance, a no-op).
///
/// # Errors
/// The database's error; nothing is half-opened.
pub async fn open_project(
    db: &Db,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<opening_records::Model>> {
    let tx = db.begin().await?;
    let p = published(&*tx, project_id, true).await?;
    if p.status != Status::Open || now < p.row.bid_deadline {
        return Ok(None);
    }
    let today = crate::clock::china_date(now);
    // The opening unseals every version: from now on the content is read by
    // those entitled (the live versions) and by each bidder (its own).
    let all = bids::Entity::find()
        .filter(bids::Column::ProjectId.eq(project_id))
        .order_by_asc(bids::Column::SubmittedAt)
        .all(&*tx)
        .await?;
    let all = reveal(db, &*tx, all).await?;
    for bid in &all {
        bids::ActiveModel {
            id: Set(bid.id),
            price_fen: Set(bid.price_fen),
            technical_proposal: Set(bid.technical_proposal.clone()),
            team: Set(bid.team.clone()),
            plan: Set(bid.plan.clone()),
            sealed: Set(None),
            ..Default::default()
        }
        .update(&*tx)
        .await?;
    }
    let live: Vec<&bids::Model> = all
        .iter()
        .filter(|b| b.status == BidStatus::Active)
        .collect();
    let mut entries = Vec::new();
    for bid in live {
        let (org, facts) = org_facts(&*tx, bid.organization_id, today).await?;
        let failure = rules::evaluate(&p.eligibility, &facts, today)
            .into_iter()
            .find(|v| !v.passed);
        entries.push(OpeningEntry {
            bid_id: bid.id,
            organization_id: org.id,
            organization_name: org.name,
            uscc: org.uscc,
            price_fen: bid.price_fen,
            submitted_at: bid.submitted_at,
            content_hash: bid.content_hash.clone(),
            eligible: failure.is_none(),
            failed_rule: failure.map(|f| f.rule.to_owned()),
        });
    }
    let eligible = entries.iter().filter(|e| e.eligible).count();
    let outcome = if eligible >= p.method.minimum_bids() {
        rules::transition(p.status, Action::Open)?
    } else {
        rules::transition(rules::transition(p.status, Action::Open)?, Action::Fail)?
    };
    let reason = (outcome == Status::Failed).then(|| {
        format!(
            "{eligible} eligible bid(s) at opening; {} needs at least {}",
            p.method.as_str(),
            p.method.minimum_bids()
        )
    });
    let record = opening_records::Model {
        project_id,
        opened_at: now,
        entries: serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into()),
        eligible_count: i32::try_from(eligible).unwrap_or(i32::MAX),
        outcome: outcome.as_str().into(),
    };
    opening_records::ActiveModel::from(record.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    projects::ActiveModel {
        id: Set(project_id),
        status: Set(outcome),
        status_reason: Set(reason.clone()),
        opened_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*tx)
    .await?;
    crate::open::publish(
        &*tx,
        &Who::system(),
        Change::new(
            "project.open_bids",
            "project",
            project_id,
            Some(&serde_json::json!({"status": p.status.as_str()})),
            Some(&serde_json::json!({
                "status": outcome.as_str(), "status_reason": reason,
                "opening": entries, "eligible_count": eligible,
            })),
        ),
        crate::open::Event::BidsOpened(project_id),
        now,
    )
    .await?;
    let bidders =
        crate::notifications::people_of(&*tx, entries.iter().map(|e| e.organization_id), false)
            .await?;
    crate::notifications::tell(
        &*tx,
        &bidders,
        crate::notifications::Kind::BidsOpened,
        format!("project:{project_id}:opened"),
        format!("/projects/{project_id}"),
        crate::notifications::Params::about(p.row.title.clone()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(record))
}

/// Lease name of the opening job.
pub const JOB: &str = "procurement.opening";

/// Opens every project whose deadline has passed, under the job lease.
/// Returns the projects opened by this call.
///
/// # Errors
/// The database's error (projects opened before it stay opened).
pub async fn open_due(db: &Db, holder: &str, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    let work = async {
        let due = projects::Entity::find()
            .filter(projects::Column::Status.eq(Status::Open.as_str()))
            .filter(projects::Column::BidDeadline.lte(now))
            .order_by_asc(projects::Column::BidDeadline)
            .all(db.conn())
            .await?;
        let mut opened = Vec::new();
        for p in due {
            if open_project(db, p.id, now).await?.is_some() {
                opened.push(p.id);
            }
        }
        Ok(opened)
    };
    Ok(crate::jobs::under_lease(db, JOB, holder, now, work)
        .await?
        .unwrap_or_default())
}

/// The public opening record of a project, once opened.
///
/// # Errors
/// `NotFound` for drafts and before the opening.
pub async fn opening_record(
    db: &Db,
    project_id: Uuid,
) -> Result<(opening_records::Model, Vec<OpeningEntry>)> {
    published(db.conn(), project_id, false).await?;
    let record = opening_records::Entity::find_by_id(project_id)
        .one(db.conn())
        .await?
        .ok_or(Error::NotFound("opening record"))?;
    let entries = serde_json::from_str(&record.entries)
        .map_err(|_| Error::Internal(format!("opening record of {project_id} is not ours")))?;
    Ok((record, entries))
}

/// Checks a receipt against the opening record: whether the record holds
/// the bid with this hash, and the record's line for the bid if any. Public.
///
/// # Errors
/// `NotFound` before the opening.
pub async fn verify_receipt(
    db: &Db,
    project_id: Uuid,
    bid_id: Uuid,
    content_hash: &str,
) -> Result<(bool, Option<OpeningEntry>)> {
    let (_, entries) = opening_record(db, project_id).await?;
    let entry = entries.into_iter().find(|e| e.bid_id == bid_id);
    let matches = entry
        .as_ref()
        .is_some_and(|e| e.content_hash.eq_ignore_ascii_case(content_hash.trim()));
    Ok((matches, entry))
}

/// Which of these audit entries are sealed to their reader: those recorded
/// with the bids (and bid files) of a project not opened yet. The same
/// answer for everyone, auditors and admins included: before the opening
/// nobody but the bidder learns who bid, when, how often or what with.
///
/// # Errors
/// The database's error.
pub async fn sealed_entries(
    db: &Db,
    entries: &[entity::audit_entries::Model],
) -> Result<std::collections::HashSet<i64>> {
    let ids: Vec<Uuid> = entries
        .iter()
        .filter(|e| e.entity_type == SEALED)
        .filter_map(|e| e.entity_id.parse().ok())
        .collect();
    // Asked even for none, so a page costs the same whatever it holds.
    let opened: std::collections::HashSet<Uuid> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(ids))
        .filter(projects::Column::OpenedAt.is_not_null())
        .select_only()
        .column(projects::Column::Id)
        .into_tuple::<Uuid>()
        .all(db.conn())
        .await?
        .into_iter()
        .collect();
    Ok(entries
        .iter()
        .filter(|e| e.entity_type == SEALED)
        .filter(|e| {
            e.entity_id
                .parse()
                .map_or(true, |p: Uuid| !opened.contains(&p))
        })
        .map(|e| e.seq)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bid_is_its_bidders_alone_until_the_opening_and_then_only_live_versions_are_shown() {
        for status in [BidStatus::Active, BidStatus::Replaced, BidStatus::Withdrawn] {
            for opened in [false, true] {
                assert!(may_read(true, status, opened, false), "the bidder, always");
                assert!(!may_read(false, status, false, true), "nobody else before");
                assert!(
                    !may_read(false, status, opened, false),
                    "nor those not entitled"
                );
            }
        }
        assert!(may_read(false, BidStatus::Active, true, true));
        assert!(
            !may_read(false, BidStatus::Replaced, true, true),
            "a replaced version stays the bidder's"
        );
        assert!(!may_read(false, BidStatus::Withdrawn, true, true));
    }

    #[test]
    fn the_receipt_hash_covers_content_and_files_and_nothing_else() {
        let input = BidInput {
            price_fen: 100,
            technical_proposal: "方案".into(),
            team: "团队".into(),
            plan: "计划".into(),
            file_ids: vec![],
        };
        let (p, o) = (Uuid::nil(), Uuid::max());
        let c = canonical(p, o, &input, &["ab".into()]);
        assert!(
            c.starts_with(r#"{"files":["ab"],"organization_id":"#),
            "{c}"
        );
        let h = content_hash(&c);
        assert_eq!(h.len(), 64);
        let cheaper = BidInput {
            price_fen: 99,
            ..input.clone()
        };
        assert_ne!(content_hash(&canonical(p, o, &cheaper, &["ab".into()])), h);
        assert_ne!(content_hash(&canonical(p, o, &input, &["ac".into()])), h);
        assert_eq!(content_hash(&canonical(p, o, &input, &["ab".into()])), h);
    }
}
