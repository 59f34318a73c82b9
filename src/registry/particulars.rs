//! What an application asks for, by kind: the particulars of a new
//! organization, the changes to an existing one, or the reason to deregister.
//! Shape checks (lengths, known codes, non-negative amounts) run on every
//! save so a draft never holds nonsense; the registration rules run at submit
//! (see [`super::rules`]).

use serde::{Deserialize, Serialize};

use super::rules::{AuthorityLevel, Field, OrgType, RegistrationFacts};
use crate::error::FieldError;
use crate::money::Fen;

/// Kind of application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new organization.
    Registration,
    /// Changes to a registered organization's particulars.
    Change,
    /// An organization asks to be struck off.
    Deregistration,
}

impl Kind {
    /// Stored and wire names.
    pub const NAMES: [&'static str; 3] = ["registration", "change", "deregistration"];

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "registration" => Some(Self::Registration),
            "change" => Some(Self::Change),
            "deregistration" => Some(Self::Deregistration),
            _ => None,
        }
    }

    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Change => "change",
            Self::Deregistration => "deregistration",
        }
    }
}

/// The particulars of an organization to register.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Particulars {
    /// Proposed name.
    pub name: String,
    /// `social_group`, `foundation` or `social_service_agency`.
    pub org_type: String,
    /// Foundations: public offering.
    pub public_offering: bool,
    /// Registration authority's division code; `100000` is the Ministry.
    pub division_code: String,
    /// Field of activity (see [`Field::NAMES`]).
    pub field: String,
    /// 业务主管单位, if any.
    pub supervising_unit: Option<String>,
    /// Address.
    pub address: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Business scope.
    pub business_scope: String,
    /// Original fund (foundations) or activity funds (others), fen.
    pub funds_fen: i64,
    /// Social groups: individual members.
    pub individual_members: u32,
    /// Social groups: unit members.
    pub unit_members: u32,
}

/// Changes to a registered organization; only the fields that change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// New name.
    pub name: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New legal representative.
    pub legal_representative: Option<String>,
    /// New business scope.
    pub business_scope: Option<String>,
    /// New funds, fen.
    pub funds_fen: Option<i64>,
}

/// A deregistration request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deregistration {
    /// Why the organization ends (dissolution, merger, ...).
    pub reason: String,
}

/// An application's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// For a registration.
    Registration(Particulars),
    /// For a change.
    Change(Changes),
    /// For a deregistration.
    Deregistration(Deregistration),
}

impl Content {
    /// Its kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        match self {
            Self::Registration(_) => Kind::Registration,
            Self::Change(_) => Kind::Change,
            Self::Deregistration(_) => Kind::Deregistration,
        }
    }

    /// As stored.
    #[must_use]
    pub fn to_json(&self) -> String {
        let v = match self {
            Self::Registration(p) => serde_json::to_string(p),
            Self::Change(c) => serde_json::to_string(c),
            Self::Deregistration(d) => serde_json::to_string(d),
        };
        v.unwrap_or_default()
    }

    /// From storage.
    ///
    /// # Errors
    /// When the stored JSON does not fit the kind (a bug or a hand edit).
    pub fn from_json(kind: Kind, json: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            Kind::Registration => Self::Registration(serde_json::from_str(json)?),
            Kind::Change => Self::Change(serde_json::from_str(json)?),
            Kind::Deregistration => Self::Deregistration(serde_json::from_str(json)?),
        })
    }

    /// Tidies the text (trims) and returns every shape problem.
    #[must_use]
    pub fn normalize(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match self {
            Self::Registration(p) => {
                p.name = p.name.trim().to_owned();
                p.division_code = p.division_code.trim().to_owned();
                p.address = p.address.trim().to_owned();
                p.legal_representative = p.legal_representative.trim().to_owned();
                p.business_scope = p.business_scope.trim().to_owned();
                p.supervising_unit = p
                    .supervising_unit
                    .take()
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty());
                check_len(&mut errors, "name", &p.name, 1, 200);
                if !OrgType::KINDS.contains(&p.org_type.as_str()) {
                    errors.push(FieldError::new(
                        "org_type",
                        "unknown_org_type",
                        "type must be social_group, foundation or social_service_agency",
                    ));
                }
                if p.org_type != "foundation" {
                    p.public_offering = false;
                }
                if AuthorityLevel::of_division(&p.division_code).is_none() {
                    errors.push(unknown_division());
                }
                if Field::parse(&p.field).is_none() {
                    errors.push(FieldError::new(
                        "field",
                        "unknown_field",
                        format!("field must be one of {}", Field::NAMES.join(", ")),
                    ));
                }
                if let Some(u) = &p.supervising_unit {
                    check_len(&mut errors, "supervising_unit", u, 1, 200);
                }
                check_len(&mut errors, "address", &p.address, 0, 300);
                check_len(
                    &mut errors,
                    "legal_representative",
                    &p.legal_representative,
                    0,
                    100,
                );
                check_len(&mut errors, "business_scope", &p.business_scope, 0, 2000);
                check_funds(&mut errors, p.funds_fen);
            }
            Self::Change(c) => {
                for (field, value, max) in [
                    ("name", &mut c.name, 200),
                    ("address", &mut c.address, 300),
                    ("legal_representative", &mut c.legal_representative, 100),
                    ("business_scope", &mut c.business_scope, 2000),
                ] {
                    *value = value
                        .take()
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty());
                    if let Some(v) = value {
                        check_len(&mut errors, field, v, 1, max);
                    }
                }
                if let Some(f) = c.funds_fen {
                    check_funds(&mut errors, f);
                }
            }
            Self::Deregistration(d) => {
                d.reason = d.reason.trim().to_owned();
                check_len(&mut errors, "reason", &d.reason, 0, 2000);
            }
        }
        errors
    }
}

