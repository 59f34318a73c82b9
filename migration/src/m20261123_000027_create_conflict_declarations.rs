use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConflictDeclarations as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(uuid(D::Id).primary_key())
                    .col(uuid(D::ProjectId))
                    .col(uuid(D::ExpertId))
                    .col(uuid(D::OrganizationId))
                    .col(boolean(D::Conflict))
                    .col(text_null(D::Reason))
                    .col(timestamp_with_time_zone(D::DeclaredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conflict_declarations_unique")
                    .table(D::Table)
                    .col(D::ProjectId)
                    .col(D::ExpertId)
                    .col(D::OrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConflictDeclarations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ConflictDeclarations {
    Table,
    Id,
    ProjectId,
    ExpertId,
    OrganizationId,
    Conflict,
    Reason,
    DeclaredAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}
