//! The language a person reads their notices and mails in (issue 18): one
//! row per person who chose (at sign-up, or on their account page); none
//! means both languages, Chinese first.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Languages::Table)
                    .col(uuid(Languages::UserId).primary_key())
                    .col(string_len(Languages::Lang, 8))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Languages::Table, Languages::UserId)
                            .to(Alias::new("users"), Alias::new("id")),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Languages::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Languages {
    #[sea_orm(iden = "user_languages")]
    Table,
    UserId,
    Lang,
}
