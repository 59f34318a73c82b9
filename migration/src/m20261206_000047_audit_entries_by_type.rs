//! The newest audit entry of a kind, read with every OCDS package (the
//! latest signed checkpoint): an index on kind and sequence makes it one
//! step, however long the chain grows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_audit_entries_type_seq";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(AuditEntries::Table)
                    .col(AuditEntries::EntityType)
                    .col(AuditEntries::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(AuditEntries::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    EntityType,
    Seq,
}
