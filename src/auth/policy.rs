//! The one place that decides whether an actor may do something.
//!
//! Every API operation and page asks [`check`] (role) and, where a thing has
//! an owner, an ownership function here. Refusals: no identity -> 401
//! (`Unauthenticated`); identity without the right -> 403 (`Forbidden`); a
//! thing the actor may not know exists -> 404 (`NotFound`).
//!
//! A personal token with only the `read` scope may not perform any write
//! action, whatever its owner's role. Auditors read everything and change
//! nothing.

use uuid::Uuid;

use super::{Actor, Role, Via};
use crate::error::{Error, Result};

/// Something an actor may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account.
    ReadOwnAccount,
    /// Create and revoke one's own API tokens.
    ManageOwnTokens,
    /// List and read user accounts.
    ReadUsers,
    /// Create accounts, change roles, deactivate and reactivate.
    ManageUsers,
    /// Create and edit departments.
    ManageDepartments,
    /// Edit the holiday calendar.
    ManageCalendar,
    /// Read the audit chain.
    ReadAudit,
}

impl Action {
    /// True when the action changes state.
    #[must_use]
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::ManageOwnTokens
                | Action::ManageUsers
                | Action::ManageDepartments
                | Action::ManageCalendar
        )
    }

    fn allowed_for(self, role: Role) -> bool {
        match self {
            Action::ReadOwnAccount | Action::ManageOwnTokens => true,
            Action::ReadUsers | Action::ReadAudit => matches!(role, Role::Admin | Role::Auditor),
            Action::ManageUsers | Action::ManageDepartments | Action::ManageCalendar => {
                role == Role::Admin
            }
        }
    }
}

/// Decides whether `actor` may perform `action`; returns the actor when so.
///
/// # Errors
/// `Unauthenticated` without an actor; `Forbidden` when the role or the token
/// scope does not allow it.
pub fn check(actor: Option<&Actor>, action: Action) -> Result<&Actor> {
    let actor = actor.ok_or(Error::Unauthenticated)?;
    if action.is_write() && actor.via == (Via::Token { write: false }) {
        return Err(Error::forbidden("this token has only the read scope"));
    }
    if !action.allowed_for(actor.role) {
        return Err(Error::forbidden(format!(
            "the {} role may not do this",
            actor.role
        )));
    }
    Ok(actor)
}

/// An API token may be seen and revoked only by its owner; to anyone else it
/// does not exist.
///
/// # Errors
/// `NotFound` when `owner` is not the actor.
pub fn own_token(actor: &Actor, owner: Uuid) -> Result<()> {
    if actor.user_id == owner {
        Ok(())
    } else {
        Err(Error::NotFound("token"))
    }
}

/// An admin may not demote or deactivate themselves (the last way back in).
///
/// # Errors
/// `Conflict` when `target` is the actor.
pub fn not_self(actor: &Actor, target: Uuid) -> Result<()> {
    if actor.user_id == target {
        Err(Error::Conflict {
            code: "self_change",
            message: "you cannot change your own role or deactivate yourself".into(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, via: Via) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            email: "a@b.cn".into(),
            display_name: "A".into(),
            role,
            department_id: None,
            organization_id: None,
            via,
        }
    }

    #[test]
    fn no_identity_is_401() {
        assert!(matches!(
            check(None, Action::ReadOwnAccount),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn only_admins_manage_users_and_auditors_only_read() {
        let admin = actor(Role::Admin, Via::Session);
        let auditor = actor(Role::Auditor, Via::Session);
        let purchaser = actor(Role::Purchaser, Via::Session);
        assert!(check(Some(&admin), Action::ManageUsers).is_ok());
        assert!(check(Some(&auditor), Action::ReadUsers).is_ok());
        assert!(check(Some(&auditor), Action::ReadAudit).is_ok());
        assert!(matches!(
            check(Some(&auditor), Action::ManageUsers),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            check(Some(&purchaser), Action::ReadAudit),
            Err(Error::Forbidden(_))
        ));
        for role in Role::ALL {
            let a = actor(role, Via::Session);
            assert_eq!(
                check(Some(&a), Action::ManageCalendar).is_ok(),
                role == Role::Admin
            );
        }
    }

    #[test]
    fn a_read_token_cannot_write_even_for_an_admin() {
        let admin = actor(Role::Admin, Via::Token { write: false });
        assert!(check(Some(&admin), Action::ReadUsers).is_ok());
        assert!(matches!(
            check(Some(&admin), Action::ManageUsers),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            check(Some(&admin), Action::ManageOwnTokens),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn tokens_of_others_do_not_exist() {
        let a = actor(Role::Admin, Via::Session);
        assert!(own_token(&a, a.user_id).is_ok());
        assert!(matches!(
            own_token(&a, Uuid::now_v7()),
            Err(Error::NotFound(_))
        ));
    }
}
