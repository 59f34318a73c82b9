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
    /// Open and edit one's own applications (registration, change,
    /// deregistration) and annual reports.
    Apply,
    /// Read every submitted application and annual report, and every
    /// organization's private particulars.
    ReadRegistry,
    /// Decide applications, review annual reports, revoke registrations,
    /// keep credit records and grades.
    Register,
    /// Invite and remove members of one's organization.
    ManageMembers,
    /// Add and change purchase catalog categories.
    ManageCatalog,
    /// Create, publish, amend and cancel projects of one's department.
    Purchase,
    /// Read one's department's projects, drafts included.
    ReadPurchases,
    /// Upload files (to attach to one's applications, reports, bids, projects).
    Upload,
    /// Read the e-mail outbox (what was sent, what failed).
    ReadOutbox,
    /// Mark one's own notifications read.
    MarkOwnNotifications,
    /// Subscribe webhooks and manage one's own.
    ManageOwnWebhooks,
    /// List active experts (ids and names) to compose a panel.
    ReadExperts,
    /// Read the panels one sits on and, once cleared, their bids.
    ReadOwnPanels,
    /// Declare conflicts of interest and score bids on one's panels.
    Evaluate,
    /// Change one's own password (with the current one).
    ChangeOwnPassword,
    /// Set the site's identity (name, host, contact, ICP, statements).
    ConfigureSite,
    /// Choose the language of one's own notices and mails.
    ChooseOwnLanguage,
}

impl Action {
    /// True when the action changes state.
    #[must_use]
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Action::ManageOwnTokens
                | Action::ChangeOwnPassword
                | Action::ChooseOwnLanguage
                | Action::MarkOwnNotifications
                | Action::ManageOwnWebhooks
                | Action::ManageUsers
                | Action::ManageDepartments
                | Action::ManageCalendar
                | Action::Apply
                | Action::Register
                | Action::ManageMembers
                | Action::ManageCatalog
                | Action::ConfigureSite
                | Action::Purchase
                | Action::Upload
                | Action::Evaluate
        )
    }

    fn allowed_for(self, role: Role) -> bool {
        match self {
            Action::ReadOwnAccount
            | Action::ManageOwnTokens
            | Action::ChangeOwnPassword
            | Action::ChooseOwnLanguage
            | Action::MarkOwnNotifications
            | Action::ManageOwnWebhooks => true,
            Action::ReadUsers | Action::ReadAudit | Action::ReadOutbox => {
                matches!(role, Role::Admin | Role::Auditor)
            }
            Action::ManageUsers
            | Action::ManageDepartments
            | Action::ManageCalendar
            | Action::ManageCatalog
            | Action::ConfigureSite => role == Role::Admin,
            Action::Apply => role.is_org_role(),
            Action::ReadRegistry => matches!(role, Role::Registrar | Role::Auditor),
            Action::Register => role == Role::Registrar,
            Action::ManageMembers => role == Role::OrgAdmin,
            Action::Purchase | Action::ReadPurchases => role == Role::Purchaser,
            Action::ReadExperts => matches!(role, Role::Purchaser | Role::Admin),
            Action::Upload => role.is_org_role() || role == Role::Purchaser,
            Action::ReadOwnPanels | Action::Evaluate => role == Role::Expert,
        }
    }
}

/// Whether `actor` may perform `action` (for pages deciding what to show).
#[must_use]
pub fn may(actor: Option<&Actor>, action: Action) -> bool {
    check(actor, action).is_ok()
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

/// How far an actor may go with an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApplicationAccess {
    /// Read it (registrars and auditors, once submitted).
    Read,
    /// Read and edit it (the applicant; members of the organization it is about).
    Edit,
    /// Also submit and withdraw it (the applicant of a registration; the org
    /// admin for a change or deregistration).
    Submit,
}

