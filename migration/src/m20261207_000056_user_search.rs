//! Account search through a text index, as the projects' (migration
//! 000055): an account per organization makes a million accounts at
//! national size, and the admin's search read every e-mail and name.
//!
//! - `users.seq`: creation order, backfilled in id order; the account list
//!   reads in it.
//! - The indexed text is the e-mail and the name joined by the unit
//!   separator (a control character, which no input may hold, so no query
//!   matches across the two).
//! - SQLite: `user_search`, the FTS5 table of its grams, kept by triggers.
//! - PostgreSQL: a GIN index over its grams; a sequence `users_seq`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261207_000055_project_search::{
    drop_sqlite_text_index, numbered, postgres_sequence, sqlite_text_index,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: [&str; 2] = [
    "CREATE INDEX idx_users_text_grams ON users \
     USING gin (cogov_name_grams(lower(email || chr(31) || display_name)))",
    "ANALYZE users",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in numbered("users") {
            db.execute_unprepared(&sql).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            for sql in postgres_sequence("users") {
                db.execute_unprepared(&sql).await?;
            }
            for sql in POSTGRES_UP {
                db.execute_unprepared(sql).await?;
            }
        } else {
            for sql in sqlite_text_index(
                "users",
                "user_search",
                "{row}.email || char(31) || {row}.display_name",
                "email, display_name, seq",
            ) {
                db.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX idx_users_text_grams")
                .await?;
        } else {
            for sql in drop_sqlite_text_index("user_search") {
                db.execute_unprepared(&sql).await?;
            }
        }
        for sql in [
            "DROP INDEX ux_users_seq",
            // The sequence is owned by the column and goes with it.
            "ALTER TABLE users DROP COLUMN seq",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
