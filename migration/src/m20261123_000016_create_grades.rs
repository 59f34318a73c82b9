use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Grades as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(uuid(G::Id).primary_key())
                    .col(uuid(G::OrganizationId))
                    .col(small_integer(G::Grade))
                    .col(date(G::AwardedOn))
                    .col(date(G::ValidUntil))
                    .col(uuid_null(G::CreatedBy))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(G::Table, G::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grades_organization_id")
                    .table(G::Table)
                    .col(G::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Grades::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Grades {
    Table,
    Id,
    OrganizationId,
    Grade,
    AwardedOn,
    ValidUntil,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
