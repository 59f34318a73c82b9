//! Projects: drafts, publication, amendments, cancellation, questions and
//! answers, and the public list. This module never reads bids; the opening
//! at the deadline belongs to the bid area.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    project_amendments as amendments, project_questions as questions, project_sequences, projects,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::catalog;
use super::rules::{self, Action, Criterion, Method, Rule, Status};
use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::auth::policy;
use crate::calendar::Calendar;
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::pagination::PageRequest;

/// What a purchaser writes into a project.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    /// 1 to 200 characters.
    pub title: String,
    /// What is bought, up to 20000 characters.
    pub description: String,
    /// Catalog category (active).
    pub category_id: Uuid,
    /// Division where the service is delivered.
    pub region_code: String,
    /// Budget ceiling, fen.
    pub budget_fen: i64,
    /// Method.
    pub method: Method,
    /// Service period.
    pub service_start: NaiveDate,
    /// Service period end.
    pub service_end: NaiveDate,
    /// Eligibility rules beyond the mandatory ones.
    pub eligibility: Vec<Rule>,
    /// Weighted criteria.
    pub criteria: Vec<Criterion>,
    /// Bid deadline.
    pub bid_deadline: DateTime<Utc>,
}

impl ProjectInput {
    /// Shape problems, checked on every save.
    fn check(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        let n = self.title.chars().count();
        if n == 0 || n > 200 {
            errors.push(FieldError::new(
                "title",
                "length",
                "title must be 1 to 200 characters",
            ));
        }
        if self.description.chars().count() > 20_000 {
            errors.push(FieldError::new(
                "description",
                "length",
                "description may have at most 20000 characters",
            ));
        }
        if crate::registry::rules::AuthorityLevel::of_division(&self.region_code).is_none() {
            errors.push(FieldError::new(
                "region_code",
                "unknown_division",
                "region must be 100000 or a division code from the reference list",
            ));
        }
        if let Err(e) = rules::check_budget(self.budget_fen) {
            errors.push(e);
        }
        for (field, day) in [
            ("service_start", self.service_start),
            ("service_end", self.service_end),
        ] {
            if let Err(e) = crate::clock::check_date(field, day) {
                errors.push(e);
            }
        }
        if let Err(e) = crate::clock::check_time("bid_deadline", self.bid_deadline) {
            errors.push(e);
        }
        for (i, rule) in self.eligibility.iter().enumerate() {
            if let Some(why) = rule.check() {
                errors.push(FieldError::new(
                    format!("eligibility[{i}]"),
                    "bad_rule",
                    why,
                ));
            }
        }
        if self.criteria.len() > 20 {
            errors.push(FieldError::new(
                "criteria",
                "too_many",
                "at most 20 criteria",
            ));
        }
        errors
    }
}

/// A project as the service hands it out.
#[derive(Debug, Clone)]
pub struct Project {
    /// The row.
    pub row: projects::Model,
    /// State.
    pub status: Status,
    /// Method.
    pub method: Method,
    /// Eligibility rules (the project's own).
    pub eligibility: Vec<Rule>,
    /// Criteria.
    pub criteria: Vec<Criterion>,
}

impl Project {
    /// From a row.
    ///
    /// # Errors
    /// `Internal` when the stored JSON or names are not ours.
    pub fn from_row(row: projects::Model) -> Result<Self> {
        let bad = |what: &str| Error::Internal(format!("project {} has {what}", row.id));
        Ok(Self {
            status: row.status,
            method: Method::parse(&row.method).ok_or_else(|| bad("an unknown method"))?,
            eligibility: serde_json::from_str(&row.eligibility).map_err(|_| bad("bad rules"))?,
            criteria: serde_json::from_str(&row.criteria).map_err(|_| bad("bad criteria"))?,
            row,
        })
    }
}

impl Project {
    /// Open and before its bid deadline at `now`: the time for bids,
    /// questions and amendments.
    #[must_use]
    pub fn takes_bids(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Open && now < self.row.bid_deadline
    }

