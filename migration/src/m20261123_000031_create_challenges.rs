use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Challenges as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(uuid(C::ProjectId))
                    .col(uuid(C::AwardId))
                    .col(uuid(C::OrganizationId))
                    .col(uuid(C::FiledBy))
                    .col(text(C::Reasons))
                    .col(timestamp_with_time_zone(C::FiledAt))
                    .col(date(C::ReplyDue))
                    .col(string_len(C::Status, 16))
                    .col(string_len_null(C::Outcome, 16))
                    .col(text_null(C::Reply))
                    .col(uuid_null(C::RepliedBy))
                    .col(timestamp_with_time_zone_null(C::RepliedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::AwardId)
                            .to(Awards::Table, Awards::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_challenges_one_per_bidder")
                    .table(C::Table)
                    .col(C::AwardId)
                    .col(C::OrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Challenges::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Challenges {
    Table,
    Id,
    ProjectId,
    AwardId,
    OrganizationId,
    FiledBy,
    Reasons,
    FiledAt,
    ReplyDue,
    Status,
    Outcome,
    Reply,
    RepliedBy,
    RepliedAt,
}

#[derive(DeriveIden)]
enum Awards {
    Table,
    Id,
}
