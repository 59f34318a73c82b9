use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProjectSequences::Table)
                    .col(integer(ProjectSequences::Year).primary_key())
                    .col(integer(ProjectSequences::Next))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectSequences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProjectSequences {
    Table,
    Year,
    Next,
}
