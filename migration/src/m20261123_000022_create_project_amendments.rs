use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ProjectAmendments as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::Id).primary_key())
                    .col(uuid(A::ProjectId))
                    .col(text(A::Text))
                    .col(timestamp_with_time_zone_null(A::OldDeadline))
                    .col(timestamp_with_time_zone_null(A::NewDeadline))
                    .col(uuid(A::CreatedBy))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_amendments_project_id")
                    .table(A::Table)
                    .col(A::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectAmendments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProjectAmendments {
    Table,
    Id,
    ProjectId,
    Text,
    OldDeadline,
    NewDeadline,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
