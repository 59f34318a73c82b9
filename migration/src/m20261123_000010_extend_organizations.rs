//! The registry's columns on `organizations`: kind, authority, code, the
//! registered particulars, and the current credit state and grade (kept here
//! so the public search can filter on them).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<ColumnDef> {
    use Organizations as O;
    vec![
        string_len_null(O::Uscc, 18),
        text_null(O::UsccLegacyReason),
        string_len(O::OrgType, 32)
            .default("social_service_agency")
            .to_owned(),
        boolean(O::PublicOffering).default(false).to_owned(),
        string_len(O::Level, 16).default("municipal").to_owned(),
        string_len(O::DivisionCode, 6).default("100000").to_owned(),
        string_len(O::Field, 32).default("other").to_owned(),
        string_len_null(O::SupervisingUnit, 200),
        string_len(O::Address, 300).default("").to_owned(),
        string_len(O::LegalRepresentative, 100)
            .default("")
            .to_owned(),
        string_len(O::BusinessScope, 2000).default("").to_owned(),
        big_integer(O::FundsFen).default(0).to_owned(),
        date_null(O::RegisteredOn),
        text_null(O::StatusReason),
        string_len(O::CreditStatus, 16).default("none").to_owned(),
        small_integer_null(O::Grade),
        date_null(O::GradeAwardedOn),
        date_null(O::GradeValidUntil),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for mut col in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organizations::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_organizations_uscc")
                    .table(Organizations::Table)
                    .col(Organizations::Uscc)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organizations_division_code")
                    .table(Organizations::Table)
                    .col(Organizations::DivisionCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_organizations_division_code")
                    .table(Organizations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_organizations_uscc")
                    .table(Organizations::Table)
                    .to_owned(),
            )
            .await?;
        for col in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organizations::Table)
                        .drop_column(Alias::new(col.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Uscc,
    UsccLegacyReason,
    OrgType,
    PublicOffering,
    Level,
    DivisionCode,
    Field,
    SupervisingUnit,
    Address,
    LegalRepresentative,
    BusinessScope,
    FundsFen,
    RegisteredOn,
    StatusReason,
    CreditStatus,
    Grade,
    GradeAwardedOn,
    GradeValidUntil,
}
