//! Government procurement of services (DESIGN.md "Procurement of services").
//!
//! What it owns: the purchase catalog (an admin-managed tree of service
//! categories), projects and their amendments, questions and answers, bids
//! with receipts, and the opening record.
//!
//! Project states:
//!
//! ```text
//! draft -> open -> evaluating -> notice -> awarded
//!   draft | open | evaluating | notice -> cancelled   (purchaser, with a reason)
//!   evaluating -> failed                               (too few eligible bids)
//!   notice -> evaluating | failed                      (challenge upheld)
//! ```
//!
//! `open` starts at publication, when the timeline, weights and budget rules
//! pass ([`rules`]); `evaluating` starts at the bid deadline, exactly once,
//! by the opening job, which re-checks eligibility and publishes the opening
//! record.
//!
//! Who may do what: a purchaser creates, edits, publishes, amends and
//! cancels projects of their own department and answers questions; org
//! members and admins ask questions and bid for their own organization while
//! a project is open; everyone reads published projects, answers, amendments
//! and, after opening, the opening record. Before the deadline nothing about
//! other organizations' bids is readable by anyone: that rule lives in the
//! bid service, the only code that reads bids.
//!
//! The modules: [`rules`], the rules as plain functions, [`catalog`],
//! [`projects`] (drafts, publication, amendments, questions) and [`bids`]
//! (sealed bids with receipts, the opening job); [`evaluation`] holds the
//! scoring rules, [`panels`] the expert panels and conflict declarations,
//! [`scoring`] the score sheets and the ranking, [`award`] the award notice
//! and the job that makes awards final (creating the grant through
//! `crate::grants`), [`challenges`] the challenges and their window's
//! rules, [`decline`] what the purchaser does after a winner declined.
//!
//! What it must not touch: the HTTP layers; it calls `grants` (an award
//! becomes a grant), `registry` (who may bid), `files`, `open`, `audit`,
//! never the other way.

pub mod award;
pub mod bids;
pub mod catalog;
pub mod challenges;
pub mod decline;
pub mod evaluation;
pub mod panels;
pub mod projects;
pub mod rules;
pub mod scoring;
pub mod tasks;
