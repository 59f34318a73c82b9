//! The registry's search at national size.
//!
//! - `organizations.seq`: the registration order as a number (1, 2, ...),
//!   backfilled in id order; the public registry lists by it, and the
//!   SQLite text index keys its rows by it.
//! - SQLite: `organization_search`, a contentless FTS5 table (rowid = seq)
//!   holding each organization's name as character unigrams and bigrams
//!   (`u<HEX>`, `b<HEX>` of the lower-cased UTF-8) and its region at each
//!   level (`r42`, `r4201`, `r420102`). The application writes a row's
//!   terms in the same transaction as the organization ([`SQLITE_TERMS`]).
//! - PostgreSQL: `cogov_name_grams(text)`, the same unigrams and bigrams as
//!   an array, and a GIN index over `cogov_name_grams(lower(name))` that
//!   the database keeps itself; a sequence `organizations_seq`.
//! - B-tree indexes for each equality filter in registration order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The search terms of the organization aliased `o` (SQLite).
pub const SQLITE_TERMS: &str = "(WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i \
     WHERE n < length(o.name)) SELECT group_concat('u' || hex(substr(lower(o.name), n, 1)) || \
     CASE WHEN n < length(o.name) THEN ' b' || hex(substr(lower(o.name), n, 2)) ELSE '' END, ' ') \
     FROM i) || ' r' || substr(o.division_code, 1, 2) || ' r' || substr(o.division_code, 1, 4) \
     || ' r' || o.division_code";

const FILTERS: [(&str, &str); 4] = [
    ("idx_organizations_status_seq", "status"),
    ("idx_organizations_type_seq", "org_type"),
    ("idx_organizations_credit_seq", "credit_status"),
    ("idx_organizations_grade_seq", "grade"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        db.execute_unprepared("ALTER TABLE organizations ADD COLUMN seq BIGINT NOT NULL DEFAULT 0")
            .await?;
        db.execute_unprepared(
            "UPDATE organizations SET seq = r.n FROM (SELECT id, row_number() OVER (ORDER BY id) \
             AS n FROM organizations) AS r WHERE organizations.id = r.id",
        )
        .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX ux_organizations_seq ON organizations (seq)")
            .await?;
        for (name, column) in FILTERS {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON organizations ({column}, seq)"
            ))
            .await?;
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE SEQUENCE organizations_seq OWNED BY organizations.seq; \
                 SELECT setval('organizations_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM organizations), false); \
                 CREATE FUNCTION cogov_name_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE \
                 PARALLEL SAFE AS $$ SELECT COALESCE(array_agg(DISTINCT g), '{}') FROM ( \
                   SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i \
                   UNION ALL SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i \
                 ) AS grams $$; \
                 CREATE INDEX idx_organizations_name_grams ON organizations \
                   USING gin (cogov_name_grams(lower(name)))",
            )
            .await?;
        } else {
            db.execute_unprepared(
                "CREATE VIRTUAL TABLE organization_search USING fts5(terms, content='', \
                 contentless_delete=1, detail=none, tokenize='ascii')",
            )
            .await?;
            db.execute_unprepared(&format!(
                "INSERT INTO organization_search (rowid, terms) SELECT o.seq, {SQLITE_TERMS} \
                 FROM organizations AS o"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "DROP INDEX idx_organizations_name_grams; DROP FUNCTION cogov_name_grams(text)",
            )
            .await?;
        } else {
            db.execute_unprepared("DROP TABLE organization_search")
                .await?;
        }
        for (name, _) in FILTERS {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        db.execute_unprepared("DROP INDEX ux_organizations_seq")
            .await?;
        // The sequence is owned by the column and goes with it.
        db.execute_unprepared("ALTER TABLE organizations DROP COLUMN seq")
            .await
            .map(drop)
    }
}
