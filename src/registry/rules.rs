//! The registration rules of DESIGN.md as plain functions: given the facts of
//! an application, every rule it breaks, each naming itself (the `code`) and
//! the field it is about. Checked at submit; name uniqueness, which needs the
//! database, is checked by the service that calls these.

use crate::divisions::{self, Level};
use crate::error::FieldError;
use crate::money::Fen;
use crate::registry::uscc::Category;

/// Kind of organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgType {
    /// 社会团体.
    SocialGroup,
    /// 基金会; public-offering ones may raise funds from the public.
    Foundation {
        /// 公募.
        public_offering: bool,
    },
    /// 社会服务机构 (formerly private non-enterprise unit).
    SocialServiceAgency,
}

/// Level of the registration authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityLevel {
    /// Ministry of Civil Affairs (division code `100000`).
    National,
    /// Provincial civil-affairs department.
    Provincial,
    /// Municipal bureau.
    Municipal,
    /// County bureau.
    County,
}

/// Field of activity; four may register without a supervising unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// 行业协会商会.
    IndustryAssociation,
    /// 科技类.
    ScienceAndTechnology,
    /// 公益慈善类.
    PublicWelfare,
    /// 城乡社区服务类.
    CommunityService,
    /// Anything else (education, culture, health, sports, ...).
    Other,
}

impl Field {
    /// True for the four fields of direct registration (2013 reform).
    #[must_use]
    pub fn registers_directly(self) -> bool {
        !matches!(self, Field::Other)
    }
}

impl OrgType {
    /// Stored and wire names of the three kinds.
    pub const KINDS: [&'static str; 3] = ["social_group", "foundation", "social_service_agency"];

    /// From the stored kind and the public-offering flag (which only
    /// foundations keep).
    #[must_use]
    pub fn from_parts(kind: &str, public_offering: bool) -> Option<Self> {
        match kind {
            "social_group" => Some(Self::SocialGroup),
            "foundation" => Some(Self::Foundation { public_offering }),
            "social_service_agency" => Some(Self::SocialServiceAgency),
            _ => None,
        }
    }

    /// Stored name of the kind.
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Self::SocialGroup => "social_group",
            Self::Foundation { .. } => "foundation",
            Self::SocialServiceAgency => "social_service_agency",
        }
    }

    /// Public offering (false for anything but a public-offering foundation).
    #[must_use]
    pub fn public_offering(self) -> bool {
        matches!(
            self,
            Self::Foundation {
                public_offering: true
            }
        )
    }

    /// USCC character 2.
    #[must_use]
    pub fn category(self) -> Category {
        match self {
            Self::SocialGroup => Category::SocialGroup,
            Self::Foundation { .. } => Category::Foundation,
            Self::SocialServiceAgency => Category::SocialServiceAgency,
        }
    }
}

impl AuthorityLevel {
    /// Stored and wire names.
    pub const NAMES: [&'static str; 4] = ["national", "provincial", "municipal", "county"];

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national" => Some(Self::National),
            "provincial" => Some(Self::Provincial),
            "municipal" => Some(Self::Municipal),
            "county" => Some(Self::County),
            _ => None,
        }
    }

    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Provincial => "provincial",
            Self::Municipal => "municipal",
            Self::County => "county",
        }
    }

    /// The level whose authorities sit in divisions of this kind.
    #[must_use]
    pub fn of_division(code: &str) -> Option<Self> {
        if code == "100000" {
            return Some(Self::National);
        }
        divisions::lookup(code).map(|d| match d.level {
            Level::Province => Self::Provincial,
            Level::City => Self::Municipal,
            Level::County => Self::County,
        })
    }
}

impl Field {
    /// Stored and wire names.
    pub const NAMES: [&'static str; 5] = [
        "industry_association",
        "science_and_technology",
        "public_welfare",
        "community_service",
        "other",
    ];

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "industry_association" => Some(Self::IndustryAssociation),
            "science_and_technology" => Some(Self::ScienceAndTechnology),
            "public_welfare" => Some(Self::PublicWelfare),
            "community_service" => Some(Self::CommunityService),
            "other" => Some(Self::Other),
            _ => None,
        }
    }

    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IndustryAssociation => "industry_association",
            Self::ScienceAndTechnology => "science_and_technology",
            Self::PublicWelfare => "public_welfare",
            Self::CommunityService => "community_service",
            Self::Other => "other",
        }
    }
}