    /// Whether the purchaser may still change it at `now`: a draft, or an
    /// open project before its deadline (by amendment).
    #[must_use]
    pub fn changeable(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Draft || self.takes_bids(now)
    }
}

/// The refusal when a project is past the time for bids, questions and amendments.
fn closed() -> Error {
    Error::Conflict {
        code: "not_open",
        message: "this is done while the project is open, before its bid deadline".into(),
    }
}

fn snapshot(p: &projects::Model) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "number": p.number, "department_id": p.department_id,
        "title": p.title, "description": p.description, "category_id": p.category_id,
        "region_code": p.region_code, "budget_fen": p.budget_fen, "method": p.method,
        "service_start": p.service_start, "service_end": p.service_end,
        "eligibility": serde_json::from_str::<serde_json::Value>(&p.eligibility).ok(),
        "criteria": serde_json::from_str::<serde_json::Value>(&p.criteria).ok(),
        "bid_deadline": p.bid_deadline, "published_at": p.published_at,
        "status": p.status, "status_reason": p.status_reason,
    })
}

async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Project> {
    let row = projects::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("project"))?;
    Project::from_row(row)
}

/// The project, its row locked for the rest of the command's transaction
/// (`FOR UPDATE` on PostgreSQL; SQLite's writer queue does the same): the
/// state a command checks is the state it changes, once.
async fn load_locked<C: ConnectionTrait>(tx: &C, id: Uuid) -> Result<Project> {
    let row = projects::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or(Error::NotFound("project"))?;
    Project::from_row(row)
}

async fn next_number<C: ConnectionTrait>(tx: &C, now: DateTime<Utc>) -> Result<String> {
    let year = rules::number_year(now);
    let row = project_sequences::Entity::find_by_id(year)
        .lock_exclusive()
        .one(tx)
        .await?;
    let next = row.as_ref().map_or(1, |r| r.next);
    let am = project_sequences::ActiveModel {
        year: Set(year),
        next: Set(next + 1),
    };
    if row.is_some() {
        am.update(tx).await?;
    } else {
        am.insert(tx).await?;
    }
    Ok(rules::project_number(
        year,
        u32::try_from(next).unwrap_or(0),
    ))
}

async fn check_category<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<()> {
    match catalog::get(conn, id).await {
        Ok(c) if c.active => Ok(()),
        Ok(_) => Err(Error::invalid(
            "category_id",
            "category_retired",
            "this category takes no new projects",
        )),
        Err(_) => Err(Error::invalid(
            "category_id",
            "unknown_category",
            "no category has this id",
        )),
    }
}

async fn write<C: ConnectionTrait>(
    tx: &C,
    actor: &Actor,
    before: Option<&projects::Model>,
    after: &projects::Model,
    verb: &'static str,
    event: Option<crate::open::Event>,
    now: DateTime<Utc>,
) -> Result<()> {
    let am = projects::ActiveModel::from(after.clone()).reset_all();
    if before.is_some() {
        am.update(tx).await?;
    } else {
        am.insert(tx).await?;
    }
    let change = Change::new(
        verb,
        "project",
        after.id,
        before.map(snapshot).as_ref(),
        Some(&snapshot(after)),
    );
    match event {
        Some(event) => crate::open::publish(tx, &actor.who(), change, event, now).await?,
        None => audit::append(tx, &actor.who(), change, now).await?,
    };
    Ok(())
}

