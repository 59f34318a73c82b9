//! A department may record its unified social credit code (government
//! organs have one, `11` + division + organization code), so open data can
//! name buyers by scheme `CN-USCI`. Optional and unique when given.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ux_departments_uscc";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .add_column(string_len_null(Departments::Uscc, 18))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Departments::Table)
                    .col(Departments::Uscc)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Departments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .drop_column(Departments::Uscc)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Uscc,
}
