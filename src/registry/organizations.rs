//! Registered organizations: creation on approval (or import), the public
//! search and profile, and revocation by a registrar.
//!
//! States: `active -> deregistered` (an approved deregistration application)
//! and `active -> revoked` (a registrar, with a reason; the organization also
//! goes on the dishonest list). Public fields are everything on the
//! organization row except nothing: members and documents live elsewhere
//! and are never public.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{organizations, uscc_sequences};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::credit;
use super::rules::{AuthorityLevel, Field, OrgType};
use super::uscc::{Category, Uscc};
use crate::audit::Change;
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::pagination::PageRequest;

/// Whether an organization is registered (active, deregistered, revoked).
pub use entity::organizations::Status;

/// A new organization's particulars, checked by the caller.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    /// Name.
    pub name: String,
    /// Kind.
    pub org_type: OrgType,
    /// Authority division code.
    pub division_code: String,
    /// Field of activity.
    pub field: Field,
    /// 业务主管单位.
    pub supervising_unit: Option<String>,
    /// Address.
    pub address: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Business scope.
    pub business_scope: String,
    /// Funds, fen.
    pub funds_fen: i64,
    /// Registration date.
    pub registered_on: NaiveDate,
    /// Its code.
    pub uscc: String,
    /// Set for a legacy code recorded by override.
    pub uscc_legacy_reason: Option<String>,
}

/// The audit snapshot of an organization.
#[must_use]
pub fn snapshot(o: &organizations::Model) -> serde_json::Value {
    serde_json::json!({
        "id": o.id, "name": o.name, "status": o.status, "uscc": o.uscc,
        "uscc_legacy_reason": o.uscc_legacy_reason, "org_type": o.org_type,
        "public_offering": o.public_offering, "level": o.level,
        "division_code": o.division_code, "field": o.field,
        "supervising_unit": o.supervising_unit, "address": o.address,
        "legal_representative": o.legal_representative,
        "business_scope": o.business_scope, "funds_fen": o.funds_fen,
        "registered_on": o.registered_on, "status_reason": o.status_reason,
        "credit_status": o.credit_status, "grade": o.grade,
        "grade_awarded_on": o.grade_awarded_on, "grade_valid_until": o.grade_valid_until,
    })
}

/// The row of a new, active organization numbered `seq`.
#[must_use]
pub fn model_of(new: NewOrganization, seq: i64, now: DateTime<Utc>) -> organizations::Model {
    let level = AuthorityLevel::of_division(&new.division_code).unwrap_or(AuthorityLevel::National);
    organizations::Model {
        id: Uuid::now_v7(),
        seq,
        name: new.name,
        status: Status::Active,
        created_at: now,
        updated_at: now,
        uscc: Some(new.uscc),
        uscc_legacy_reason: new.uscc_legacy_reason,
        org_type: new.org_type.kind().into(),
        public_offering: new.org_type.public_offering(),
        level: level.as_str().into(),
        division_code: new.division_code,
        field: new.field.as_str().into(),
        supervising_unit: new.supervising_unit,
        address: new.address,
        legal_representative: new.legal_representative,
        business_scope: new.business_scope,
        funds_fen: new.funds_fen,
        registered_on: Some(new.registered_on),
        status_reason: None,
        credit_status: credit::CreditStatus::None,
        grade: None,
        grade_awarded_on: None,
        grade_valid_until: None,
    }
}

/// Inserts an organization inside the caller's transaction (no audit entry:
/// the caller writes the one that says why it exists).
///
/// # Errors
/// `Invalid` on `uscc` when another organization holds the code.
pub async fn insert<C: ConnectionTrait>(
    tx: &C,
    new: NewOrganization,
    now: DateTime<Utc>,
) -> Result<organizations::Model> {
    let model = model_of(
        new,
        crate::db::next_seq(tx, crate::db::Numbered::Organizations).await?,
        now,
    );
    organizations::ActiveModel::from(model.clone())
        .reset_all()
        .insert(tx)
        .await
        .map_err(|e| {
            Error::from(e).unique_as(
                "uscc",
                "uscc_taken",
                "another organization is registered with this code",
            )
        })?;
    super::search::index(tx, model.id).await?;
    crate::stats::count_registered(tx, [&model]).await?;
    Ok(model)
}

