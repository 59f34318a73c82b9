use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Applications as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(uuid(A::Id).primary_key())
                    .col(string_len(A::Kind, 16))
                    .col(string_len(A::Status, 16))
                    .col(uuid(A::ApplicantId))
                    .col(uuid_null(A::OrganizationId))
                    .col(string_len(A::Name, 200))
                    .col(text(A::Content))
                    .col(text_null(A::DecisionReason))
                    .col(timestamp_with_time_zone_null(A::SubmittedAt))
                    .col(timestamp_with_time_zone_null(A::DecidedAt))
                    .col(uuid_null(A::DecidedBy))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .col(timestamp_with_time_zone(A::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::ApplicantId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_applications_status", A::Status),
            ("idx_applications_applicant_id", A::ApplicantId),
            ("idx_applications_organization_id", A::OrganizationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(A::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Applications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Applications {
    Table,
    Id,
    Kind,
    Status,
    ApplicantId,
    OrganizationId,
    Name,
    Content,
    DecisionReason,
    SubmittedAt,
    DecidedAt,
    DecidedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
