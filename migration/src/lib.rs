//! Database migrations of cogov, applied in order at start and by `cogov migrate`.
//!
//! One change per file, named `mYYYYMMDD_HHMMSS_<verb>_<table>`; every
//! migration has a working `down()`. Migrations hold schema only: the one row
//! inserted here is the audit chain's anchor, which is structure, not data.

pub use sea_orm_migration::prelude::*;

pub use m20261206_000048_registry_search::SQLITE_TERMS;
pub use m20261207_000055_project_search::sqlite_grams;

mod m20261123_000001_create_organizations;
mod m20261123_000002_create_departments;
mod m20261123_000003_create_users;
mod m20261123_000004_create_sessions;
mod m20261123_000005_create_api_tokens;
mod m20261123_000006_create_login_attempts;
mod m20261123_000007_create_calendar_days;
mod m20261123_000008_create_audit_entries;
mod m20261123_000009_create_audit_head;
mod m20261123_000010_extend_organizations;
mod m20261123_000011_create_applications;
mod m20261123_000012_create_files;
mod m20261123_000013_create_invitations;
mod m20261123_000014_create_annual_reports;
mod m20261123_000015_create_credit_records;
mod m20261123_000016_create_grades;
mod m20261123_000017_create_job_leases;
mod m20261123_000018_create_uscc_sequences;
mod m20261123_000019_create_catalog_categories;
mod m20261123_000020_create_projects;
mod m20261123_000021_create_project_sequences;
mod m20261123_000022_create_project_amendments;
mod m20261123_000023_create_project_questions;
mod m20261123_000024_create_bids;
mod m20261123_000025_create_opening_records;
mod m20261123_000026_create_panel_members;
mod m20261123_000027_create_conflict_declarations;
mod m20261123_000028_create_scores;
mod m20261123_000029_extend_panel_members;
mod m20261123_000030_create_awards;
mod m20261123_000031_create_challenges;
mod m20261123_000032_create_grants;
mod m20261123_000033_create_installments;
mod m20261123_000034_create_grant_reports;
mod m20261123_000035_create_disbursements;
mod m20261123_000036_create_grant_feedback;
mod m20261123_000037_create_notifications;
mod m20261123_000038_create_outbox;
mod m20261123_000039_create_open_events;
mod m20261123_000040_create_idempotency_keys;
mod m20261123_000041_create_webhooks;
mod m20261123_000042_add_department_uscc;
mod m20261206_000043_seal_bids;
mod m20261206_000044_one_live_bid;
mod m20261206_000045_bid_file_order;
mod m20261206_000046_idempotency_attempts;
mod m20261206_000047_audit_entries_by_type;
mod m20261206_000048_registry_search;
mod m20261206_000049_index_foreign_keys;
mod m20261206_000050_organization_counts;
mod m20261206_000051_grams_pending_list;
mod m20261206_000052_region_walks;
mod m20261206_000053_procurement_counts;
mod m20261206_000054_projects_by_status;
mod m20261207_000055_project_search;
mod m20261207_000056_user_search;
mod m20261208_000057_password_resets;
mod m20261208_000058_application_requirements;
mod m20261209_000059_task_queues;
mod m20261209_000060_site_settings;
mod m20261209_000061_user_languages;

/// All migrations of cogov, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_organizations::Migration),
            Box::new(m20261123_000002_create_departments::Migration),
            Box::new(m20261123_000003_create_users::Migration),
            Box::new(m20261123_000004_create_sessions::Migration),
            Box::new(m20261123_000005_create_api_tokens::Migration),
            Box::new(m20261123_000006_create_login_attempts::Migration),
            Box::new(m20261123_000007_create_calendar_days::Migration),
            Box::new(m20261123_000008_create_audit_entries::Migration),
            Box::new(m20261123_000009_create_audit_head::Migration),
            Box::new(m20261123_000010_extend_organizations::Migration),
            Box::new(m20261123_000011_create_applications::Migration),
            Box::new(m20261123_000012_create_files::Migration),
            Box::new(m20261123_000013_create_invitations::Migration),
            Box::new(m20261123_000014_create_annual_reports::Migration),
            Box::new(m20261123_000015_create_credit_records::Migration),
            Box::new(m20261123_000016_create_grades::Migration),
            Box::new(m20261123_000017_create_job_leases::Migration),
            Box::new(m20261123_000018_create_uscc_sequences::Migration),
            Box::new(m20261123_000019_create_catalog_categories::Migration),
            Box::new(m20261123_000020_create_projects::Migration),
            Box::new(m20261123_000021_create_project_sequences::Migration),
            Box::new(m20261123_000022_create_project_amendments::Migration),
            Box::new(m20261123_000023_create_project_questions::Migration),
            Box::new(m20261123_000024_create_bids::Migration),
            Box::new(m20261123_000025_create_opening_records::Migration),
            Box::new(m20261123_000026_create_panel_members::Migration),
            Box::new(m20261123_000027_create_conflict_declarations::Migration),
            Box::new(m20261123_000028_create_scores::Migration),
            Box::new(m20261123_000029_extend_panel_members::Migration),
            Box::new(m20261123_000030_create_awards::Migration),
            Box::new(m20261123_000031_create_challenges::Migration),
            Box::new(m20261123_000032_create_grants::Migration),
            Box::new(m20261123_000033_create_installments::Migration),
            Box::new(m20261123_000034_create_grant_reports::Migration),
            Box::new(m20261123_000035_create_disbursements::Migration),
            Box::new(m20261123_000036_create_grant_feedback::Migration),
            Box::new(m20261123_000037_create_notifications::Migration),
            Box::new(m20261123_000038_create_outbox::Migration),
            Box::new(m20261123_000039_create_open_events::Migration),
            Box::new(m20261123_000040_create_idempotency_keys::Migration),
            Box::new(m20261123_000041_create_webhooks::Migration),
            Box::new(m20261123_000042_add_department_uscc::Migration),
            Box::new(m20261206_000043_seal_bids::Migration),
            Box::new(m20261206_000044_one_live_bid::Migration),
            Box::new(m20261206_000045_bid_file_order::Migration),
            Box::new(m20261206_000046_idempotency_attempts::Migration),
            Box::new(m20261206_000047_audit_entries_by_type::Migration),
            Box::new(m20261206_000048_registry_search::Migration),
            Box::new(m20261206_000049_index_foreign_keys::Migration),
            Box::new(m20261206_000050_organization_counts::Migration),
            Box::new(m20261206_000051_grams_pending_list::Migration),
            Box::new(m20261206_000052_region_walks::Migration),
            Box::new(m20261206_000053_procurement_counts::Migration),
            Box::new(m20261206_000054_projects_by_status::Migration),
            Box::new(m20261207_000055_project_search::Migration),
            Box::new(m20261207_000056_user_search::Migration),
            Box::new(m20261208_000057_password_resets::Migration),
            Box::new(m20261208_000058_application_requirements::Migration),
            Box::new(m20261209_000059_task_queues::Migration),
            Box::new(m20261209_000060_site_settings::Migration),
            Box::new(m20261209_000061_user_languages::Migration),
        ]
    }
}