/// What the rules look at in a registration application.
#[derive(Debug, Clone)]
pub struct RegistrationFacts {
    /// Kind.
    pub org_type: OrgType,
    /// Authority level.
    pub level: AuthorityLevel,
    /// Authority's 6-digit division code.
    pub division_code: String,
    /// Proposed name.
    pub name: String,
    /// Field of activity.
    pub field: Field,
    /// 业务主管单位, if any.
    pub supervising_unit: Option<String>,
    /// Foundations: original fund.
    pub original_fund: Fen,
    /// Social groups: activity funds.
    pub activity_funds: Fen,
    /// Social groups: individual members.
    pub individual_members: u32,
    /// Social groups: unit members.
    pub unit_members: u32,
}

/// Words only national organizations may use in their names.
pub const NATIONAL_WORDS: [&str; 3] = ["中国", "全国", "中华"];

/// Minimum original fund of a foundation.
#[must_use]
pub fn foundation_minimum(level: AuthorityLevel, public_offering: bool) -> Fen {
    match (public_offering, level) {
        (true, AuthorityLevel::National) => Fen::yuan(8_000_000),
        (true, _) => Fen::yuan(4_000_000),
        (false, _) => Fen::yuan(2_000_000),
    }
}

/// Minimum activity funds of a social group.
#[must_use]
pub fn social_group_minimum(level: AuthorityLevel) -> Fen {
    match level {
        AuthorityLevel::National => Fen::yuan(100_000),
        _ => Fen::yuan(30_000),
    }
}

fn violation(field: &str, code: &str, message: String) -> FieldError {
    FieldError::new(field, code, message)
}

