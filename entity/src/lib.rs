//! sea-orm entities of cogov: one module per table, no business logic.
//!
//! The rules that govern these rows live in the `cogov` crate's area modules;
//! entities never go on the wire (the API converts them in `dto.rs`).

pub mod annual_reports;
pub mod api_tokens;
pub mod applications;
pub mod audit_entries;
pub mod audit_head;
pub mod awards;
pub mod bids;
pub mod calendar_days;
pub mod catalog_categories;
pub mod challenges;
pub mod conflict_declarations;
pub mod credit_records;
pub mod data_keys;
pub mod departments;
pub mod disbursements;
pub mod files;
pub mod grades;
pub mod grant_feedback;
pub mod grant_reports;
pub mod grants;
pub mod idempotency_keys;
pub mod installments;
pub mod invitations;
pub mod job_leases;
pub mod login_attempts;
pub mod notifications;
pub mod open_events;
pub mod opening_records;
pub mod organizations;
pub mod outbox;
pub mod panel_members;
pub mod project_amendments;
pub mod project_questions;
pub mod project_sequences;
pub mod projects;
pub mod scores;
pub mod sessions;
pub mod uscc_sequences;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;