/// Writes an organization's new state and its audit entry (`verb`), inside
/// the caller's transaction.
///
/// # Errors
/// The database's error.
pub async fn save<C: ConnectionTrait>(
    tx: &C,
    who: &crate::audit::Who,
    before: &organizations::Model,
    after: &organizations::Model,
    verb: &'static str,
    event: crate::open::Event,
    now: DateTime<Utc>,
) -> Result<()> {
    organizations::ActiveModel::from(after.clone())
        .reset_all()
        .update(tx)
        .await?;
    if (&before.name, &before.division_code) != (&after.name, &after.division_code) {
        super::search::index(tx, after.id).await?;
    }
    crate::open::publish(
        tx,
        who,
        Change::new(
            verb,
            "organization",
            after.id,
            Some(&snapshot(before)),
            Some(&snapshot(after)),
        ),
        event,
        now,
    )
    .await?;
    Ok(())
}

/// A fresh code for a new organization of `category` registered in
/// `division`: the next free sequence of that prefix.
///
/// # Errors
/// The database's error; `Internal` when a prefix runs out of sequences.
pub async fn next_uscc<C: ConnectionTrait>(
    tx: &C,
    category: Category,
    division: &str,
) -> Result<Uscc> {
    let prefix = Uscc::generate(category, division, 0)
        .map_err(|e| Error::Internal(e.to_string()))?
        .as_str()[..8]
        .to_owned();
    let row = uscc_sequences::Entity::find_by_id(prefix.clone())
        .lock_exclusive()
        .one(tx)
        .await?;
    let mut next = row.as_ref().map_or(1, |r| r.next);
    loop {
        let seq = u32::try_from(next).map_err(|_| Error::Internal("bad sequence".into()))?;
        let code =
            Uscc::generate(category, division, seq).map_err(|e| Error::Internal(e.to_string()))?;
        next += 1;
        let taken = organizations::Entity::find()
            .filter(organizations::Column::Uscc.eq(code.as_str()))
            .one(tx)
            .await?
            .is_some();
        if !taken {
            let am = uscc_sequences::ActiveModel {
                prefix: Set(prefix.clone()),
                next: Set(next),
            };
            if row.is_some() {
                am.update(tx).await?;
            } else {
                am.insert(tx).await?;
            }
            return Ok(code);
        }
    }
}

/// True when an active organization of the same authority (level and
/// division) already has `name`; `except` leaves one organization out.
///
/// # Errors
/// The database's error.
pub async fn name_taken<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    division_code: &str,
    except: Option<Uuid>,
) -> Result<bool> {
    let mut q = organizations::Entity::find()
        .filter(organizations::Column::Name.eq(name.trim()))
        .filter(organizations::Column::DivisionCode.eq(division_code))
        .filter(organizations::Column::Status.eq(Status::Active));
    if let Some(id) = except {
        q = q.filter(organizations::Column::Id.ne(id));
    }
    Ok(q.one(conn).await?.is_some())
}

/// One organization, public fields. Public.
///
/// # Errors
/// `NotFound`.
pub async fn get<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<organizations::Model> {
    organizations::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("organization"))
}

/// The names of the organizations `ids` names (a page's worth), in one
/// query: for lists that show whose a row is.
///
/// # Errors
/// The database's error.
pub async fn names_of<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id)
        .column(organizations::Column::Name)
        .filter(organizations::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Filters of the public search. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Part of the name (any characters, Chinese included).
    pub q: Option<String>,
    /// Exact code.
    pub uscc: Option<String>,
    /// Kind.
    pub org_type: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// A division code: organizations registered in it or below it.
    pub region: Option<String>,
    /// Grade 1-5, valid today.
    pub grade: Option<i16>,
    /// `none`, `abnormal` or `dishonest`.
    pub credit_status: Option<String>,
}

/// The part of a division code its subdivisions share (`420000` -> `42`,
/// `420100` -> `4201`); the national code stands for itself.
#[must_use]
pub fn region_prefix(code: &str) -> &str {
    if code == "100000" {
        return code;
    }
    let mut p = code;
    while p.len() > 2 && p.ends_with("00") {
        p = &p[..p.len() - 2];
    }
    p
}

