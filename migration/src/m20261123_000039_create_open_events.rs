use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OpenEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_integer(E::Seq).primary_key())
                    .col(uuid_uniq(E::Id))
                    .col(string_len(E::EventType, 60))
                    .col(string_len(E::SubjectType, 40))
                    .col(uuid(E::SubjectId))
                    .col(uuid_null(E::ProjectId))
                    .col(string_len_null(E::ProjectNumber, 40))
                    .col(text(E::Data))
                    .col(text_null(E::Release))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_open_events_project")
                    .table(E::Table)
                    .col(E::ProjectNumber)
                    .col(E::Seq)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OpenEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OpenEvents {
    Table,
    Seq,
    Id,
    EventType,
    SubjectType,
    SubjectId,
    ProjectId,
    ProjectNumber,
    Data,
    Release,
    CreatedAt,
}
