//! Text indexes of character unigrams and bigrams: how a substring of a
//! Chinese name or title is found among a million without reading them all.
//!
//! A text is indexed as its characters and its pairs of neighbouring
//! characters, lower-cased: `养老院` is `养 老 院 养老 老院`. A query of one
//! character looks up its unigram; a longer one the bigrams it contains (up
//! to [`MAX_GRAMS`], spread over it), and a substring test then keeps
//! exactly the texts that hold the query, `%` and `_` taken literally. So
//! two-character words such as 养老 are found through the index, and
//! nothing depends on how Chinese is split into words.
//!
//! The indexes themselves are the databases' (SQLite FTS5 tables of
//! `u<HEX>`/`b<HEX>` terms, PostgreSQL GIN indexes over
//! `cogov_name_grams()`; migrations 000048 and 000055); this module holds
//! the pure rules both sides of a search share. Used by the registry's
//! search and the project list.

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Func, LikeExpr, Order, SelectStatement};
use sea_orm::{DbBackend, EntityTrait, QuerySelect as _, QueryTrait, Select};

use crate::db::Db;
use crate::error::Result;

/// Bigrams of a long query looked up in the index; the substring test
/// checks the rest.
pub const MAX_GRAMS: usize = 6;

/// The grams of a query to look up: its one character, or up to
/// [`MAX_GRAMS`] of its bigrams spread from first to last, distinct.
/// `fold` lower-cases as the database's `lower()` does.
#[must_use]
pub fn query_grams(q: &str, fold: impl Fn(&str) -> String) -> Vec<String> {
    let chars: Vec<char> = fold(q).chars().collect();
    if chars.len() < 2 {
        return chars.iter().map(char::to_string).collect();
    }
    let pairs = chars.len() - 1;
    let picks = pairs.min(MAX_GRAMS);
    let mut grams: Vec<String> = (0..picks)
        .map(|k| {
            let i = if picks == 1 {
                0
            } else {
                k * (pairs - 1) / (picks - 1)
            };
            chars[i..i + 2].iter().collect()
        })
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// A gram as an FTS5 term: `u` or `b`, then the hex of its UTF-8 (what
/// `hex()` gives in [`migration::SQLITE_TERMS`] and [`migration::sqlite_grams`]).
#[must_use]
pub fn fts_term(gram: &str) -> String {
    let kind = if gram.chars().count() == 1 { 'u' } else { 'b' };
    let hex: String = gram.bytes().map(|b| format!("{b:02X}")).collect();
    format!("{kind}{hex}")
}

/// `s` lower-cased as `backend`'s `lower()` does: SQLite's folds ASCII
/// only, PostgreSQL's follows Unicode.
#[must_use]
pub fn fold(backend: DbBackend, s: &str) -> String {
    if backend == DbBackend::Postgres {
        s.to_lowercase()
    } else {
        s.to_ascii_lowercase()
    }
}

/// `%`, `_` and `\` taken literally in a LIKE pattern escaped with `\`.
#[must_use]
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A table with a `seq` column whose text is indexed by its grams: SQLite's
/// FTS5 table keyed by `seq` (kept by triggers, [`migration::sqlite_text_index`]),
/// PostgreSQL's GIN index over `cogov_name_grams(lower(<text>))`.
#[derive(Debug, Clone, Copy)]
pub struct Indexed {
    /// The table.
    pub table: &'static str,
    /// Its SQLite FTS5 table.
    pub sqlite_search: &'static str,
    /// The indexed text, as SQL over the table's quoted columns, exactly as
    /// PostgreSQL's index expression has it.
    pub postgres_text: &'static str,
    /// The same text in SQLite's SQL.
    pub sqlite_text: &'static str,
}

/// Rows of a PostgreSQL text search read in order before its grams index
/// is asked (see [`Indexed::find`]).
pub const WINDOW: i64 = 2_000;

/// How one query of a search reaches its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Everything after the cursor in `seq` order (SQLite, or no text).
    All,
    /// `seq` in `(after, after + WINDOW]`, in order, testing the substring.
    Window,
    /// `seq` after the window, through the grams index, then sorted.
    BeyondWindow,
}

