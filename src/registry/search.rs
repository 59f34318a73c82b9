//! The registry's text index: what makes a search of a million
//! organizations answer in milliseconds whatever it asks.
//!
//! A name is indexed as its characters and its pairs of neighbouring
//! characters (unigrams and bigrams), lower-cased: `养老院` is `养 老 院 养老
//! 老院`. A query of one character looks up its unigram; a longer one the
//! bigrams it contains (up to [`crate::grams::MAX_GRAMS`] of them, spread over it), and the
//! substring test `lower(name) LIKE '%q%'` then keeps exactly what the
//! registry always answered (`%` and `_` literal). So two-character words
//! such as 养老 are found through the index, and nothing depends on how
//! Chinese is split into words.
//!
//! - SQLite: `organization_search`, a contentless FTS5 table keyed by the
//!   organization's `seq`, also holding its region at each level (`r42`,
//!   `r4201`, `r420102`). Its rows are written here, in the same transaction
//!   as the organization ([`index`], [`index_range`]), from the SQL the
//!   migration backfilled with ([`migration::SQLITE_TERMS`]), so the terms
//!   cannot drift from the rows. Matches come in `seq` order, so a page of a
//!   search that matches half the registry stops after its 21st row.
//! - PostgreSQL: a GIN index over `cogov_name_grams(lower(name))`, which the
//!   database keeps itself; regions are a range over the division code.
//!
//! Everyone may search; nothing here is secret.

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Func, LikeExpr, Order, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::error::Result;

/// The SQLite index table.
pub const TABLE: &str = "organization_search";

/// Writes (or rewrites) one organization's terms, inside the transaction
/// that wrote the organization. Nothing to do on PostgreSQL.
///
/// # Errors
/// The database's error.
pub async fn index<C: ConnectionTrait>(tx: &C, id: Uuid) -> Result<()> {
    if tx.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let sql = format!(
        "INSERT OR REPLACE INTO {TABLE} (rowid, terms) SELECT o.seq, {} FROM organizations AS o \
         WHERE o.id = ?",
        migration::SQLITE_TERMS
    );
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        [Value::from(id)],
    ))
    .await?;
    Ok(())
}

/// Writes the terms of the organizations with `seq` in `from..=to` (a bulk
/// import's batch). Nothing to do on PostgreSQL.
///
/// # Errors
/// The database's error.
pub async fn index_range<C: ConnectionTrait>(tx: &C, from: i64, to: i64) -> Result<()> {
    if tx.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let sql = format!(
        "INSERT OR REPLACE INTO {TABLE} (rowid, terms) SELECT o.seq, {} FROM organizations AS o \
         WHERE o.seq BETWEEN ? AND ?",
        migration::SQLITE_TERMS
    );
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        [Value::from(from), Value::from(to)],
    ))
    .await?;
    Ok(())
}

/// What the public search asks, per database.
#[derive(Debug, Default)]
pub struct TextQuery {
    /// The substring asked for, as typed (trimmed).
    pub q: Option<String>,
    /// The region's shared code prefix (`42`, `4201`, `420102`).
    pub region: Option<String>,
    /// Columns that must equal a value (type, status, credit, grade, code).
    pub equal: Vec<(&'static str, Value)>,
    /// Grades valid on this day or later only.
    pub grade_valid_on: Option<chrono::NaiveDate>,
}

/// How a search reaches the rows: conditions and the order to read them in.
pub struct Plan {
    /// Conditions to add.
    pub conditions: Vec<SimpleExpr>,
    /// Join the SQLite index and read in its order.
    pub fts: Option<String>,
    /// PostgreSQL: the names' grams hold the query's (see [`Reach`]).
    pub grams: Option<SimpleExpr>,
}

/// How a PostgreSQL search with text reaches its rows. The planner cannot
/// know how common a piece of a name is (its guess for `社会工作` was 300
/// times too small), and the two ways differ a hundredfold: so the search
/// first reads the next [`WINDOW`] organizations in order, testing the
/// substring (cheap, and enough whenever the text is common), and only if
/// that window holds less than a page does it ask the grams index for the
/// rest, sorted (cheap whenever the text is rare). Common text with
/// filters besides (`养老` in a province, `协会` with a grade) is neither:
/// the window holds few that pass the filters, and the grams index tens of
/// thousands to sort; it walks a filter's index in order instead
/// ([`Reach::Filtered`], chosen by [`common_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Everything in `seq` order (SQLite, or no text).
    All,
    /// Everything after the cursor in `seq` order without the grams, so the
    /// planner may walk a filter's `(column, seq)` index.
    Filtered,
    /// `seq` in `(after, after + WINDOW]`, in order, without the grams.
    Window,
    /// `seq` after the window, through the grams index, then sorted.
    BeyondWindow,
}

