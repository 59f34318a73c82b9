use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PanelMembers as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(uuid(M::Id).primary_key())
                    .col(uuid(M::ProjectId))
                    .col(uuid(M::ExpertId))
                    .col(string_len(M::Status, 16))
                    .col(uuid(M::AddedBy))
                    .col(timestamp_with_time_zone(M::AddedAt))
                    .col(timestamp_with_time_zone_null(M::ExcludedAt))
                    .col(text_null(M::ExclusionReason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::ExpertId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_panel_members_project_expert")
                    .table(M::Table)
                    .col(M::ProjectId)
                    .col(M::ExpertId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PanelMembers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PanelMembers {
    Table,
    Id,
    ProjectId,
    ExpertId,
    Status,
    AddedBy,
    AddedAt,
    ExcludedAt,
    ExclusionReason,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