impl Particulars {
    /// The facts the registration rules read; `None` when the shape checks
    /// have not passed (unknown type, division or field).
    #[must_use]
    pub fn facts(&self) -> Option<RegistrationFacts> {
        let org_type = OrgType::from_parts(&self.org_type, self.public_offering)?;
        let funds = Fen(self.funds_fen);
        Some(RegistrationFacts {
            org_type,
            level: AuthorityLevel::of_division(&self.division_code)?,
            division_code: self.division_code.clone(),
            name: self.name.clone(),
            field: Field::parse(&self.field)?,
            supervising_unit: self.supervising_unit.clone(),
            original_fund: funds,
            activity_funds: funds,
            individual_members: self.individual_members,
            unit_members: self.unit_members,
        })
    }
}

/// The error for a division code not on the reference list.
#[must_use]
pub fn unknown_division() -> FieldError {
    FieldError::new(
        "division_code",
        "unknown_division",
        "division code must be 100000 (national) or a 6-digit code from the administrative division list",
    )
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if n < min || n > max {
        let message = if min == 0 {
            format!("{field} may have at most {max} characters")
        } else {
            format!("{field} must have {min} to {max} characters")
        };
        errors.push(FieldError::new(field, "length", message));
    }
}

fn check_funds(errors: &mut Vec<FieldError>, fen: i64) {
    if fen < 0 {
        errors.push(FieldError::new(
            "funds_fen",
            "negative_amount",
            "funds cannot be negative",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_tidied_and_each_shape_problem_names_its_field() {
        let mut c = Content::Registration(Particulars {
            name: "  武汉市阳光养老服务中心 ".into(),
            org_type: "social_service_agency".into(),
            public_offering: true,
            division_code: "420100".into(),
            field: "community_service".into(),
            supervising_unit: Some("  ".into()),
            ..Particulars::default()
        });
        assert!(c.normalize().is_empty());
        let Content::Registration(p) = &c else {
            unreachable!()
        };
        assert_eq!(p.name, "武汉市阳光养老服务中心");
        assert!(!p.public_offering, "only foundations offer publicly");
        assert_eq!(p.supervising_unit, None);

        let mut bad = Content::Registration(Particulars {
            name: String::new(),
            org_type: "club".into(),
            division_code: "999999".into(),
            field: "sports".into(),
            funds_fen: -1,
            ..Particulars::default()
        });
        let fields: Vec<_> = bad.normalize().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["name", "org_type", "division_code", "field", "funds_fen"]
        );
    }

    #[test]
    fn content_round_trips_through_storage() {
        let c = Content::Change(Changes {
            address: Some("武汉市江岸区".into()),
            ..Changes::default()
        });
        assert_eq!(Content::from_json(Kind::Change, &c.to_json()).unwrap(), c);
        assert!(Content::from_json(Kind::Registration, "[]").is_err());
    }
}