impl Indexed {
    /// Up to `limit` rows of `select` after the `seq` `after`, in `seq`
    /// order, and with `text`, only those whose text holds it (`%` and `_`
    /// literal, ASCII letters in any case; on PostgreSQL any letters).
    ///
    /// SQLite reads its FTS table in order and stops at the page. On
    /// PostgreSQL the planner cannot know how common a piece of text is
    /// (three common bigrams that always come together, 心理健康, it guessed
    /// 300 times too few), and the two ways differ a hundredfold: so it
    /// first reads the next [`WINDOW`] rows in order testing the substring
    /// (cheap, and enough whenever the text is common), and only if that
    /// holds less than a page asks the grams index for the rest, sorted
    /// (cheap whenever the text is rare). Two queries at most.
    ///
    /// # Errors
    /// The database's error.
    pub async fn find<E: EntityTrait>(
        &self,
        db: &Db,
        select: Select<E>,
        text: Option<&str>,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<E::Model>> {
        let backend = db.backend();
        let after = after.unwrap_or(0);
        if backend != DbBackend::Postgres || text.is_none() {
            let mut all = select;
            self.apply(QueryTrait::query(&mut all), backend, text, after, Step::All);
            return Ok(all.limit(limit).all(db.conn()).await?);
        }
        let mut near = select.clone();
        self.apply(
            QueryTrait::query(&mut near),
            backend,
            text,
            after,
            Step::Window,
        );
        let mut rows = near.limit(limit).all(db.conn()).await?;
        let found = rows.len() as u64;
        if found < limit {
            let mut beyond = select;
            self.apply(
                QueryTrait::query(&mut beyond),
                backend,
                text,
                after,
                Step::BeyondWindow,
            );
            rows.extend(beyond.limit(limit - found).all(db.conn()).await?);
        }
        Ok(rows)
    }

    fn apply(
        &self,
        stmt: &mut SelectStatement,
        backend: DbBackend,
        text: Option<&str>,
        after: i64,
        step: Step,
    ) {
        let Indexed {
            table,
            sqlite_search: search,
            postgres_text,
            sqlite_text,
        } = *self;
        let column = if backend == DbBackend::Postgres {
            postgres_text
        } else {
            sqlite_text
        };
        let seq = Expr::col((Alias::new(table), Alias::new("seq")));
        let Some(text) = text else {
            stmt.and_where(seq.clone().gt(after));
            stmt.order_by_expr(seq, Order::Asc);
            return;
        };
        let folded = fold(backend, text);
        let grams = query_grams(text, |s| fold(backend, s));
        if backend == DbBackend::Postgres {
            // strpos, not LIKE: the same substring, and the planner does
            // not multiply a LIKE's tiny guess into the grams' sound one.
            stmt.and_where(Expr::cust_with_values(
                format!("strpos(lower({column}), $1) > 0"),
                [folded],
            ));
            match step {
                Step::Window => {
                    stmt.and_where(seq.clone().gt(after));
                    stmt.and_where(seq.clone().lte(after.saturating_add(WINDOW)));
                    stmt.order_by_expr(seq, Order::Asc);
                }
                Step::All | Step::BeyondWindow => {
                    // One value split by a separator no text holds
                    // (control characters are refused at the door).
                    let grams: Vec<String> =
                        grams.into_iter().filter(|g| !g.contains('\x1f')).collect();
                    stmt.and_where(Expr::cust_with_values(
                        format!(
                            "cogov_name_grams(lower({column})) @> string_to_array($1, chr(31))"
                        ),
                        [grams.join("\x1f")],
                    ));
                    let from = if step == Step::All {
                        after
                    } else {
                        after.saturating_add(WINDOW)
                    };
                    stmt.and_where(seq.clone().gt(from));
                    // `seq + 0`: no index gives this order, so the planner
                    // reads the matches through the grams index and sorts.
                    stmt.order_by_expr(seq.add(0), Order::Asc);
                }
            }
            return;
        }
        let terms: Vec<String> = grams.iter().map(|g| fts_term(g)).collect();
        let rowid = || Expr::col((Alias::new(search), Alias::new("rowid")));
        stmt.inner_join(
            Alias::new(search),
            rowid().equals((Alias::new(table), Alias::new("seq"))),
        );
        stmt.and_where(Expr::cust_with_values(
            format!("{search} MATCH ?"),
            [terms.join(" AND ")],
        ));
        let pattern = format!("%{}%", escape_like(&folded));
        stmt.and_where(
            Expr::expr(Func::lower(Expr::cust(column))).like(LikeExpr::new(pattern).escape('\\')),
        );
        stmt.and_where(rowid().gt(after));
        stmt.order_by_expr(rowid(), Order::Asc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_is_its_unigram_more_are_bigrams() {
        let id = |s: &str| s.to_owned();
        assert_eq!(query_grams("养", id), ["养"]);
        assert_eq!(query_grams("养老", id), ["养老"]);
        assert_eq!(query_grams("养老院", id), ["养老", "老院"]);
        assert_eq!(query_grams("会会会", id), ["会会"]);
    }

    #[test]
    fn a_long_query_looks_up_a_few_grams_from_first_to_last() {
        let q = "杭州市西湖区阳光养老服务协会";
        let grams = query_grams(q, str::to_owned);
        assert_eq!(grams.len(), MAX_GRAMS);
        assert!(grams.contains(&"杭州".to_owned()));
        assert!(grams.contains(&"协会".to_owned()));
        let thousand = "养".repeat(1000);
        assert_eq!(query_grams(&thousand, str::to_owned), ["养养"]);
    }

    #[test]
    fn terms_are_what_sqlite_hex_gives() {
        assert_eq!(fts_term("养"), "uE585BB");
        assert_eq!(fts_term("ab"), "b6162");
        assert_eq!(fts_term("%"), "u25");
    }

    #[test]
    fn like_wildcards_in_a_query_are_literal() {
        assert_eq!(escape_like("50%_x\\"), "50\\%\\_x\\\\");
    }

    #[test]
    fn sqlite_folds_ascii_postgres_unicode() {
        assert_eq!(fold(DbBackend::Sqlite, "ÄbC养"), "Äbc养");
        assert_eq!(fold(DbBackend::Postgres, "ÄbC养"), "äbc养");
    }
}