/// Organizations read in order before a text search asks its index.
pub const WINDOW: i64 = 2_000;

/// A gram in at least this share of names is common (see [`common_text`]).
pub const COMMON: f32 = 0.01;

/// Whether every gram of `q` is in at least [`COMMON`] of the names, by
/// `frequencies` (gram -> share of names; a gram not listed is rarer than
/// any listed). Only then is walking the rows in order cheap: a page turns
/// up within a few thousand rows of whatever the filters select.
#[must_use]
pub fn common_text(q: &str, frequencies: &std::collections::HashMap<String, f32>) -> bool {
    let grams = crate::grams::query_grams(q, str::to_lowercase);
    !grams.is_empty()
        && grams
            .iter()
            .all(|g| frequencies.get(g).is_some_and(|f| *f >= COMMON))
}

/// The share of names each common gram is in, from PostgreSQL's statistics
/// of the grams index (`most_common_elems`, refreshed by `ANALYZE`, which
/// an import runs and autovacuum repeats). Read at most every ten minutes
/// per database handle (an import forgets it); it only steers which way a
/// search reads, never what it finds.
///
/// # Errors
/// The database's error.
pub async fn gram_frequencies(
    db: &crate::db::Db,
) -> Result<std::sync::Arc<std::collections::HashMap<String, f32>>> {
    use std::sync::Arc;
    if let Ok(held) = db.gram_stats().lock()
        && let Some((at, map)) = held.as_ref()
        && at.elapsed() < std::time::Duration::from_secs(600)
    {
        return Ok(Arc::clone(map));
    }
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT u.e, u.f FROM pg_stats s, \
             unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f) \
             WHERE s.tablename = 'idx_organizations_name_grams' AND u.e IS NOT NULL",
        ))
        .await?;
    let mut map = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        map.insert(
            row.try_get_by_index::<String>(0)?,
            row.try_get_by_index::<f32>(1)?,
        );
    }
    let map = Arc::new(map);
    if let Ok(mut held) = db.gram_stats().lock() {
        *held = Some((std::time::Instant::now(), Arc::clone(&map)));
    }
    Ok(map)
}

/// The conditions for `text` on `backend`, read as `reach` says.
#[must_use]
pub fn plan(backend: DbBackend, text: &TextQuery, reach: Reach) -> Plan {
    let name = || {
        Expr::expr(Func::lower(Expr::col((
            Alias::new("organizations"),
            Alias::new("name"),
        ))))
    };
    let mut conditions = Vec::new();
    let mut fts_terms = Vec::new();
    let mut grams_condition = None;
    if let Some(q) = &text.q {
        if backend == DbBackend::Postgres && reach == Reach::Filtered {
            // The same test, declared costly (migration 000052): the
            // planner walks the narrowest filter's index, not every row.
            conditions.push(Expr::cust_with_values(
                "cogov_has(\"organizations\".\"name\", $1)",
                [crate::grams::fold(backend, q)],
            ));
        } else if backend == DbBackend::Postgres {
            // strpos, not LIKE: the same exact substring, but the planner
            // does not multiply a LIKE's tiny guess into the grams' sound one.
            conditions.push(Expr::cust_with_values(
                "strpos(lower(\"organizations\".\"name\"), $1) > 0",
                [crate::grams::fold(backend, q)],
            ));
        } else {
            let pattern = format!(
                "%{}%",
                crate::grams::escape_like(&crate::grams::fold(backend, q))
            );
            conditions.push(name().like(LikeExpr::new(pattern).escape('\\')));
        }
        let grams = crate::grams::query_grams(q, |s| crate::grams::fold(backend, s));
        if backend == DbBackend::Postgres {
            // One value, split by a separator no name holds (names and
            // queries are printable); a gram with it would only widen the
            // candidates the substring test then narrows.
            let grams: Vec<String> = grams.into_iter().filter(|g| !g.contains('\x1f')).collect();
            grams_condition = Some(Expr::cust_with_values(
                "cogov_name_grams(lower(\"organizations\".\"name\")) @> string_to_array($1, chr(31))",
                [grams.join("\x1f")],
            ));
        } else {
            fts_terms.extend(grams.iter().map(|g| crate::grams::fts_term(g)));
        }
    }
    if let Some(prefix) = &text.region {
        if backend == DbBackend::Postgres {
            // An equality each level's `(prefix, seq)` index serves in
            // order (migration 000052); the same rows as the range.
            let column = "\"organizations\".\"division_code\"";
            let code = match prefix.len() {
                2 | 4 => format!("left({column}, {})", prefix.len()),
                _ => column.to_owned(),
            };
            conditions.push(Expr::cust_with_values(
                format!("{code} = $1"),
                [prefix.clone()],
            ));
        } else {
            let (from, to) = prefix_range(prefix);
            let code = Expr::col((Alias::new("organizations"), Alias::new("division_code")));
            conditions.push(code.clone().gte(from));
            conditions.push(code.lt(to));
            fts_terms.push(format!("r{prefix}"));
        }
    }
    let fts = (!fts_terms.is_empty()).then(|| fts_terms.join(" AND "));
    // Reading the text index in `seq` order is what keeps a page cheap; an
    // index on a filter column would tempt SQLite's planner into walking
    // that column instead (hundreds of milliseconds for a common type),
    // so there the filters are written `+column`, which no index serves.
    let column = |name: &str| {
        if fts.is_some() {
            format!("+\"organizations\".\"{name}\"")
        } else {
            format!("\"organizations\".\"{name}\"")
        }
    };
    for (name, value) in &text.equal {
        conditions.push(Expr::cust_with_values(
            format!("{} = {}", column(name), mark(backend, 1)),
            [value.clone()],
        ));
    }
    if let Some(day) = text.grade_valid_on {
        conditions.push(Expr::cust_with_values(
            format!("{} >= {}", column("grade_valid_until"), mark(backend, 1)),
            [Value::from(day)],
        ));
    }
    Plan {
        conditions,
        fts,
        grams: grams_condition,
    }
}

