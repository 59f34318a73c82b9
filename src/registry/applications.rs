//! The life of an application (`registration`, `change`, `deregistration`):
//!
//! ```text
//! draft -> submitted -> (returned -> submitted)* -> approved | rejected
//! draft | submitted | returned -> withdrawn   (before a decision)
//! ```
//!
//! Who may move it: the applicant's org members edit drafts and returned
//! applications; the org admin (or, for a first registration, the applicant)
//! submits and withdraws; a registrar returns, approves or rejects. Returns
//! and rejections carry a reason. This module holds the transition rule; the
//! service applies it inside a transaction with the audit entry.

use std::fmt;

use crate::error::{Error, Result};

/// State of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being written by the applicant.
    Draft,
    /// Waiting for a registrar.
    Submitted,
    /// Sent back by a registrar with reasons; the applicant edits and resubmits.
    Returned,
    /// Decided: granted.
    Approved,
    /// Decided: refused, with a reason.
    Rejected,
    /// Taken back by the applicant before a decision.
    Withdrawn,
}

/// Something done to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change the content.
    Edit,
    /// Hand in (first time or again after a return).
    Submit,
    /// Registrar sends back with reasons.
    Return,
    /// Registrar grants.
    Approve,
    /// Registrar refuses with a reason.
    Reject,
    /// Applicant takes it back.
    Withdraw,
}

impl Action {
    /// How the action reads after "cannot be".
    #[must_use]
    pub fn participle(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Submit => "submitted",
            Action::Return => "returned",
            Action::Approve => "approved",
            Action::Reject => "rejected",
            Action::Withdraw => "withdrawn",
        }
    }
}

impl Status {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// True once nothing can happen to it any more.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Rejected | Status::Withdrawn
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state after `action`, or why it is not allowed now.
///
/// # Errors
/// `Conflict` (wrong state) naming the state and the action.
pub fn transition(from: Status, action: Action) -> Result<Status> {
    use Action as A;
    use Status as S;
    let to = match (from, action) {
        (S::Draft | S::Returned, A::Edit) => from,
        (S::Draft | S::Returned, A::Submit) => S::Submitted,
        (S::Submitted, A::Return) => S::Returned,
        (S::Submitted, A::Approve) => S::Approved,
        (S::Submitted, A::Reject) => S::Rejected,
        (S::Draft | S::Submitted | S::Returned, A::Withdraw) => S::Withdrawn,
        _ => {
            return Err(Error::Conflict {
                code: "wrong_state",
                message: format!(
                    "an application that is {from} cannot be {}",
                    action.participle()
                ),
            });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STATUSES: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];
    const ALL_ACTIONS: [Action; 6] = [
        Action::Edit,
        Action::Submit,
        Action::Return,
        Action::Approve,
        Action::Reject,
        Action::Withdraw,
    ];

    #[test]
    fn the_happy_path_and_a_return_loop() {
        let s = transition(Status::Draft, Action::Submit).unwrap();
        let s = transition(s, Action::Return).unwrap();
        assert_eq!(s, Status::Returned);
        let s = transition(s, Action::Edit).unwrap();
        let s = transition(s, Action::Submit).unwrap();
        assert_eq!(transition(s, Action::Approve).unwrap(), Status::Approved);
    }

    #[test]
    fn decided_applications_are_final_and_submitted_ones_cannot_be_edited() {
        for from in ALL_STATUSES.into_iter().filter(|s| s.is_final()) {
            for action in ALL_ACTIONS {
                assert!(transition(from, action).is_err(), "{from} {action:?}");
            }
        }
        match transition(Status::Submitted, Action::Edit) {
            Err(Error::Conflict { message, .. }) => {
                assert_eq!(message, "an application that is submitted cannot be edited");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            transition(Status::Draft, Action::Approve).is_err(),
            "registrars decide only submitted ones"
        );
        assert!(transition(Status::Returned, Action::Reject).is_err());
    }

    #[test]
    fn withdrawal_is_possible_until_a_decision() {
        for from in [Status::Draft, Status::Submitted, Status::Returned] {
            assert_eq!(
                transition(from, Action::Withdraw).unwrap(),
                Status::Withdrawn
            );
        }
    }
}