/// What `actor` may do with an application opened by `applicant` about
/// `organization` (none for a registration not yet approved). Drafts are the
/// applicant's own business: to registrars and auditors they do not exist.
///
/// # Errors
/// `NotFound` when the actor may not know the application exists.
pub fn application_access(
    actor: &Actor,
    applicant: Uuid,
    organization: Option<Uuid>,
    is_registration: bool,
    is_draft: bool,
) -> Result<ApplicationAccess> {
    let own_org = organization.is_some() && actor.organization_id == organization;
    if actor.role.is_org_role() && (actor.user_id == applicant || own_org) {
        let submits = if is_registration {
            actor.user_id == applicant
        } else {
            own_org && actor.role == Role::OrgAdmin
        };
        return Ok(if submits {
            ApplicationAccess::Submit
        } else {
            ApplicationAccess::Edit
        });
    }
    if !is_draft && matches!(actor.role, Role::Registrar | Role::Auditor) {
        return Ok(ApplicationAccess::Read);
    }
    Err(Error::NotFound("application"))
}

/// Whether `actor` acts for `organization` (org members and admins of it),
/// or may read any organization's private particulars (registrars, auditors).
///
/// # Errors
/// `NotFound` for anyone else: private things of an organization do not
/// exist to outsiders.
pub fn organization_insider(actor: &Actor, organization: Uuid) -> Result<()> {
    if acts_for(Some(actor), organization) || may(Some(actor), Action::ReadRegistry) {
        Ok(())
    } else {
        Err(Error::NotFound("organization record"))
    }
}

/// Whether `actor` is the org admin of `organization` (who invites and
/// removes its members, accepts or declines its grants).
///
/// # Errors
/// `Unauthenticated`/`Forbidden` by role; `Forbidden` for another organization.
pub fn org_admin_of(actor: &Actor, organization: Uuid) -> Result<()> {
    check(Some(actor), Action::ManageMembers)?;
    if actor.organization_id == Some(organization) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "only the organization's org admin may do this",
        ))
    }
}

/// Whether `actor` may see a project of `department` that is still a draft:
/// its department's purchasers, auditors and admins.
///
/// # Errors
/// `NotFound` for everyone else: drafts do not exist outside the department.
pub fn sees_draft(actor: Option<&Actor>, department: Uuid) -> Result<()> {
    if oversees(actor, department) {
        Ok(())
    } else {
        Err(Error::NotFound("project"))
    }
}

/// Whether `actor` acts for the department that owns a project or grant:
/// one of its purchasers, with the right to change things.
///
/// # Errors
/// `Forbidden` for purchasers of other departments (and any other role).
pub fn own_department(actor: &Actor, department: Uuid) -> Result<()> {
    check(Some(actor), Action::Purchase)?;
    if actor.department_id == Some(department) {
        Ok(())
    } else {
        Err(Error::forbidden("this belongs to another department"))
    }
}

/// Whether `actor` is one of `department`'s purchasers (what pages offer
/// them; a command still asks [`own_department`]).
#[must_use]
pub fn buys_for(actor: Option<&Actor>, department: Uuid) -> bool {
    actor.is_some_and(|a| a.role == Role::Purchaser && a.department_id == Some(department))
}

/// Whether `actor` reads everything kept from the public and changes
/// nothing of others': auditors and admins.
#[must_use]
pub fn sees_all(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| matches!(a.role, Role::Auditor | Role::Admin))
}

/// Whether `actor` oversees `department`'s purchases and grants: its
/// purchasers, auditors and admins. They see what the department keeps from
/// the public: every bid once opened, challenges in full, who asked a
/// question, feedback not published, reports not yet accepted.
#[must_use]
pub fn oversees(actor: Option<&Actor>, department: Uuid) -> bool {
    buys_for(actor, department) || sees_all(actor)
}

/// Whether `actor` acts for `organization`: an org member or admin of it.
#[must_use]
pub fn acts_for(actor: Option<&Actor>, organization: Uuid) -> bool {
    actor.is_some_and(|a| a.role.is_org_role() && a.organization_id == Some(organization))
}

/// The organization `actor` acts for, if an org user of one.
#[must_use]
pub fn organization_of(actor: Option<&Actor>) -> Option<Uuid> {
    actor
        .filter(|a| a.role.is_org_role())
        .and_then(|a| a.organization_id)
}

/// Whether `actor` may act for `organization` (an org member or admin of
/// it, with the right to change things).
///
/// # Errors
/// `Unauthenticated`/`Forbidden` by role; `Forbidden` for another organization.
pub fn member_of(actor: &Actor, organization: Uuid) -> Result<()> {
    check(Some(actor), Action::Apply)?;
    if acts_for(Some(actor), organization) {
        Ok(())
    } else {
        Err(Error::forbidden("this belongs to another organization"))
    }
}