/// A purchaser opens a draft for their department; it gets its number now.
///
/// # Errors
/// `Forbidden` unless a purchaser with a department; `Invalid` naming each
/// field with a shape problem.
pub async fn create(
    db: &Db,
    actor: &Actor,
    mut input: ProjectInput,
    now: DateTime<Utc>,
) -> Result<Project> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let department_id = actor
        .department_id
        .ok_or_else(|| Error::forbidden("a purchaser must belong to a department"))?;
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let tx = db.begin().await?;
    check_category(&*tx, input.category_id).await?;
    let row = projects::Model {
        id: Uuid::now_v7(),
        seq: crate::db::next_seq(&*tx, crate::db::Numbered::Projects).await?,
        number: next_number(&*tx, now).await?,
        department_id,
        created_by: actor.user_id,
        title: input.title,
        description: input.description,
        category_id: input.category_id,
        region_code: input.region_code,
        budget_fen: input.budget_fen,
        method: input.method.as_str().into(),
        service_start: input.service_start,
        service_end: input.service_end,
        eligibility: serde_json::to_string(&input.eligibility).unwrap_or_else(|_| "[]".into()),
        criteria: serde_json::to_string(&input.criteria).unwrap_or_else(|_| "[]".into()),
        bid_deadline: input.bid_deadline,
        published_at: None,
        status: Status::Draft,
        status_reason: None,
        opened_at: None,
        created_at: now,
        updated_at: now,
    };
    write(&*tx, actor, None, &row, "project.create", None, now).await?;
    tx.commit().await?;
    Project::from_row(row)
}

/// The purchaser edits a draft of their department.
///
/// # Errors
/// `NotFound` for drafts of other departments; `Conflict` once published;
/// `Invalid` naming each field.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    mut input: ProjectInput,
    now: DateTime<Utc>,
) -> Result<Project> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let errors = input.check();
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    policy::sees_draft(Some(actor), p.row.department_id)?;
    policy::own_department(actor, p.row.department_id)?;
    rules::transition(p.status, Action::Edit)?;
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    check_category(&*tx, input.category_id).await?;
    let after = projects::Model {
        title: input.title,
        description: input.description,
        category_id: input.category_id,
        region_code: input.region_code,
        budget_fen: input.budget_fen,
        method: input.method.as_str().into(),
        service_start: input.service_start,
        service_end: input.service_end,
        eligibility: serde_json::to_string(&input.eligibility).unwrap_or_else(|_| "[]".into()),
        criteria: serde_json::to_string(&input.criteria).unwrap_or_else(|_| "[]".into()),
        bid_deadline: input.bid_deadline,
        updated_at: now,
        ..p.row.clone()
    };
    write(&*tx, actor, Some(&p.row), &after, "project.edit", None, now).await?;
    tx.commit().await?;
    Project::from_row(after)
}

/// Every rule a project breaks if published at `now`.
#[must_use]
pub fn publication_violations(
    p: &Project,
    now: DateTime<Utc>,
    calendar: &Calendar,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = rules::check_deadline(p.method, now, p.row.bid_deadline, calendar) {
        errors.push(e);
    }
    errors.extend(rules::check_criteria(p.method, &p.criteria));
    if let Err(e) = rules::check_budget(p.row.budget_fen) {
        errors.push(e);
    }
    if let Err(e) = rules::check_service_period(p.row.service_start, p.row.service_end) {
        errors.push(e);
    }
    if p.row.service_start < crate::clock::china_date(p.row.bid_deadline) {
        errors.push(FieldError::new(
            "service_start",
            "service_before_deadline",
            "the service cannot start before the bid deadline",
        ));
    }
    if p.row.description.is_empty() {
        errors.push(FieldError::new(
            "description",
            "required",
            "describe the services bought",
        ));
    }
    errors
}

/// Publishes a draft: the timeline, weights, budget and period rules are
/// checked, each failure naming its rule.
///
/// # Errors
/// `NotFound`/`Forbidden` by department; `Conflict` unless a draft;
/// `Invalid` naming each broken rule.
pub async fn publish(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<Project> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    policy::sees_draft(Some(actor), p.row.department_id)?;
    policy::own_department(actor, p.row.department_id)?;
    let to = rules::transition(p.status, Action::Publish)?;
    let calendar = Calendar::load(&*tx).await?;
    let errors = publication_violations(&p, now, &calendar);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    check_category(&*tx, p.row.category_id).await?;
    let after = projects::Model {
        status: to,
        published_at: Some(now),
        updated_at: now,
        ..p.row.clone()
    };
    write(
        &*tx,
        actor,
        Some(&p.row),
        &after,
        "project.publish",
        Some(crate::open::Event::ProjectPublished(after.id)),
        now,
    )
    .await?;
    tx.commit().await?;
    Project::from_row(after)
}

