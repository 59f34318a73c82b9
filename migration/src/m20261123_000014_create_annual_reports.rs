use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AnnualReports as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(uuid(R::Id).primary_key())
                    .col(uuid(R::OrganizationId))
                    .col(integer(R::Year))
                    .col(string_len(R::Status, 16))
                    .col(string_len_null(R::Result, 16))
                    .col(big_integer(R::IncomeFen))
                    .col(big_integer(R::ExpenditureFen))
                    .col(big_integer(R::NetAssetsFen))
                    .col(integer(R::StaffCount))
                    .col(integer(R::VolunteerCount))
                    .col(text(R::Activities))
                    .col(uuid_null(R::StatementFileId))
                    .col(text_null(R::ReviewNote))
                    .col(uuid(R::SubmittedBy))
                    .col(timestamp_with_time_zone(R::SubmittedAt))
                    .col(uuid_null(R::ReviewedBy))
                    .col(timestamp_with_time_zone_null(R::ReviewedAt))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_annual_reports_org_year")
                    .table(R::Table)
                    .col(R::OrganizationId)
                    .col(R::Year)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnnualReports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AnnualReports {
    Table,
    Id,
    OrganizationId,
    Year,
    Status,
    Result,
    IncomeFen,
    ExpenditureFen,
    NetAssetsFen,
    StaffCount,
    VolunteerCount,
    Activities,
    StatementFileId,
    ReviewNote,
    SubmittedBy,
    SubmittedAt,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
