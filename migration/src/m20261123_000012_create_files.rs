use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Files as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(uuid(F::Id).primary_key())
                    .col(string_len(F::Sha256, 64))
                    .col(big_integer(F::SizeBytes))
                    .col(string_len(F::ContentType, 100))
                    .col(string_len(F::FileName, 255))
                    .col(uuid(F::UploadedBy))
                    .col(string_len_null(F::OwnerKind, 32))
                    .col(uuid_null(F::OwnerId))
                    .col(string_len_null(F::Label, 32))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_files_owner")
                    .table(F::Table)
                    .col(F::OwnerKind)
                    .col(F::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Files::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    Sha256,
    SizeBytes,
    ContentType,
    FileName,
    UploadedBy,
    OwnerKind,
    OwnerId,
    Label,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