/// What a registry search asks of the text index and the columns.
fn text_query(search: &Search, today: NaiveDate) -> Result<super::search::TextQuery> {
    let mut text = super::search::TextQuery::default();
    let trimmed = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let mut uscc = trimmed(&search.uscc).map(|c| c.to_uppercase());
    if let Some(q) = trimmed(&search.q) {
        match Uscc::parse(&q) {
            Ok(code) if uscc.is_none() => uscc = Some(code.as_str().to_owned()),
            _ => text.q = Some(q),
        }
    }
    if let Some(code) = uscc {
        text.equal.push(("uscc", code.into()));
    }
    if let Some(t) = search.org_type.as_deref().filter(|t| !t.is_empty()) {
        if !OrgType::KINDS.contains(&t) {
            return Err(Error::bad_input(
                "org_type",
                "unknown_org_type",
                "type must be social_group, foundation or social_service_agency",
            ));
        }
        text.equal.push(("org_type", t.into()));
    }
    if let Some(s) = search.status.as_deref().filter(|t| !t.is_empty()) {
        if Status::parse(s).is_none() {
            return Err(Error::bad_input(
                "status",
                "unknown_status",
                "status must be active, deregistered or revoked",
            ));
        }
        text.equal.push(("status", s.into()));
    }
    if let Some(r) = trimmed(&search.region) {
        if AuthorityLevel::of_division(&r).is_none() {
            return Err(Error::bad_input(
                "region",
                "unknown_division",
                "region must be a division code from the reference list",
            ));
        }
        text.region = Some(region_prefix(&r).to_owned());
    }
    if let Some(g) = search.grade {
        if !(1..=5).contains(&g) {
            return Err(Error::bad_input(
                "grade",
                "unknown_grade",
                "grade must be 1 to 5",
            ));
        }
        text.equal.push(("grade", g.into()));
        text.grade_valid_on = Some(today);
    }
    if let Some(c) = search.credit_status.as_deref().filter(|t| !t.is_empty()) {
        let Some(c) = credit::CreditStatus::parse(c) else {
            return Err(Error::bad_input(
                "credit_status",
                "unknown_credit_status",
                "credit status must be none, abnormal or dishonest",
            ));
        };
        text.equal.push(("credit_status", c.as_str().into()));
    }
    Ok(text)
}

/// The public registry: organizations matching `search`, in registration
/// order (`seq`). Public. Every combination of filters reads an index in
/// that order (see [`super::search`]), so a page costs the same at a
/// million organizations as at a hundred.
///
/// A `q` that is a well-formed code looks the code up instead of names.
///
/// # Errors
/// `BadInput` naming a filter with an unknown value or a cursor this
/// server did not issue; the database's error.
pub async fn search(
    db: &Db,
    search: &Search,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<(Vec<organizations::Model>, Option<String>)> {
    let mut select = organizations::Entity::find();
    let text = text_query(search, today)?;
    let after_seq = page
        .after_seq::<organizations::Entity, _>(db.conn(), organizations::Column::Seq)
        .await?;
    use super::search::{Reach, apply, plan};
    let limit = page.limit + 1;
    let pg = db.backend() == sea_orm::DbBackend::Postgres;
    let filtered = text.region.is_some() || !text.equal.is_empty();
    let walk = match &text.q {
        Some(q) if pg && filtered => {
            super::search::common_text(q, &*super::search::gram_frequencies(db).await?)
        }
        _ => false,
    };
    let rows = if walk {
        apply(
            QueryTrait::query(&mut select),
            plan(db.backend(), &text, Reach::Filtered),
            after_seq,
            Reach::Filtered,
        );
        select.limit(limit).all(db.conn()).await?
    } else if pg && text.q.is_some() {
        let mut near = select.clone();
        apply(
            QueryTrait::query(&mut near),
            plan(db.backend(), &text, Reach::Window),
            after_seq,
            Reach::Window,
        );
        let mut rows = near.limit(limit).all(db.conn()).await?;
        if (rows.len() as u64) < limit {
            apply(
                QueryTrait::query(&mut select),
                plan(db.backend(), &text, Reach::BeyondWindow),
                after_seq,
                Reach::BeyondWindow,
            );
            let rest = select
                .limit(limit - rows.len() as u64)
                .all(db.conn())
                .await?;
            rows.extend(rest);
        }
        rows
    } else {
        apply(
            QueryTrait::query(&mut select),
            plan(db.backend(), &text, Reach::All),
            after_seq,
            Reach::All,
        );
        select.limit(limit).all(db.conn()).await?
    };
    Ok(page.finish(rows, |o| o.id))
}

/// How many organizations a registry search finds: exact up to `cap`,
/// "more than `cap`" beyond (a count that stops reading there, so it costs
/// no more at a million organizations). With no filter at all, the exact
/// number of organizations ever registered, from the kept counts.
///
/// # Errors
/// As [`search`].
pub async fn count(db: &Db, search: &Search, today: NaiveDate, cap: u64) -> Result<Total> {
    use super::search::{Reach, apply, plan};
    let text = text_query(search, today)?;
    if text.q.is_none() && text.equal.is_empty() && text.region.is_none() {
        return Ok(Total::Exact(crate::stats::organizations_total(db).await?));
    }
    let mut matching = organizations::Entity::find()
        .select_only()
        .column(organizations::Column::Id);
    apply(
        QueryTrait::query(&mut matching),
        plan(db.backend(), &text, Reach::All),
        None,
        Reach::All,
    );
    let mut matching = QueryTrait::into_query(matching);
    matching.clear_order_by().limit(cap + 1);
    let counted = sea_orm::sea_query::Query::select()
        .expr(sea_orm::sea_query::Expr::cust("COUNT(*)"))
        .from_subquery(matching, sea_orm::sea_query::Alias::new("matching"))
        .to_owned();
    let n: i64 = db
        .conn()
        .query_one_raw(db.backend().build(&counted))
        .await?
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    let n = u64::try_from(n).unwrap_or(0);
    Ok(if n > cap {
        Total::MoreThan(cap)
    } else {
        Total::Exact(n)
    })
}

/// A count that may stop early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exactly this many.
    Exact(u64),
    /// More than this many.
    MoreThan(u64),
}