/// A public amendment of an open project: a clarification, and optionally
/// a new deadline (which must still meet the method's minimum from
/// publication, and may not lie in the past).
///
/// # Errors
/// `Forbidden` by department; `Conflict` unless open; `Invalid` for an empty
/// text or a deadline that breaks the minimum.
pub async fn amend(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    text: &str,
    new_deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<amendments::Model> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 20_000 {
        return Err(Error::invalid(
            "text",
            "required",
            "say what is amended or clarified",
        ));
    }
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    policy::own_department(actor, p.row.department_id)?;
    rules::transition(p.status, Action::Amend)?;
    if !p.takes_bids(now) {
        return Err(closed());
    }
    if let Some(deadline) = new_deadline {
        let published = p.row.published_at.unwrap_or(now);
        let calendar = Calendar::load(&*tx).await?;
        rules::check_deadline(p.method, published, deadline, &calendar)
            .map_err(|e| Error::Invalid(vec![e]))?;
        if deadline <= now {
            return Err(Error::invalid(
                "new_deadline",
                "deadline_past",
                "the new deadline has already passed",
            ));
        }
    }
    let amendment = amendments::Model {
        id: Uuid::now_v7(),
        project_id: id,
        text: text.to_owned(),
        old_deadline: new_deadline.map(|_| p.row.bid_deadline),
        new_deadline,
        created_by: actor.user_id,
        created_at: now,
    };
    amendments::ActiveModel::from(amendment.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    crate::open::publish(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "project.amend",
            "project",
            id,
            None,
            Some(&serde_json::json!({
                "amendment_id": amendment.id, "text": amendment.text,
                "old_deadline": amendment.old_deadline, "new_deadline": amendment.new_deadline,
            })),
        ),
        crate::open::Event::ProjectAmended(id),
        now,
    )
    .await?;
    if let Some(deadline) = new_deadline {
        projects::ActiveModel {
            id: Set(id),
            bid_deadline: Set(deadline),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&*tx)
        .await?;
    }
    tx.commit().await?;
    Ok(amendment)
}

/// The purchaser cancels a project before the award, with a reason.
///
/// # Errors
/// `Forbidden`/`NotFound` by department; `Conflict` once awarded, failed or
/// cancelled; `Invalid` without a reason.
pub async fn cancel(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Project> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "give a reason of 1 to 2000 characters",
        ));
    }
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    if p.status == Status::Draft {
        policy::sees_draft(Some(actor), p.row.department_id)?;
    }
    policy::own_department(actor, p.row.department_id)?;
    let to = rules::transition(p.status, Action::Cancel)?;
    let after = projects::Model {
        status: to,
        status_reason: Some(reason.to_owned()),
        updated_at: now,
        ..p.row.clone()
    };
    write(
        &*tx,
        actor,
        Some(&p.row),
        &after,
        "project.cancel",
        Some(crate::open::Event::ProjectCancelled(after.id)),
        now,
    )
    .await?;
    super::award::withdraw(&*tx, &actor.who(), id, "project cancelled", now).await?;
    tx.commit().await?;
    Project::from_row(after)
}

