//! Project title search through a text index, as the registry's.
//!
//! A title search that found nothing read every title (20 ms at the
//! national data set's 25,000 projects, and growing with every year of
//! purchases). Now:
//!
//! - `projects.seq`: creation order as a number (1, 2, ...), backfilled in
//!   id order; the project list reads in it (a cursor still names a
//!   project), and the SQLite index keys its rows by it (a table's own
//!   rowid may change in a `VACUUM`, which backups use).
//! - SQLite: `project_search`, a contentless FTS5 table (rowid = seq) of
//!   each title's character unigrams and bigrams (`u<HEX>`, `b<HEX>` of the
//!   lower-cased UTF-8, as the registry's), written by triggers on
//!   `projects` in the writing statement, so no write path can forget it.
//! - PostgreSQL: a GIN index over `cogov_name_grams(lower(title))` (the
//!   registry's function, migration 000048), kept by the database; a
//!   sequence `projects_seq`.
//! - `(status, seq)` and `(department_id, seq)` replace `(status, id)` and
//!   `(department_id)`, so a list filtered by either reads in order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The unigram and bigram terms of the SQL text `expr` lower-cased, as one
/// space-separated string (SQLite; NULL for empty text). No `WITH`, which
/// triggers may not hold: the characters' positions come from `json_each`
/// over an array of that many zeros.
#[must_use]
pub fn sqlite_grams(expr: &str) -> String {
    format!(
        "(SELECT group_concat('u' || hex(substr(lower({expr}), j.key + 1, 1)) || \
         CASE WHEN j.key + 1 < length({expr}) THEN ' b' || hex(substr(lower({expr}), j.key + 1, 2)) \
         ELSE '' END, ' ') FROM json_each('[' || \
         rtrim(replace(hex(zeroblob(length({expr}))), '00', '0,'), ',') || ']') AS j)"
    )
}

/// Numbers the rows of `table` in id order in a new `seq` column, unique.
#[must_use]
pub fn numbered(table: &str) -> [String; 3] {
    [
        format!("ALTER TABLE {table} ADD COLUMN seq BIGINT NOT NULL DEFAULT 0"),
        format!(
            "UPDATE {table} SET seq = r.n FROM (SELECT id, row_number() OVER (ORDER BY id) \
             AS n FROM {table}) AS r WHERE {table}.id = r.id"
        ),
        format!("CREATE UNIQUE INDEX ux_{table}_seq ON {table} (seq)"),
    ]
}

/// The sequence PostgreSQL draws `table`'s next `seq` from, past the rows
/// numbered.
#[must_use]
pub fn postgres_sequence(table: &str) -> [String; 2] {
    [
        format!("CREATE SEQUENCE {table}_seq OWNED BY {table}.seq"),
        format!(
            "SELECT setval('{table}_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}), false)"
        ),
    ]
}

/// SQLite: the FTS5 table `search` of the grams of `text` (SQL over a
/// row of `table`, `{row}` standing for the row's name), keyed by the
/// table's `seq`, backfilled and kept by triggers on `table` whenever one
/// of `columns` (comma-separated, `seq` among them) changes.
#[must_use]
pub fn sqlite_text_index(table: &str, search: &str, text: &str, columns: &str) -> Vec<String> {
    let grams = |row: &str| sqlite_grams(&text.replace("{row}", row));
    let insert = format!(
        "INSERT INTO {search} (rowid, terms) VALUES (new.seq, {});",
        grams("new")
    );
    let changed = columns
        .split(',')
        .map(|c| format!("old.{0} IS NOT new.{0}", c.trim()))
        .collect::<Vec<_>>()
        .join(" OR ");
    vec![
        format!(
            "CREATE VIRTUAL TABLE {search} USING fts5(terms, content='', \
             contentless_delete=1, detail=none, tokenize='ascii')"
        ),
        format!(
            "INSERT INTO {search} (rowid, terms) SELECT t.seq, {} FROM {table} AS t",
            grams("t")
        ),
        format!("CREATE TRIGGER {search}_insert AFTER INSERT ON {table} BEGIN {insert} END"),
        format!(
            "CREATE TRIGGER {search}_update AFTER UPDATE OF {columns} ON {table} \
             WHEN {changed} BEGIN DELETE FROM {search} WHERE rowid = old.seq; {insert} END"
        ),
        format!(
            "CREATE TRIGGER {search}_delete AFTER DELETE ON {table} BEGIN \
             DELETE FROM {search} WHERE rowid = old.seq; END"
        ),
    ]
}

/// Undoes [`sqlite_text_index`].
#[must_use]
pub fn drop_sqlite_text_index(search: &str) -> Vec<String> {
    ["delete", "update", "insert"]
        .iter()
        .map(|t| format!("DROP TRIGGER {search}_{t}"))
        .chain([format!("DROP TABLE {search}")])
        .collect()
}

const POSTGRES_UP: [&str; 2] = [
    "CREATE INDEX idx_projects_title_grams ON projects USING gin (cogov_name_grams(lower(title)))",
    // The new index's statistics (its grams' frequencies) for the planner.
    "ANALYZE projects",
];

const POSTGRES_DOWN: [&str; 1] = ["DROP INDEX idx_projects_title_grams"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in numbered("projects") {
            db.execute_unprepared(&sql).await?;
        }
        for sql in [
            "CREATE INDEX idx_projects_status_seq ON projects (status, seq)",
            "CREATE INDEX idx_projects_department_seq ON projects (department_id, seq)",
            "DROP INDEX idx_projects_status_id",
            "DROP INDEX idx_projects_department_id",
        ] {
            db.execute_unprepared(sql).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            for sql in postgres_sequence("projects") {
                db.execute_unprepared(&sql).await?;
            }
            for sql in POSTGRES_UP {
                db.execute_unprepared(sql).await?;
            }
        } else {
            for sql in sqlite_text_index("projects", "project_search", "{row}.title", "title, seq")
            {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            for sql in POSTGRES_DOWN {
                db.execute_unprepared(sql).await?;
            }
        } else {
            for sql in drop_sqlite_text_index("project_search") {
                db.execute_unprepared(&sql).await?;
            }
        }
        for sql in [
            "CREATE INDEX idx_projects_department_id ON projects (department_id)",
            "CREATE INDEX idx_projects_status_id ON projects (status, id)",
            "DROP INDEX idx_projects_department_seq",
            "DROP INDEX idx_projects_status_seq",
            "DROP INDEX ux_projects_seq",
            // The sequence is owned by the column and goes with it.
            "ALTER TABLE projects DROP COLUMN seq",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
