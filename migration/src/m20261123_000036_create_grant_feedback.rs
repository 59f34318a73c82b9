use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use GrantFeedback as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(uuid(F::Id).primary_key())
                    .col(uuid(F::GrantId))
                    .col(small_integer(F::Rating))
                    .col(text(F::Comment))
                    .col(string_len(F::ClientKey, 64))
                    .col(string_len(F::Status, 16))
                    .col(text_null(F::ModerationReason))
                    .col(uuid_null(F::ModeratedBy))
                    .col(timestamp_with_time_zone_null(F::ModeratedAt))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::GrantId)
                            .to(Grants::Table, Grants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grant_feedback_client")
                    .table(F::Table)
                    .col(F::ClientKey)
                    .col(F::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GrantFeedback::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum GrantFeedback {
    Table,
    Id,
    GrantId,
    Rating,
    Comment,
    ClientKey,
    Status,
    ModerationReason,
    ModeratedBy,
    ModeratedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
}
