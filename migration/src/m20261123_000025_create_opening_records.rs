use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OpeningRecords as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(uuid(O::ProjectId).primary_key())
                    .col(timestamp_with_time_zone(O::OpenedAt))
                    .col(text(O::Entries))
                    .col(integer(O::EligibleCount))
                    .col(string_len(O::Outcome, 16))
                    .foreign_key(
                        ForeignKey::create()
                            .from(O::Table, O::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OpeningRecords::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OpeningRecords {
    Table,
    ProjectId,
    OpenedAt,
    Entries,
    EligibleCount,
    Outcome,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
