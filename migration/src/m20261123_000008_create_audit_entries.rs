use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(big_integer(AuditEntries::Seq).primary_key())
                    .col(uuid_uniq(AuditEntries::Id))
                    .col(uuid_null(AuditEntries::ActorId))
                    .col(string_len(AuditEntries::ActorRole, 20))
                    .col(string_len(AuditEntries::Action, 64))
                    .col(string_len(AuditEntries::EntityType, 64))
                    .col(string_len(AuditEntries::EntityId, 64))
                    .col(text_null(AuditEntries::Before))
                    .col(text_null(AuditEntries::After))
                    .col(timestamp_with_time_zone(AuditEntries::At))
                    .col(string_len(AuditEntries::PrevHash, 64))
                    .col(string_len(AuditEntries::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_entries_entity")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::EntityType)
                    .col(AuditEntries::EntityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    Seq,
    Id,
    ActorId,
    ActorRole,
    Action,
    EntityType,
    EntityId,
    Before,
    After,
    At,
    PrevHash,
    Hash,
}
