use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use GrantReports as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(uuid(R::GrantId))
                    .col(string_len(R::Kind, 16))
                    .col(date(R::DueOn))
                    .col(string_len(R::Status, 16))
                    .col(text(R::Body))
                    .col(big_integer_null(R::PeopleServed))
                    .col(big_integer_null(R::SpendingFen))
                    .col(timestamp_with_time_zone_null(R::SubmittedAt))
                    .col(uuid_null(R::SubmittedBy))
                    .col(timestamp_with_time_zone_null(R::ReviewedAt))
                    .col(uuid_null(R::ReviewedBy))
                    .col(text_null(R::ReviewNote))
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::GrantId)
                            .to(Grants::Table, Grants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grant_reports_due")
                    .table(R::Table)
                    .col(R::Status)
                    .col(R::DueOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GrantReports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GrantReports {
    Table,
    Id,
    GrantId,
    Kind,
    DueOn,
    Status,
    Body,
    PeopleServed,
    SpendingFen,
    SubmittedAt,
    SubmittedBy,
    ReviewedAt,
    ReviewedBy,
    ReviewNote,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
}
