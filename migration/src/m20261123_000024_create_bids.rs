use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Bids as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(uuid(B::Id).primary_key())
                    .col(uuid(B::ProjectId))
                    .col(uuid(B::OrganizationId))
                    .col(string_len(B::Status, 16))
                    .col(big_integer(B::PriceFen))
                    .col(text(B::TechnicalProposal))
                    .col(text(B::Team))
                    .col(text(B::Plan))
                    .col(string_len(B::ContentHash, 64))
                    .col(uuid(B::SubmittedBy))
                    .col(timestamp_with_time_zone(B::SubmittedAt))
                    .col(uuid_null(B::Replaces))
                    .col(timestamp_with_time_zone_null(B::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_bids_project_org")
                    .table(B::Table)
                    .col(B::ProjectId)
                    .col(B::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Bids::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Bids {
    Table,
    Id,
    ProjectId,
    OrganizationId,
    Status,
    PriceFen,
    TechnicalProposal,
    Team,
    Plan,
    ContentHash,
    SubmittedBy,
    SubmittedAt,
    Replaces,
    EndedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