/// A revocation's reason, trimmed, once `actor` may revoke at all.
fn revocation_reason<'a>(actor: &Actor, reason: &'a str) -> Result<&'a str> {
    policy::check(Some(actor), Action::Register)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "reason",
            "reason_required",
            "a revocation needs a reason",
        ));
    }
    Ok(reason)
}

/// Only an active organization is revoked.
fn revocable(o: &organizations::Model) -> Result<()> {
    if o.status != Status::Active {
        return Err(Error::Conflict {
            code: "wrong_state",
            message: format!("an organization that is {} cannot be revoked", o.status),
        });
    }
    Ok(())
}

/// The organization `revoke` would revoke, for the registrar to confirm;
/// nothing written.
///
/// # Errors
/// As [`revoke`].
pub async fn check_revoke(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
) -> Result<organizations::Model> {
    revocation_reason(actor, reason)?;
    let o = get(db.conn(), id).await?;
    revocable(&o)?;
    Ok(o)
}
/// Revokes an active organization's registration (registrar, with a reason);
/// the organization goes on the dishonest list the same day.
///
/// # Errors
/// `Forbidden`; `NotFound`; `Conflict` unless active; `Invalid` without a reason.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<organizations::Model> {
    let reason = revocation_reason(actor, reason)?;
    let tx = db.begin().await?;
    let before = get(&*tx, id).await?;
    revocable(&before)?;
    let after = organizations::Model {
        status: Status::Revoked,
        status_reason: Some(reason.to_owned()),
        updated_at: now,
        ..before.clone()
    };
    save(
        &*tx,
        &actor.who(),
        &before,
        &after,
        "organization.revoke",
        crate::open::Event::OrganizationRevoked(after.id),
        now,
    )
    .await?;
    credit::list_in_tx(
        &*tx,
        &actor.who(),
        credit::Listing {
            organization_id: id,
            kind: credit::Kind::Dishonest,
            ground: format!("被撤销登记：{reason}"),
            ground_key: Some("registration_revoked".into()),
            started_on: crate::clock::china_date(now),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    get(db.conn(), id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_cover_their_subdivisions() {
        assert_eq!(region_prefix("420000"), "42");
        assert_eq!(region_prefix("420100"), "4201");
        assert_eq!(region_prefix("420102"), "420102");
        assert_eq!(region_prefix("100000"), "100000");
    }
}