/// Whether `actor` is the org admin of some organization (pages: what to
/// offer; commands ask [`org_admin_of`]).
#[must_use]
pub fn is_org_admin(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| a.role == Role::OrgAdmin && a.organization_id.is_some())
}

/// Whose registry records (applications, annual reports) an actor lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryScope {
    /// An org user's own: their organization's, if they have one yet.
    Own(Option<Uuid>),
    /// Every organization's submitted ones (registrars and auditors).
    Everyone,
}

/// Whose registry records `actor` lists.
///
/// # Errors
/// `Forbidden` for anyone else.
pub fn registry_scope(actor: &Actor) -> Result<RegistryScope> {
    if actor.role.is_org_role() {
        return Ok(RegistryScope::Own(actor.organization_id));
    }
    check(Some(actor), Action::ReadRegistry)?;
    Ok(RegistryScope::Everyone)
}

/// The department whose purchases and grants `actor` lists in full (a
/// purchaser: their own), or `None` for every department's (auditors and
/// admins).
///
/// # Errors
/// `Forbidden` for anyone else, and for a purchaser of no department.
pub fn department_scope(actor: &Actor) -> Result<Option<Uuid>> {
    match actor.role {
        Role::Purchaser => actor
            .department_id
            .map(Some)
            .ok_or_else(|| Error::forbidden("you belong to no department")),
        Role::Auditor | Role::Admin => Ok(None),
        _ => Err(Error::forbidden(
            "this is for purchasers, auditors and admins",
        )),
    }
}

/// The menu a signed-in person sees: one entry per place they may work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Menu {
    /// Their organization's workspace (`/my`).
    pub my: bool,
    /// The registrar's desk (`/registrar`).
    pub registrar: bool,
    /// The purchaser's projects (`/purchaser`).
    pub purchaser: bool,
    /// Their panels (`/panels`).
    pub panels: bool,
    /// Accounts (`/admin/users`).
    pub users: bool,
    /// Departments, holidays and the catalog.
    pub settings: bool,
    /// The e-mail outbox.
    pub outbox: bool,
    /// Any of the three above: the administration page (`/admin`), one
    /// place in the menu for them.
    pub admin: bool,
}

