//! A panel member's score sheet is submitted once; the time is kept on the seat.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PanelMembers::Table)
                    .add_column(timestamp_with_time_zone_null(
                        PanelMembers::SheetSubmittedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PanelMembers::Table)
                    .drop_column(PanelMembers::SheetSubmittedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PanelMembers {
    Table,
    SheetSubmittedAt,
}
