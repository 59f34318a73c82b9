use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookDeliveries as D;
        use Webhooks as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(uuid(W::Id).primary_key())
                    .col(uuid(W::UserId))
                    .col(string_len(W::Url, 500))
                    .col(text(W::EventTypes))
                    .col(string_len(W::Secret, 80))
                    .col(boolean(W::Active))
                    .col(integer(W::Failures))
                    .col(big_integer(W::LastSeq))
                    .col(timestamp_with_time_zone(W::NextAttemptAt))
                    .col(text_null(W::DisabledReason))
                    .col(timestamp_with_time_zone(W::CreatedAt))
                    .col(timestamp_with_time_zone(W::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(W::Table, W::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::WebhookId))
                    .col(big_integer(D::EventSeq))
                    .col(string_len(D::EventType, 60))
                    .col(integer(D::Attempt))
                    .col(boolean(D::Ok))
                    .col(integer_null(D::ResponseStatus))
                    .col(text_null(D::Error))
                    .col(big_integer(D::DurationMs))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::WebhookId)
                            .to(W::Table, W::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_hook")
                    .table(D::Table)
                    .col(D::WebhookId)
                    .col(D::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    UserId,
    Url,
    EventTypes,
    Secret,
    Active,
    Failures,
    LastSeq,
    NextAttemptAt,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventSeq,
    EventType,
    Attempt,
    Ok,
    ResponseStatus,
    Error,
    DurationMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
