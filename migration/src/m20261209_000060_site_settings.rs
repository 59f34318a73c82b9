//! The site's identity as the admin sets it (issue 18): its name, the host
//! organization (主办单位), how to reach it, the ICP filing number, and the
//! privacy and accessibility statements, in both languages where they are
//! words. One row per setting; a setting left empty shows the built-in
//! default (the catalogues' site name and statements).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 32).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Settings {
    #[sea_orm(iden = "site_settings")]
    Table,
    Key,
    Value,
}
