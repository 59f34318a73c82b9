use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CreditRecords as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::OrganizationId))
                    .col(string_len(C::Kind, 16))
                    .col(text(C::Ground))
                    .col(string_len_null(C::GroundKey, 64))
                    .col(date(C::StartedOn))
                    .col(date_null(C::LiftedOn))
                    .col(text_null(C::LiftReason))
                    .col(uuid_null(C::CreatedBy))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The daily job lists an organization at most once per ground.
        manager
            .create_index(
                Index::create()
                    .name("idx_credit_records_org_ground_key")
                    .table(C::Table)
                    .col(C::OrganizationId)
                    .col(C::GroundKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CreditRecords::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CreditRecords {
    Table,
    Id,
    OrganizationId,
    Kind,
    Ground,
    GroundKey,
    StartedOn,
    LiftedOn,
    LiftReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
