//! PostgreSQL: the grams index keeps at most 256 kB of new entries in its
//! pending list (the default is 4 MB). Every search reads the whole
//! pending list; after a bulk import it held 446 pages, and a search for a
//! full name took 37 ms instead of 10 (measured at 1,000,000
//! organizations). Inserts merge into the index more often instead.
//! Nothing on SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER INDEX idx_organizations_name_grams SET (gin_pending_list_limit = 256)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER INDEX idx_organizations_name_grams RESET (gin_pending_list_limit)",
                )
                .await?;
        }
        Ok(())
    }
}
