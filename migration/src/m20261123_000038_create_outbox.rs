use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Outbox as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(uuid(O::Id).primary_key())
                    .col(uuid(O::NotificationId))
                    .col(string_len(O::ToAddress, 254))
                    .col(string_len(O::Status, 16))
                    .col(integer(O::Attempts))
                    .col(text_null(O::LastError))
                    .col(timestamp_with_time_zone(O::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(O::SentAt))
                    .col(timestamp_with_time_zone(O::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(O::Table, O::NotificationId)
                            .to(Notifications::Table, Notifications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(O::Table)
                    .col(O::Status)
                    .col(O::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    NotificationId,
    ToAddress,
    Status,
    Attempts,
    LastError,
    NextAttemptAt,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
}
