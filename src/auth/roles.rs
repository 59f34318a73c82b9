//! The roles of DESIGN.md "Who uses it".

use std::fmt;
use std::str::FromStr;

/// What a user is to the system. The public has no account and no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff of a social organization.
    OrgMember,
    /// Legal representative or delegate of an organization.
    OrgAdmin,
    /// Civil-affairs staff reviewing registrations and reports.
    Registrar,
    /// Department staff who publish projects and manage grants.
    Purchaser,
    /// Evaluator on the panels they are assigned to.
    Expert,
    /// Oversight: reads everything, changes nothing.
    Auditor,
    /// System administrator.
    Admin,
}

impl Role {
    /// Every role, in the order DESIGN.md lists them.
    pub const ALL: [Role; 7] = [
        Role::OrgMember,
        Role::OrgAdmin,
        Role::Registrar,
        Role::Purchaser,
        Role::Expert,
        Role::Auditor,
        Role::Admin,
    ];

    /// The stored and wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OrgMember => "org_member",
            Role::OrgAdmin => "org_admin",
            Role::Registrar => "registrar",
            Role::Purchaser => "purchaser",
            Role::Expert => "expert",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// True for the two roles that act for an organization.
    #[must_use]
    pub fn is_org_role(self) -> bool {
        matches!(self, Role::OrgMember | Role::OrgAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
