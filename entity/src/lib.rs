//! sea-orm entities of cogov: one module per table, no business logic.
//!
//! The rules that govern these rows live in the `cogov` crate's area modules;
//! entities never go on the wire (the API converts them in `dto.rs`).
//!
//! A row's state is a type ([`states!`]): stored as text, read back as an
//! enum, so an unknown state cannot be written and every `match` on one is
//! exhaustive.

/// Declares the states of a row, stored as text: each variant with the name
/// the column holds, written once. The enum derives sea-orm's
/// `DeriveActiveEnum` (so it is the model's field type) and serde (the same
/// names), and has `ALL`, `as_str` and `parse`.
#[macro_export]
macro_rules! states {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            sea_orm::EnumIter,
            sea_orm::DeriveActiveEnum,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $( $(#[$vmeta])* #[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every state, in the order declared.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name the column holds.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The state the column's `text` names, if any.
            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|s| s.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod annual_reports;
pub mod api_tokens;
pub mod application_requirements;
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
pub mod password_resets;
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
