//! Bids sealed at rest: a bid's content is stored encrypted (`bids.sealed`)
//! until its project's opening, a bid's files are sealed uploads
//! (`files.sealed_project_id`), and `data_keys` keeps each project's data
//! key wrapped by the master key (which never enters the database), plus
//! one `check` row that tells a wrong or lost master key at start-up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataKeys::Table)
                    .col(string_len(DataKeys::Id, 64).primary_key())
                    .col(text(DataKeys::Wrapped))
                    .col(timestamp_with_time_zone(DataKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Bids::Table)
                    .add_column(text_null(Bids::Sealed))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Files::Table)
                    .add_column(uuid_null(Files::SealedProjectId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Files::Table)
                    .drop_column(Files::SealedProjectId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Bids::Table)
                    .drop_column(Bids::Sealed)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DataKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DataKeys {
    Table,
    Id,
    Wrapped,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Bids {
    Table,
    Sealed,
}

#[derive(DeriveIden)]
enum Files {
    Table,
    SealedProjectId,
}
