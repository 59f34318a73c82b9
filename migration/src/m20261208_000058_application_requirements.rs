//! Required materials of applications (issue 18): per application kind, the
//! document labels an application must carry before it is submitted. Seeded
//! with the materials a civil-affairs office asks for; the admin changes
//! them. 业务主管单位同意文件 (`supervisor_consent`) is asked only of
//! registrations that name a supervising unit (a rule in code).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The seeded requirements: kind, label, position.
const DEFAULTS: [(&str, &str, i32); 8] = [
    ("registration", "charter", 1),
    ("registration", "office_proof", 2),
    ("registration", "proof_of_funds", 3),
    ("registration", "legal_representative_id", 4),
    ("registration", "supervisor_consent", 5),
    ("change", "change_resolution", 1),
    ("deregistration", "dissolution_resolution", 1),
    ("deregistration", "liquidation_report", 2),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Requirements::Table)
                    .col(string_len(Requirements::Kind, 32))
                    .col(string_len(Requirements::Label, 64))
                    .col(integer(Requirements::Position))
                    .primary_key(
                        Index::create()
                            .col(Requirements::Kind)
                            .col(Requirements::Label),
                    )
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(Requirements::Table)
            .columns([
                Requirements::Kind,
                Requirements::Label,
                Requirements::Position,
            ])
            .to_owned();
        for (kind, label, position) in DEFAULTS {
            insert.values_panic([kind.into(), label.into(), position.into()]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Requirements::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Requirements {
    #[sea_orm(iden = "application_requirements")]
    Table,
    Kind,
    Label,
    Position,
}
