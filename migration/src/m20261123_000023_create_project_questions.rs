use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ProjectQuestions as Q;
        manager
            .create_table(
                Table::create()
                    .table(Q::Table)
                    .col(uuid(Q::Id).primary_key())
                    .col(uuid(Q::ProjectId))
                    .col(uuid(Q::AskedBy))
                    .col(uuid_null(Q::OrganizationId))
                    .col(text(Q::Question))
                    .col(text_null(Q::Answer))
                    .col(uuid_null(Q::AnsweredBy))
                    .col(timestamp_with_time_zone_null(Q::AnsweredAt))
                    .col(timestamp_with_time_zone(Q::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Q::Table, Q::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_project_questions_project_id")
                    .table(Q::Table)
                    .col(Q::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectQuestions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProjectQuestions {
    Table,
    Id,
    ProjectId,
    AskedBy,
    OrganizationId,
    Question,
    Answer,
    AnsweredBy,
    AnsweredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
