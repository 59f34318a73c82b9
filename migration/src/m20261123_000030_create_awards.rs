use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Awards as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::Id).primary_key())
                    .col(uuid(A::ProjectId))
                    .col(uuid(A::BidId))
                    .col(uuid(A::OrganizationId))
                    .col(text(A::OrganizationName))
                    .col(text_null(A::Uscc))
                    .col(big_integer(A::AmountFen))
                    .col(integer(A::Rank))
                    .col(text_null(A::Reason))
                    .col(text(A::Summary))
                    .col(text(A::Panel))
                    .col(string_len(A::Status, 16))
                    .col(uuid(A::ProposedBy))
                    .col(timestamp_with_time_zone(A::NoticeAt))
                    .col(date(A::ChallengeUntil))
                    .col(timestamp_with_time_zone_null(A::ClosedAt))
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
                    .name("idx_awards_project")
                    .table(A::Table)
                    .col(A::ProjectId)
                    .col(A::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Awards::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Awards {
    Table,
    Id,
    ProjectId,
    BidId,
    OrganizationId,
    OrganizationName,
    Uscc,
    AmountFen,
    Rank,
    Reason,
    Summary,
    Panel,
    Status,
    ProposedBy,
    NoticeAt,
    ChallengeUntil,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
