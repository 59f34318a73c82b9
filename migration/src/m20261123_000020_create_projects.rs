use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Projects as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(uuid(P::Id).primary_key())
                    .col(string_len_uniq(P::Number, 20))
                    .col(uuid(P::DepartmentId))
                    .col(uuid(P::CreatedBy))
                    .col(string_len(P::Title, 200))
                    .col(text(P::Description))
                    .col(uuid(P::CategoryId))
                    .col(string_len(P::RegionCode, 6))
                    .col(big_integer(P::BudgetFen))
                    .col(string_len(P::Method, 32))
                    .col(date(P::ServiceStart))
                    .col(date(P::ServiceEnd))
                    .col(text(P::Eligibility))
                    .col(text(P::Criteria))
                    .col(timestamp_with_time_zone(P::BidDeadline))
                    .col(timestamp_with_time_zone_null(P::PublishedAt))
                    .col(string_len(P::Status, 16))
                    .col(text_null(P::StatusReason))
                    .col(timestamp_with_time_zone_null(P::OpenedAt))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(P::Table, P::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(P::Table, P::CategoryId)
                            .to(CatalogCategories::Table, CatalogCategories::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_projects_status_deadline", P::Status),
            ("idx_projects_department_id", P::DepartmentId),
        ] {
            let mut index = Index::create();
            index.name(name).table(P::Table).col(col);
            if col == P::Status {
                index.col(P::BidDeadline);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Projects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy, PartialEq, Eq)]
enum Projects {
    Table,
    Id,
    Number,
    DepartmentId,
    CreatedBy,
    Title,
    Description,
    CategoryId,
    RegionCode,
    BudgetFen,
    Method,
    ServiceStart,
    ServiceEnd,
    Eligibility,
    Criteria,
    BidDeadline,
    PublishedAt,
    Status,
    StatusReason,
    OpenedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CatalogCategories {
    Table,
    Id,
}