/// The numbers and titles of the published projects among `ids` (a page's
/// worth), in one query: for lists that show which project a row is of.
/// Drafts are left out: their titles are their department's.
///
/// # Errors
/// The database's error.
pub async fn numbers_and_titles(
    db: &Db,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, (String, String)>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(projects::Entity::find()
        .select_only()
        .column(projects::Column::Id)
        .column(projects::Column::Number)
        .column(projects::Column::Title)
        .filter(projects::Column::Id.is_in(ids))
        .filter(projects::Column::Status.ne(Status::Draft.as_str()))
        .into_tuple::<(Uuid, String, String)>()
        .all(db.conn())
        .await?
        .into_iter()
        .map(|(id, number, title)| (id, (number, title)))
        .collect())
}

/// One project: published ones for everyone, drafts for their department.
///
/// # Errors
/// `NotFound`.
pub async fn get(db: &Db, actor: Option<&Actor>, id: Uuid) -> Result<Project> {
    let p = load(db.conn(), id).await?;
    if p.status == Status::Draft {
        policy::sees_draft(actor, p.row.department_id)?;
    }
    Ok(p)
}

/// Filters of the project list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this state.
    pub status: Option<Status>,
    /// Only this category or its subcategories.
    pub category_id: Option<Uuid>,
    /// Delivered in this division or below.
    pub region: Option<String>,
    /// Budget at least.
    pub budget_min_fen: Option<i64>,
    /// Budget at most.
    pub budget_max_fen: Option<i64>,
    /// Deadline on or after.
    pub deadline_from: Option<DateTime<Utc>>,
    /// Deadline before.
    pub deadline_to: Option<DateTime<Utc>>,
    /// Title contains.
    pub q: Option<String>,
    /// Only the caller's department's (drafts included).
    pub mine: bool,
}

