//! The public project list filtered by state, in id order, read off an
//! index: on SQLite `?status=awarded` sorted 20,000 rows for every page
//! (54 ms at the national data set's 25,000 projects; 1 ms with it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_projects_status_id")
                    .table(Projects::Table)
                    .col(Projects::Status)
                    .col(Projects::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_projects_status_id")
                    .table(Projects::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Status,
    Id,
}
