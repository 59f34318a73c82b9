use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use JobLeases as J;
        manager
            .create_table(
                Table::create()
                    .table(J::Table)
                    .col(string_len(J::Name, 64).primary_key())
                    .col(string_len(J::Holder, 64))
                    .col(timestamp_with_time_zone(J::ExpiresAt))
                    .col(date_null(J::LastRunOn))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobLeases::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    ExpiresAt,
    LastRunOn,
}
