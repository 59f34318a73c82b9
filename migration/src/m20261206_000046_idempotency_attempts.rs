//! An idempotency key names the attempt that holds it, and says whether that
//! attempt committed: the write's own transaction records it, so a retry
//! after a crash knows whether the write happened.

use sea_orm_migration::{prelude::*, schema::*};

use IdempotencyKeys as K;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(K::Table)
                    .add_column(uuid_null(K::Attempt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(K::Table)
                    .add_column(boolean(K::Committed).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [K::Committed, K::Attempt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(K::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Attempt,
    Committed,
}
