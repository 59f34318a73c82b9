//! sea-orm entities of cogov: one module per table, no business logic.
//!
//! The rules that govern these rows live in the `cogov` crate's area modules;
//! entities never go on the wire (the API converts them in `dto.rs`).

pub mod api_tokens;
pub mod audit_entries;
pub mod audit_head;
pub mod calendar_days;
pub mod departments;
pub mod login_attempts;
pub mod organizations;
pub mod sessions;
pub mod users;
