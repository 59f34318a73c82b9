//! A bid keeps the SHA-256 of its files in the order its receipt hashed
//! them, so its receipt can be checked again at any time (the files
//! themselves come back in upload order).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Bids::Table)
                    .add_column(text_null(Bids::FileHashes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Bids::Table)
                    .drop_column(Bids::FileHashes)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Bids {
    Table,
    FileHashes,
}
