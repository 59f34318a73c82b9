use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use UsccSequences as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(string_len(S::Prefix, 8).primary_key())
                    .col(integer(S::Next))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsccSequences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UsccSequences {
    Table,
    Prefix,
    Next,
}