/// Every rule the application breaks (empty when it may be submitted).
#[must_use]
pub fn check_registration(f: &RegistrationFacts) -> Vec<FieldError> {
    let mut out = Vec::new();
    let division = divisions::lookup(&f.division_code);
    let division_fits = match f.level {
        AuthorityLevel::National => f.division_code == "100000",
        AuthorityLevel::Provincial => division.is_some_and(|d| d.level == Level::Province),
        AuthorityLevel::Municipal => division.is_some_and(|d| d.level == Level::City),
        AuthorityLevel::County => division.is_some_and(|d| d.level == Level::County),
    };
    if !division_fits {
        out.push(violation(
            "division_code",
            "division_level",
            format!(
                "division code `{}` is not a division of the authority's level",
                f.division_code
            ),
        ));
    }
    match f.org_type {
        OrgType::Foundation { public_offering } => {
            if !matches!(
                f.level,
                AuthorityLevel::National | AuthorityLevel::Provincial
            ) {
                out.push(violation(
                    "level",
                    "foundation_level",
                    "foundations register only at national or provincial level".into(),
                ));
            }
            let min = foundation_minimum(f.level, public_offering);
            if f.original_fund < min {
                out.push(violation(
                    "original_fund_fen",
                    "foundation_minimum_fund",
                    format!("this foundation needs an original fund of at least {min} yuan"),
                ));
            }
        }
        OrgType::SocialGroup => {
            if f.individual_members < 50 && f.unit_members < 30 {
                out.push(violation(
                    "members",
                    "social_group_members",
                    "a social group needs at least 50 individual members or 30 unit members".into(),
                ));
            }
            let min = social_group_minimum(f.level);
            if f.activity_funds < min {
                out.push(violation(
                    "activity_funds_fen",
                    "social_group_activity_funds",
                    format!("this social group needs activity funds of at least {min} yuan"),
                ));
            }
        }
        OrgType::SocialServiceAgency => {}
    }
    let has_unit = f
        .supervising_unit
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty());
    if !f.field.registers_directly() && !has_unit {
        out.push(violation(
            "supervising_unit",
            "supervising_unit_required",
            "outside the four direct-registration fields a supervising unit must be named".into(),
        ));
    }
    if f.level != AuthorityLevel::National
        && let Some(word) = NATIONAL_WORDS.iter().find(|w| f.name.contains(**w))
    {
        out.push(violation(
            "name",
            "reserved_national_word",
            format!("only national organizations may use `{word}` in their names"),
        ));
    }
    if f.name.trim().is_empty() {
        out.push(violation("name", "required", "the name is required".into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency() -> RegistrationFacts {
        RegistrationFacts {
            org_type: OrgType::SocialServiceAgency,
            level: AuthorityLevel::Municipal,
            division_code: "420100".into(),
            name: "武汉市阳光养老服务中心".into(),
            field: Field::CommunityService,
            supervising_unit: None,
            original_fund: Fen(0),
            activity_funds: Fen(0),
            individual_members: 0,
            unit_members: 0,
        }
    }

    fn codes(f: &RegistrationFacts) -> Vec<String> {
        check_registration(f).into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn a_community_service_agency_needs_no_supervising_unit() {
        assert!(codes(&agency()).is_empty(), "{:?}", codes(&agency()));
        let other = RegistrationFacts {
            field: Field::Other,
            ..agency()
        };
        assert_eq!(codes(&other), ["supervising_unit_required"]);
        let named = RegistrationFacts {
            supervising_unit: Some("武汉市卫生健康委员会".into()),
            ..other
        };
        assert!(codes(&named).is_empty());
    }

    #[test]
    fn foundations_register_only_nationally_or_provincially_with_their_minimum_fund() {
        let national_public = RegistrationFacts {
            org_type: OrgType::Foundation {
                public_offering: true,
            },
            level: AuthorityLevel::National,
            division_code: "100000".into(),
            name: "中国青少年发展基金会".into(),
            original_fund: Fen::yuan(8_000_000),
            ..agency()
        };
        assert!(
            codes(&national_public).is_empty(),
            "{:?}",
            codes(&national_public)
        );
        let short = RegistrationFacts {
            original_fund: Fen(Fen::yuan(8_000_000).0 - 1),
            ..national_public.clone()
        };
        assert_eq!(codes(&short), ["foundation_minimum_fund"]);
        let provincial_public = RegistrationFacts {
            level: AuthorityLevel::Provincial,
            division_code: "420000".into(),
            name: "湖北省青少年发展基金会".into(),
            original_fund: Fen::yuan(4_000_000),
            ..national_public.clone()
        };
        assert!(codes(&provincial_public).is_empty());
        let provincial_private = RegistrationFacts {
            org_type: OrgType::Foundation {
                public_offering: false,
            },
            original_fund: Fen::yuan(2_000_000),
            ..provincial_public.clone()
        };
        assert!(codes(&provincial_private).is_empty());
        let municipal = RegistrationFacts {
            level: AuthorityLevel::Municipal,
            division_code: "420100".into(),
            ..provincial_private
        };
        assert_eq!(codes(&municipal), ["foundation_level"]);
    }

    #[test]
    fn social_groups_need_members_and_activity_funds() {
        let group = RegistrationFacts {
            org_type: OrgType::SocialGroup,
            individual_members: 50,
            activity_funds: Fen::yuan(30_000),
            ..agency()
        };
        assert!(codes(&group).is_empty());
        let units = RegistrationFacts {
            individual_members: 10,
            unit_members: 30,
            ..group.clone()
        };
        assert!(codes(&units).is_empty());
        let thin = RegistrationFacts {
            individual_members: 49,
            unit_members: 29,
            activity_funds: Fen::yuan(29_999),
            ..group.clone()
        };
        assert_eq!(
            codes(&thin),
            ["social_group_members", "social_group_activity_funds"]
        );
        let national = RegistrationFacts {
            level: AuthorityLevel::National,
            division_code: "100000".into(),
            ..group
        };
        assert_eq!(
            codes(&national),
            ["social_group_activity_funds"],
            "100,000 yuan nationally"
        );
    }

    #[test]
    fn local_organizations_may_not_use_national_words() {
        for word in NATIONAL_WORDS {
            let f = RegistrationFacts {
                name: format!("武汉市{word}养老服务中心"),
                ..agency()
            };
            assert_eq!(codes(&f), ["reserved_national_word"], "{word}");
        }
    }

    #[test]
    fn the_division_must_match_the_authority_level() {
        let wrong = RegistrationFacts {
            division_code: "420000".into(),
            ..agency()
        };
        assert_eq!(codes(&wrong), ["division_level"]);
        let unknown = RegistrationFacts {
            division_code: "999999".into(),
            ..agency()
        };
        assert_eq!(codes(&unknown), ["division_level"]);
    }
}