/// Adds `plan` to a select of organizations, ordered by `seq` after
/// `after_seq`.
pub fn apply(
    stmt: &mut sea_orm::sea_query::SelectStatement,
    plan: Plan,
    after_seq: Option<i64>,
    reach: Reach,
) {
    let seq = match &plan.fts {
        Some(_) => Expr::col((Alias::new(TABLE), Alias::new("rowid"))),
        None => Expr::col((Alias::new("organizations"), Alias::new("seq"))),
    };
    if let Some(terms) = plan.fts {
        stmt.inner_join(
            Alias::new(TABLE),
            Expr::col((Alias::new(TABLE), Alias::new("rowid")))
                .equals((Alias::new("organizations"), Alias::new("seq"))),
        );
        stmt.and_where(Expr::cust_with_values(format!("{TABLE} MATCH ?"), [terms]));
    }
    for c in plan.conditions {
        stmt.and_where(c);
    }
    let after = after_seq.unwrap_or(0);
    match reach {
        Reach::Filtered => {
            stmt.and_where(seq.clone().gt(after));
            stmt.order_by_expr(seq, Order::Asc);
        }
        Reach::All => {
            if let Some(grams) = plan.grams {
                stmt.and_where(grams);
            }
            stmt.and_where(seq.clone().gt(after));
            stmt.order_by_expr(seq, Order::Asc);
        }
        Reach::Window => {
            stmt.and_where(seq.clone().gt(after));
            stmt.and_where(seq.clone().lte(after.saturating_add(WINDOW)));
            stmt.order_by_expr(seq, Order::Asc);
        }
        Reach::BeyondWindow => {
            if let Some(grams) = plan.grams {
                stmt.and_where(grams);
            }
            stmt.and_where(seq.clone().gt(after.saturating_add(WINDOW)));
            // `seq + 0`: no index gives this order, so the planner reads
            // the matches through the grams index and sorts them.
            stmt.order_by_expr(seq.add(0), Order::Asc);
        }
    }
}

/// The `n`th placeholder of a custom expression.
fn mark(backend: DbBackend, n: usize) -> String {
    if backend == DbBackend::Postgres {
        format!("${n}")
    } else {
        "?".to_owned()
    }
}

/// `[from, to)` covering every code that starts with `prefix` (digits).
fn prefix_range(prefix: &str) -> (String, String) {
    let mut next = prefix.as_bytes().to_vec();
    // Codes are digits: bump the last digit, carrying; `99` -> `:`, which
    // still sorts after every digit.
    if let Some(last) = next.last_mut() {
        *last += 1;
    }
    (
        prefix.to_owned(),
        String::from_utf8_lossy(&next).into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_common_only_when_every_gram_is() {
        let freqs: std::collections::HashMap<String, f32> =
            [("养老", 0.06), ("协会", 0.3), ("老服", 0.002), ("会", 0.5)]
                .into_iter()
                .map(|(g, f)| (g.to_owned(), f))
                .collect();
        assert!(common_text("养老", &freqs));
        assert!(common_text("会", &freqs));
        assert!(!common_text("养老服", &freqs), "老服 is rare");
        assert!(
            !common_text("量子", &freqs),
            "not listed: rarer than any listed"
        );
        assert!(!common_text("", &freqs));
    }

    #[test]
    fn a_region_is_a_range_of_codes() {
        assert_eq!(prefix_range("42"), ("42".into(), "43".into()));
        assert_eq!(prefix_range("4201"), ("4201".into(), "4202".into()));
        assert_eq!(prefix_range("49"), ("49".into(), "4:".into()));
        assert!("499999" < "4:");
    }
}