impl Menu {
    /// What `actor` may reach.
    #[must_use]
    pub fn of(actor: &Actor) -> Self {
        let a = Some(actor);
        Self {
            my: actor.role.is_org_role(),
            registrar: may(a, Action::ReadRegistry),
            purchaser: may(a, Action::ReadPurchases),
            panels: may(a, Action::ReadOwnPanels),
            users: may(a, Action::ReadUsers),
            settings: may(a, Action::ManageDepartments),
            outbox: may(a, Action::ReadOutbox),
            admin: may(a, Action::ReadUsers)
                || may(a, Action::ManageDepartments)
                || may(a, Action::ReadOutbox),
        }
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
    fn applications_are_seen_by_their_people_and_by_registrars_once_submitted() {
        let applicant = actor(Role::OrgMember, Via::Session);
        let stranger = actor(Role::OrgMember, Via::Session);
        let registrar = actor(Role::Registrar, Via::Session);
        let purchaser = actor(Role::Purchaser, Via::Session);
        let a = applicant.user_id;
        assert_eq!(
            application_access(&applicant, a, None, true, true).unwrap(),
            ApplicationAccess::Submit
        );
        assert!(matches!(
            application_access(&stranger, a, None, true, false),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            application_access(&registrar, a, None, true, true),
            Err(Error::NotFound(_))
        ));
        assert_eq!(
            application_access(&registrar, a, None, true, false).unwrap(),
            ApplicationAccess::Read
        );
        assert!(application_access(&purchaser, a, None, true, false).is_err());

        let org = Uuid::now_v7();
        let member = Actor {
            organization_id: Some(org),
            ..actor(Role::OrgMember, Via::Session)
        };
        let admin = Actor {
            organization_id: Some(org),
            ..actor(Role::OrgAdmin, Via::Session)
        };
        assert_eq!(
            application_access(&member, a, Some(org), false, true).unwrap(),
            ApplicationAccess::Edit,
            "members draft changes; only the org admin submits them"
        );
        assert_eq!(
            application_access(&admin, a, Some(org), false, true).unwrap(),
            ApplicationAccess::Submit
        );
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

    #[test]
    fn departments_are_overseen_by_their_purchasers_auditors_and_admins() {
        let dept = Uuid::now_v7();
        let own = Actor {
            department_id: Some(dept),
            ..actor(Role::Purchaser, Via::Session)
        };
        let other = Actor {
            department_id: Some(Uuid::now_v7()),
            ..actor(Role::Purchaser, Via::Session)
        };
        let auditor = actor(Role::Auditor, Via::Session);
        let member = actor(Role::OrgMember, Via::Session);
        assert!(buys_for(Some(&own), dept) && !buys_for(Some(&other), dept));
        assert!(!buys_for(Some(&auditor), dept) && !buys_for(None, dept));
        assert!(oversees(Some(&own), dept) && oversees(Some(&auditor), dept));
        assert!(!oversees(Some(&other), dept) && !oversees(Some(&member), dept));
        assert!(!oversees(None, dept));
        assert!(own_department(&own, dept).is_ok());
        assert!(matches!(
            own_department(&other, dept),
            Err(Error::Forbidden(_))
        ));
        let read_only = Actor {
            via: Via::Token { write: false },
            ..own.clone()
        };
        assert!(buys_for(Some(&read_only), dept), "reading is not writing");
        assert!(own_department(&read_only, dept).is_err());
        assert_eq!(department_scope(&own).unwrap(), Some(dept));
        assert_eq!(department_scope(&auditor).unwrap(), None);
        assert!(department_scope(&member).is_err());
    }

    #[test]
    fn organizations_are_acted_for_by_their_own_people_only() {
        let org = Uuid::now_v7();
        let member = Actor {
            organization_id: Some(org),
            ..actor(Role::OrgMember, Via::Session)
        };
        let admin = Actor {
            organization_id: Some(org),
            ..actor(Role::OrgAdmin, Via::Session)
        };
        let outsider = Actor {
            organization_id: Some(Uuid::now_v7()),
            ..actor(Role::OrgAdmin, Via::Session)
        };
        let purchaser = Actor {
            organization_id: Some(org),
            ..actor(Role::Purchaser, Via::Session)
        };
        assert!(acts_for(Some(&member), org) && acts_for(Some(&admin), org));
        assert!(!acts_for(Some(&outsider), org) && !acts_for(Some(&purchaser), org));
        assert_eq!(organization_of(Some(&member)), Some(org));
        assert_eq!(organization_of(Some(&purchaser)), None);
        assert!(member_of(&member, org).is_ok() && member_of(&outsider, org).is_err());
        assert!(org_admin_of(&admin, org).is_ok());
        assert!(org_admin_of(&member, org).is_err() && org_admin_of(&outsider, org).is_err());
        assert_eq!(
            registry_scope(&member).unwrap(),
            RegistryScope::Own(Some(org))
        );
        assert_eq!(
            registry_scope(&actor(Role::Registrar, Via::Session)).unwrap(),
            RegistryScope::Everyone
        );
        assert!(registry_scope(&purchaser).is_err());
    }

    #[test]
    fn the_menu_offers_each_role_its_own_places() {
        let menu = |role| Menu::of(&actor(role, Via::Session));
        assert_eq!(
            menu(Role::OrgMember),
            Menu {
                my: true,
                ..Menu::default()
            }
        );
        assert_eq!(
            menu(Role::Auditor),
            Menu {
                registrar: true,
                users: true,
                outbox: true,
                admin: true,
                ..Menu::default()
            },
            "auditors read; they keep no settings and have no organization"
        );
        assert_eq!(
            menu(Role::Admin),
            Menu {
                users: true,
                settings: true,
                outbox: true,
                admin: true,
                ..Menu::default()
            }
        );
        assert!(!menu(Role::Registrar).admin && !menu(Role::Purchaser).admin);
        assert!(menu(Role::Expert).panels && !menu(Role::Purchaser).panels);
        assert!(menu(Role::Purchaser).purchaser && menu(Role::Registrar).registrar);
    }
}
