use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CatalogCategories as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(uuid(C::Id).primary_key())
                    .col(string_len_uniq(C::Code, 16))
                    .col(uuid_null(C::ParentId))
                    .col(string_len(C::NameZh, 100))
                    .col(string_len(C::NameEn, 100))
                    .col(boolean(C::Active))
                    .col(integer(C::Position))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::ParentId)
                            .to(C::Table, C::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CatalogCategories::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CatalogCategories {
    Table,
    Id,
    Code,
    ParentId,
    NameZh,
    NameEn,
    Active,
    Position,
    CreatedAt,
    UpdatedAt,
}