/// Projects: published ones for everyone; with `mine`, a purchaser's
/// department's, drafts included. Newest first is not needed for cursors:
/// creation order.
///
/// # Errors
/// `BadInput` for an unknown region; `Forbidden` for `mine` without a department.
pub async fn list(
    db: &Db,
    actor: Option<&Actor>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<(Vec<Project>, Option<String>)> {
    use projects::Column as C;
    let mut q = projects::Entity::find();
    if filter.mine {
        let a = policy::check(actor, policy::Action::ReadPurchases)?;
        let dept = a
            .department_id
            .ok_or_else(|| Error::forbidden("you belong to no department"))?;
        q = q.filter(C::DepartmentId.eq(dept));
    } else {
        q = q.filter(C::Status.ne(Status::Draft.as_str()));
    }
    if let Some(s) = filter.status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    if let Some(cat) = filter.category_id {
        let all = catalog::list(db, false).await?;
        let mut ids = vec![cat];
        let mut i = 0;
        while i < ids.len() {
            let parent = ids[i];
            ids.extend(
                all.iter()
                    .filter(|c| c.parent_id == Some(parent))
                    .map(|c| c.id),
            );
            i += 1;
        }
        q = q.filter(C::CategoryId.is_in(ids));
    }
    if let Some(r) = filter
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        if crate::registry::rules::AuthorityLevel::of_division(r).is_none() {
            return Err(Error::bad_input(
                "region",
                "unknown_division",
                "region must be a division code",
            ));
        }
        q = q.filter(C::RegionCode.starts_with(crate::registry::organizations::region_prefix(r)));
    }
    if let Some(v) = filter.budget_min_fen {
        q = q.filter(C::BudgetFen.gte(v));
    }
    if let Some(v) = filter.budget_max_fen {
        q = q.filter(C::BudgetFen.lte(v));
    }
    if let Some(t) = filter.deadline_from {
        q = q.filter(C::BidDeadline.gte(t));
    }
    if let Some(t) = filter.deadline_to {
        q = q.filter(C::BidDeadline.lt(t));
    }
    let after = page
        .after_seq::<projects::Entity, _>(db.conn(), C::Seq)
        .await?;
    let text = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let limit = page.limit + 1;
    let mut rows = TITLES.find(db, q.clone(), text, after, limit).await?;
    // Only a text starting so can be a number: the project with it, if it
    // passes the filters, is one row by the number's unique index, merged
    // into the titles found in creation order.
    if let Some(text) = text.filter(|t| t.starts_with(rules::NUMBER_PREFIX))
        && let Some(numbered) = q
            .filter(C::Number.eq(text))
            .filter(C::Seq.gt(after.unwrap_or(0)))
            .one(db.conn())
            .await?
        && !rows.iter().any(|r| r.id == numbered.id)
    {
        rows.push(numbered);
        rows.sort_by_key(|r| r.seq);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let (rows, next) = page.finish(rows, |p| p.id);
    Ok((
        rows.into_iter()
            .map(Project::from_row)
            .collect::<Result<_>>()?,
        next,
    ))
}

/// Project titles in the text index (migration 000055).
const TITLES: crate::grams::Indexed = crate::grams::Indexed {
    table: "projects",
    sqlite_search: "project_search",
    postgres_text: "\"projects\".\"title\"",
    sqlite_text: "\"projects\".\"title\"",
};

/// A project's amendments, oldest first. Public once published.
///
/// # Errors
/// `NotFound` as [`get`].
pub async fn amendments_of(
    db: &Db,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<amendments::Model>> {
    get(db, actor, id).await?;
    Ok(amendments::Entity::find()
        .filter(amendments::Column::ProjectId.eq(id))
        .order_by_asc(amendments::Column::Id)
        .all(db.conn())
        .await?)
}

/// An org user asks a question on an open project.
///
/// # Errors
/// `Forbidden` unless an org user; `NotFound`; `Conflict` unless open or
/// after the deadline; `Invalid` for an empty question.
pub async fn ask(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    question: &str,
    now: DateTime<Utc>,
) -> Result<questions::Model> {
    policy::check(Some(actor), policy::Action::Apply)?;
    let question = question.trim();
    if question.is_empty() || question.chars().count() > 5000 {
        return Err(Error::invalid(
            "question",
            "length",
            "a question has 1 to 5000 characters",
        ));
    }
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    if p.status == Status::Draft {
        return Err(Error::NotFound("project"));
    }
    if !p.takes_bids(now) {
        return Err(closed());
    }
    let q = questions::Model {
        id: Uuid::now_v7(),
        project_id: id,
        asked_by: actor.user_id,
        organization_id: actor.organization_id,
        question: question.to_owned(),
        answer: None,
        answered_by: None,
        answered_at: None,
        created_at: now,
    };
    questions::ActiveModel::from(q.clone())
        .reset_all()
        .insert(&*tx)
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new::<(), _>(
            "question.ask",
            "project_question",
            q.id,
            None,
            Some(&serde_json::json!({"project_id": id, "question": q.question})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(q)
}

/// The purchaser answers a question of the project (once; the answer is public).
///
/// # Errors
/// `Forbidden` by department; `NotFound`; `Conflict` when already answered;
/// `Invalid` for an empty answer.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    project_id: Uuid,
    question_id: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<questions::Model> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 20_000 {
        return Err(Error::invalid(
            "answer",
            "length",
            "an answer has 1 to 20000 characters",
        ));
    }
    let tx = db.begin().await?;
    let before = questions::Entity::find_by_id(question_id)
        .one(&*tx)
        .await?
        .filter(|q| q.project_id == project_id)
        .ok_or(Error::NotFound("question"))?;
    let p = load_locked(&*tx, before.project_id).await?;
    policy::own_department(actor, p.row.department_id)?;
    if before.answer.is_some() {
        return Err(Error::Conflict {
            code: "already_answered",
            message: "this question has been answered; publish an amendment to add more".into(),
        });
    }
    let after = questions::Model {
        answer: Some(text.to_owned()),
        answered_by: Some(actor.user_id),
        answered_at: Some(now),
        ..before.clone()
    };
    let hit = questions::Entity::update_many()
        .set(questions::ActiveModel::from(after.clone()).reset_all())
        .filter(questions::Column::Id.eq(question_id))
        .filter(questions::Column::Answer.is_null())
        .exec(&*tx)
        .await?;
    crate::db::changed_once(hit.rows_affected, "this question")?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "question.answer",
            "project_question",
            question_id,
            Some(&serde_json::json!({"answer": before.answer})),
            Some(&serde_json::json!({"answer": after.answer})),
        ),
        now,
    )
    .await?;
    let asker = crate::notifications::users_by_id(&*tx, [after.asked_by]).await?;
    crate::notifications::tell(
        &*tx,
        &asker,
        crate::notifications::Kind::QuestionAnswered,
        format!("question:{question_id}:answered"),
        format!("/projects/{project_id}#questions"),
        crate::notifications::Params::about(p.row.title.clone()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A project's questions: everyone sees the answered ones (never who
/// asked); the department's purchasers see all; an asker sees their own.
///
/// # Errors
/// `NotFound` as [`get`].
pub async fn questions_of(
    db: &Db,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<(questions::Model, bool)>> {
    let p = get(db, actor, id).await?;
    let purchaser = policy::oversees(actor, p.row.department_id);
    let all = questions::Entity::find()
        .filter(questions::Column::ProjectId.eq(id))
        .order_by_asc(questions::Column::Id)
        .all(db.conn())
        .await?;
    Ok(all
        .into_iter()
        .filter_map(|q| {
            let mine = actor.is_some_and(|a| a.user_id == q.asked_by);
            (purchaser || mine || q.answer.is_some()).then_some((q, mine))
        })
        .collect())
}

/// What a document is to a project.
pub const DOCUMENT_LABELS: [&str; 4] = [
    "tender_document",
    "specification",
    "contract_template",
    "other",
];

/// The purchaser attaches one of their uploads to a draft or open project;
/// on an open project this is published as an amendment.
///
/// # Errors
/// `Forbidden`/`NotFound` by department; `Conflict` after the deadline or
/// opening; `Invalid` for an unknown label or a file that is not the
/// purchaser's unattached upload.
pub async fn attach_document(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    file_id: Uuid,
    label: &str,
    now: DateTime<Utc>,
) -> Result<entity::files::Model> {
    policy::check(Some(actor), policy::Action::Purchase)?;
    let label = DOCUMENT_LABELS
        .iter()
        .find(|l| **l == label)
        .ok_or_else(|| {
            Error::invalid(
                "label",
                "unknown_label",
                format!("label must be one of {}", DOCUMENT_LABELS.join(", ")),
            )
        })?;
    let tx = db.begin().await?;
    let p = load_locked(&*tx, id).await?;
    if p.status == Status::Draft {
        policy::sees_draft(Some(actor), p.row.department_id)?;
    }
    policy::own_department(actor, p.row.department_id)?;
    let action = if p.status == Status::Draft {
        Action::Edit
    } else {
        Action::Amend
    };
    rules::transition(p.status, action)?;
    if !p.changeable(now) {
        return Err(closed());
    }
    let file =
        crate::files::attach(&*tx, actor, file_id, crate::files::PROJECT, id, label, now).await?;
    if p.status == Status::Open {
        let amendment = amendments::Model {
            id: Uuid::now_v7(),
            project_id: id,
            text: format!("附加文件 / document added: {}", file.file_name),
            old_deadline: None,
            new_deadline: None,
            created_by: actor.user_id,
            created_at: now,
        };
        amendments::ActiveModel::from(amendment)
            .reset_all()
            .insert(&*tx)
            .await?;
    }
    tx.commit().await?;
    Ok(file)
}

/// A project's documents, as visible as the project.
///
/// # Errors
/// `NotFound` as [`get`].
pub async fn documents_of(
    db: &Db,
    actor: Option<&Actor>,
    id: Uuid,
) -> Result<Vec<entity::files::Model>> {
    get(db, actor, id).await?;
    crate::files::attached_to(db.conn(), crate::files::PROJECT, id).await
}
