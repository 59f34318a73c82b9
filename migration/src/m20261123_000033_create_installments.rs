use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Installments as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(uuid(I::Id).primary_key())
                    .col(uuid(I::GrantId))
                    .col(integer(I::Position))
                    .col(string_len(I::Trigger, 16))
                    .col(big_integer(I::AmountFen))
                    .col(big_integer(I::PaidFen))
                    .col(timestamp_with_time_zone_null(I::PayableAt))
                    .col(timestamp_with_time_zone_null(I::PaidAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(I::Table, I::GrantId)
                            .to(Grants::Table, Grants::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_installments_grant")
                    .table(I::Table)
                    .col(I::GrantId)
                    .col(I::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Installments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Installments {
    Table,
    Id,
    GrantId,
    Position,
    Trigger,
    AmountFen,
    PaidFen,
    PayableAt,
    PaidAt,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
}
