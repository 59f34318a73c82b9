//! The registry of social organizations (DESIGN.md "Organizations and
//! registration").
//!
//! What it owns: organizations (`active -> deregistered | revoked`), their
//! registration, change and deregistration applications (`draft -> submitted
//! -> (returned -> submitted)* -> approved | rejected`, or `withdrawn` before a
//! decision), annual reports (`submitted -> accepted | returned`, with result
//! `pass`, `basic_pass` or `fail`), credit records (`abnormal`, `dishonest`,
//! open until lifted) and evaluation grades (1A-5A, valid 5 years).
//!
//! Who may do what: org members draft and edit their organization's
//! applications; org admins submit them; registrars decide, keep credit
//! records and grades; everyone reads the public fields of organizations.
//!
//! Built so far: [`uscc`], the Unified Social Credit Code as a domain type,
//! [`rules`], the registration rules as plain functions, and
//! [`applications`], the application state machine.

pub mod annual_reports;
pub mod applications;
pub mod credit;
pub mod import;
pub mod jobs;
pub mod materials;
pub mod members;
pub mod organizations;
pub mod particulars;
pub mod rules;
pub mod search;
pub mod tasks;
pub mod uscc;
