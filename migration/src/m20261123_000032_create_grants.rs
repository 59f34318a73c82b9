use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Grants as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(uuid(G::Id).primary_key())
                    .col(uuid(G::ProjectId))
                    .col(uuid(G::AwardId))
                    .col(uuid(G::BidId))
                    .col(uuid(G::OrganizationId))
                    .col(uuid(G::DepartmentId))
                    .col(text(G::Title))
                    .col(big_integer(G::AmountFen))
                    .col(date(G::ServiceStart))
                    .col(date(G::ServiceEnd))
                    .col(string_len(G::Status, 24))
                    .col(text_null(G::StatusReason))
                    .col(timestamp_with_time_zone_null(G::AcceptedAt))
                    .col(integer_null(G::PerformanceScore))
                    .col(text_null(G::PerformanceComment))
                    .col(timestamp_with_time_zone_null(G::ClosedAt))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .col(timestamp_with_time_zone(G::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(G::Table, G::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_organization")
                    .table(G::Table)
                    .col(G::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_project")
                    .table(G::Table)
                    .col(G::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Grants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
    ProjectId,
    AwardId,
    BidId,
    OrganizationId,
    DepartmentId,
    Title,
    AmountFen,
    ServiceStart,
    ServiceEnd,
    Status,
    StatusReason,
    AcceptedAt,
    PerformanceScore,
    PerformanceComment,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
