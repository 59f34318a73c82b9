use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Disbursements as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::GrantId))
                    .col(uuid(D::InstallmentId))
                    .col(big_integer(D::AmountFen))
                    .col(date(D::PaidOn))
                    .col(text(D::Reference))
                    .col(uuid(D::RecordedBy))
                    .col(timestamp_with_time_zone(D::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::GrantId)
                            .to(Grants::Table, Grants::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Disbursements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Disbursements {
    Table,
    Id,
    GrantId,
    InstallmentId,
    AmountFen,
    PaidOn,
    Reference,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
}
