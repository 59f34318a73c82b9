//! An organization has at most one live bid per project, by the database:
//! a partial unique index over the live rows, so no race between two
//! requests (or two instances) can leave two.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // sea-query has no partial index builder for both databases; the
        // statement is the same SQL on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_bids_live ON bids (project_id, organization_id) \
                 WHERE status = 'active'",
            )
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_bids_live")
            .await
            .map(drop)
    }
}
