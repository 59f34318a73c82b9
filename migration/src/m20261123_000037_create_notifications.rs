use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(uuid(N::Id).primary_key())
                    .col(uuid(N::UserId))
                    .col(string_len(N::Kind, 40))
                    .col(string_len_uniq(N::DedupKey, 200))
                    .col(string_len(N::Link, 300))
                    .col(text(N::Params))
                    .col(timestamp_with_time_zone(N::CreatedAt))
                    .col(timestamp_with_time_zone_null(N::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table(N::Table)
                    .col(N::UserId)
                    .col(N::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    DedupKey,
    Link,
    Params,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
