use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(string_len(K::KeyHash, 64).primary_key())
                    .col(string_len(K::RequestHash, 64))
                    .col(integer(K::Status))
                    .col(string_len_null(K::ContentType, 100))
                    .col(text_null(K::Body))
                    .col(timestamp_with_time_zone(K::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    KeyHash,
    RequestHash,
    Status,
    ContentType,
    Body,
    CreatedAt,
}
