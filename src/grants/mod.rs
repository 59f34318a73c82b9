//! Grants and reporting (DESIGN.md "Grants and reporting").
//!
//! What it owns: the grant an award becomes, its installments, the reports
//! the grantee owes, and the disbursements the purchaser records.
//!
//! ```text
//! grant      pending_acceptance -> active -> completed
//!            pending_acceptance -> declined            (the winner's org admin)
//!            pending_acceptance | active -> terminated (purchaser, with a reason)
//! report     due -> submitted -> accepted | returned -> submitted ...
//! installment  payable once its trigger happens (signing = acceptance, or
//!              its report accepted); paid when disbursements reach its amount
//! ```
//!
//! Who may do what:
//! - the award job creates the grant when a project becomes `awarded`: the
//!   award's amount, the project's service period, the default schedule
//!   (30% on signing, 40% after the mid-term report, 30% after the final
//!   report; remainders to the last installment, [`rules::split`]) and the
//!   reports with their due dates;
//! - the purchaser of the funding department edits the schedule before
//!   acceptance (amounts in whole fen summing exactly to the grant), reviews
//!   reports, records disbursements (at most what is payable), records the
//!   performance score (0-100) once the final report is accepted and
//!   everything is paid, which completes the grant, and may terminate it
//!   with a reason;
//! - the grantee's org admin accepts or declines; its org users submit
//!   reports (text, people served, spending to date, files);
//! - everyone reads grants, their installments, paid and remaining totals,
//!   disbursements and accepted reports; reports not yet accepted are for
//!   the grantee, the department, auditors and admins;
//! - anyone rates an active or completed grant's service, rate-limited per
//!   client; the purchaser publishes or hides it ([`feedback`]);
//! - the reminder job tells the grantee's people of a grant awaiting
//!   acceptance and of reports due soon or overdue ([`reminders`]).

pub mod disbursements;
pub mod export;
pub mod feedback;
pub mod reminders;
pub mod reports;
pub mod rules;
pub mod service;
pub mod tasks;
