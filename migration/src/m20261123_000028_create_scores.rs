use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Scores as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(uuid(S::Id).primary_key())
                    .col(uuid(S::ProjectId))
                    .col(uuid(S::ExpertId))
                    .col(uuid(S::BidId))
                    .col(integer(S::CriterionIndex))
                    .col(big_integer(S::Points))
                    .col(text(S::Comment))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(S::Table, S::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scores_unique")
                    .table(S::Table)
                    .col(S::ProjectId)
                    .col(S::ExpertId)
                    .col(S::BidId)
                    .col(S::CriterionIndex)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Scores::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Scores {
    Table,
    Id,
    ProjectId,
    ExpertId,
    BidId,
    CriterionIndex,
    Points,
    Comment,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
