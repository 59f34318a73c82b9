//! The Unified Social Credit Code (统一社会信用代码, GB 32100-2015).
//!
//! 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z):
//! 1 registration department (`5` = civil affairs), 2 category, 3-8 division
//! code, 9-17 organization code (GB 11714, with its own check in 17), 18 the
//! check character over 1-17. A [`Uscc`] that exists passed both checks.

use std::fmt;
use std::str::FromStr;

/// The 31 characters a code may use, in value order.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of characters 1-17 for the check character: `3^(i-1) mod 31`.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Weights of the organization code's first 8 characters (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a string is not a valid code. The message says which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not 18 characters.
    #[error("a USCC has 18 characters, this has {0}")]
    Length(usize),
    /// A character outside the set (I, O, S, V, Z, lower case, punctuation...).
    #[error("character {position} (`{found}`) is not allowed in a USCC")]
    Character {
        /// 1-based position.
        position: usize,
        /// The character.
        found: char,
    },
    /// Character 17 does not match the organization code's check (GB 11714).
    #[error(
        "the organization code check (character 17) fails: expected `{expected}`, found `{found}`"
    )]
    OrganizationCheck {
        /// What characters 9-16 call for.
        expected: char,
        /// What the code has.
        found: char,
    },
    /// The division code given to the generator is not 6 digits.
    #[error("the division code must be 6 digits, not `{0}`")]
    Division(String),
    /// The generator's sequence has more than 6 digits.
    #[error("the sequence {0} has more than 6 digits")]
    Sequence(u32),
    /// Character 18 does not match the check over characters 1-17.
    #[error("the check character (character 18) fails: expected `{expected}`, found `{found}`")]
    CheckCharacter {
        /// What characters 1-17 call for.
        expected: char,
        /// What the code has.
        found: char,
    },
}

/// Category of a civil-affairs registration (character 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `1`: social group.
    SocialGroup,
    /// `2`: social service agency.
    SocialServiceAgency,
    /// `3`: foundation.
    Foundation,
    /// `9`: other.
    Other,
}

impl Category {
    /// The character that stands for the category.
    #[must_use]
    pub fn char(self) -> char {
        match self {
            Category::SocialGroup => '1',
            Category::SocialServiceAgency => '2',
            Category::Foundation => '3',
            Category::Other => '9',
        }
    }
}

/// A valid Unified Social Credit Code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Uscc(String);

fn value(c: char) -> Option<u32> {
    CHARSET.find(c).and_then(|i| u32::try_from(i).ok())
}

fn char_of(v: u32) -> char {
    CHARSET.chars().nth(v as usize).unwrap_or('0')
}

/// The GB 11714 check character over the organization code's first 8
/// characters (digits as themselves, letters A=10 ... Z=35).
fn org_check(body: &[char]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in body.iter().zip(ORG_WEIGHTS) {
        sum += c.to_digit(36)? * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10)?,
    })
}

/// The check character over characters 1-17.
fn main_check(first17: &[char]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    Some(char_of((31 - sum % 31) % 31))
}

impl Uscc {
    /// Parses a code, checking the character set and both check characters.
    /// Surrounding spaces are ignored; letters must be upper case.
    ///
    /// # Errors
    /// The first rule the string breaks, named.
    pub fn parse(s: &str) -> Result<Self, UsccError> {
        let s = s.trim();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(UsccError::Length(chars.len()));
        }
        if let Some((i, c)) = chars.iter().enumerate().find(|(_, c)| value(**c).is_none()) {
            return Err(UsccError::Character {
                position: i + 1,
                found: *c,
            });
        }
        let expected = org_check(&chars[8..16]).unwrap_or('?');
        if expected != chars[16] {
            return Err(UsccError::OrganizationCheck {
                expected,
                found: chars[16],
            });
        }
        let expected = main_check(&chars[..17]).unwrap_or('?');
        if expected != chars[17] {
            return Err(UsccError::CheckCharacter {
                expected,
                found: chars[17],
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// A new civil-affairs code: `5`, the category, the 6-digit division code,
    /// `MJ` and a 6-digit sequence, and both check characters.
    ///
    /// # Errors
    /// `Division` when the division code is not 6 digits, `Sequence` when the
    /// sequence has more than 6 digits.
    pub fn generate(category: Category, division: &str, sequence: u32) -> Result<Self, UsccError> {
        if division.len() != 6 || !division.chars().all(|c| c.is_ascii_digit()) {
            return Err(UsccError::Division(division.to_owned()));
        }
        if sequence > 999_999 {
            return Err(UsccError::Sequence(sequence));
        }
        let mut chars: Vec<char> = format!("5{}{division}MJ{sequence:06}", category.char())
            .chars()
            .collect();
        chars.push(org_check(&chars[8..16]).unwrap_or('0'));
        chars.push(main_check(&chars).unwrap_or('0'));
        Self::parse(&chars.into_iter().collect::<String>())
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters 3-8: the administrative division code.
    #[must_use]
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

/// Whom a code is recorded for: what its characters 1-8 must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder<'a> {
    /// A social organization registered by civil affairs: character 1 `5`,
    /// character 2 its category; with `division`, characters 3-8 the
    /// registration authority's division (a code issued now). Without, the
    /// division is not compared: codes of long-registered organizations keep
    /// the division they were issued under after renumberings.
    Organization {
        /// The organization's category.
        category: Category,
        /// The registration authority's division code, when it must agree.
        division: Option<&'a str>,
    },
    /// A government department: character 1 `1` (the establishment
    /// authority), characters 3-8 its division.
    Department {
        /// The department's division code.
        division: &'a str,
    },
}

/// Why a valid code does not belong to whom it is recorded for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderError {
    /// Character 1 names another registration department.
    #[error(
        "character 1 of the code is `{found}`: codes issued by {issuer} start with `{expected}`"
    )]
    Issuer {
        /// What the holder's codes start with.
        expected: char,
        /// Who issues such codes, in words.
        issuer: &'static str,
        /// What the code has.
        found: char,
    },
    /// Character 2 names another category.
    #[error("character 2 of the code is `{found}`, which is not {kind} (`{expected}`)")]
    Category {
        /// The holder's category character.
        expected: char,
        /// The holder's kind, in words.
        kind: &'static str,
        /// What the code has.
        found: char,
    },
    /// Characters 3-8 name another division.
    #[error(
        "characters 3-8 of the code are `{found}`, not the division `{expected}` it is issued in"
    )]
    Division {
        /// The holder's division.
        expected: String,
        /// What the code has.
        found: String,
    },
}

impl Category {
    fn kind(self) -> &'static str {
        match self {
            Category::SocialGroup => "a social group",
            Category::SocialServiceAgency => "a social service agency",
            Category::Foundation => "a foundation",
            Category::Other => "another kind of organization",
        }
    }
}

impl Uscc {
    /// Whether the code says what it must about `holder`: the one rule for
    /// every place a code enters (approval, import, departments).
    ///
    /// # Errors
    /// The first character group that disagrees, named.
    pub fn check_holder(&self, holder: Holder<'_>) -> Result<(), HolderError> {
        let c: Vec<char> = self.0.chars().collect();
        let (issuer_char, issuer, division) = match holder {
            Holder::Organization { category, division } => {
                if c[1] != category.char() {
                    return Err(HolderError::Category {
                        expected: category.char(),
                        kind: category.kind(),
                        found: c[1],
                    });
                }
                ('5', "civil affairs", division)
            }
            Holder::Department { division } => ('1', "the establishment authority", Some(division)),
        };
        if c[0] != issuer_char {
            return Err(HolderError::Issuer {
                expected: issuer_char,
                issuer,
                found: c[0],
            });
        }
        match division {
            Some(d) if self.division_code() != d => Err(HolderError::Division {
                expected: d.to_owned(),
                found: self.division_code().to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The code an organization is recorded with: a standard one, or a legacy
/// pilot-region code that fails the checks, accepted only by a registrar's
/// explicit override with a reason (which the audit entry keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedCode {
    /// Passes both checks.
    Standard(Uscc),
    /// Fails a check; recorded on purpose.
    Legacy {
        /// The code as issued.
        code: String,
        /// Why the registrar accepted it.
        reason: String,
        /// The check it fails, for the record.
        fails: UsccError,
    },
}

impl RecordedCode {
    /// A code a registrar types in. Without `override_reason` it must pass
    /// both checks; with one, a code that fails only a check (not the length
    /// or the character set) is recorded as legacy. A code that passes needs
    /// no override and is recorded as standard.
    ///
    /// # Errors
    /// The check that fails, when there is no override reason; `Length` or
    /// `Character` even with one; `LegacyReason` when the reason is blank.
    pub fn from_registrar(code: &str, override_reason: Option<&str>) -> Result<Self, LegacyError> {
        match (Uscc::parse(code), override_reason) {
            (Ok(u), _) => Ok(Self::Standard(u)),
            (Err(e), None) => Err(LegacyError::Invalid(e)),
            (Err(e @ (UsccError::Length(_) | UsccError::Character { .. })), Some(_)) => {
                Err(LegacyError::Invalid(e))
            }
            (Err(_), Some(reason)) if reason.trim().is_empty() => Err(LegacyError::ReasonRequired),
            (Err(fails), Some(reason)) => Ok(Self::Legacy {
                code: code.trim().to_owned(),
                reason: reason.trim().to_owned(),
                fails,
            }),
        }
    }

    /// The code as recorded.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Standard(u) => u.as_str(),
            Self::Legacy { code, .. } => code,
        }
    }
}

/// Why a registrar's code was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyError {
    /// The code is not acceptable (and an override cannot fix this).
    #[error("{0}")]
    Invalid(UsccError),
    /// An override needs a reason.
    #[error("recording a code that fails the standard needs a reason")]
    ReasonRequired,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_legacy_code_needs_an_override_with_a_reason() {
        let failing = "53100000500021676A";
        assert!(matches!(
            RecordedCode::from_registrar(failing, None),
            Err(LegacyError::Invalid(UsccError::CheckCharacter { .. }))
        ));
        assert_eq!(
            RecordedCode::from_registrar(failing, Some("  ")),
            Err(LegacyError::ReasonRequired)
        );
        let recorded =
            RecordedCode::from_registrar(failing, Some("2014 pilot code, certificate seen"))
                .unwrap();
        assert_eq!(recorded.as_str(), failing);
        assert!(matches!(
            recorded,
            RecordedCode::Legacy {
                fails: UsccError::CheckCharacter { .. },
                ..
            }
        ));
        assert!(matches!(
            RecordedCode::from_registrar("531000005000216", Some("reason")),
            Err(LegacyError::Invalid(UsccError::Length(15)))
        ));
        assert!(matches!(
            RecordedCode::from_registrar("53100000500021676K", Some("not needed")),
            Ok(RecordedCode::Standard(_))
        ));
    }

    #[test]
    fn a_code_must_say_what_its_holder_is() {
        let foundation = Uscc::parse("53100000500021676K").unwrap();
        let agency = Uscc::parse("52420000MJH23339XT").unwrap();
        let org = |category, division| Holder::Organization { category, division };
        assert_eq!(
            foundation.check_holder(org(Category::Foundation, Some("100000"))),
            Ok(())
        );
        assert!(matches!(
            foundation.check_holder(org(Category::SocialServiceAgency, None)),
            Err(HolderError::Category {
                expected: '2',
                found: '3',
                ..
            })
        ));
        assert!(matches!(
            agency.check_holder(org(Category::SocialServiceAgency, Some("420100"))),
            Err(HolderError::Division { .. })
        ));
        assert_eq!(
            agency.check_holder(org(Category::SocialServiceAgency, None)),
            Ok(())
        );
        let dept = Uscc::parse("111100000000203007").unwrap();
        assert_eq!(
            dept.check_holder(Holder::Department { division: "110000" }),
            Ok(())
        );
        assert!(matches!(
            dept.check_holder(Holder::Department { division: "420000" }),
            Err(HolderError::Division { .. })
        ));
        assert!(matches!(
            agency.check_holder(Holder::Department { division: "420000" }),
            Err(HolderError::Issuer {
                expected: '1',
                found: '5',
                ..
            })
        ));
        let message = foundation
            .check_holder(org(Category::SocialServiceAgency, None))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("character 2") && message.contains("social service agency"),
            "{message}"
        );
    }

    #[test]
    fn the_design_examples_are_valid() {
        for code in [
            "53100000500021676K",
            "51420000MJH200395N",
            "52420000MJH23339XT",
        ] {
            let parsed = Uscc::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(parsed.as_str(), code);
        }
        assert_eq!(
            Uscc::parse("51420000MJH200395N").unwrap().division_code(),
            "420000"
        );
    }

    #[test]
    fn each_failure_names_its_check() {
        assert_eq!(Uscc::parse("5310000050002167"), Err(UsccError::Length(16)));
        assert_eq!(
            Uscc::parse("53100000500021676I"),
            Err(UsccError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert_eq!(
            Uscc::parse("53100000500021677K"),
            Err(UsccError::OrganizationCheck {
                expected: '6',
                found: '7'
            })
        );
        assert!(matches!(
            Uscc::parse("53100000500021676A"),
            Err(UsccError::CheckCharacter {
                expected: 'K',
                found: 'A'
            })
        ));
        let message = Uscc::parse("53100000500021676A").unwrap_err().to_string();
        assert!(message.contains("character 18"), "{message}");
    }

    #[test]
    fn generated_codes_carry_category_and_division() {
        let code = Uscc::generate(Category::Foundation, "110000", 42).unwrap();
        assert!(code.as_str().starts_with("53110000MJ000042"));
        assert_eq!(
            Uscc::generate(Category::SocialGroup, "11000", 1),
            Err(UsccError::Division("11000".into()))
        );
        assert_eq!(
            Uscc::generate(Category::SocialGroup, "11000A", 1),
            Err(UsccError::Division("11000A".into()))
        );
        assert_eq!(
            Uscc::generate(Category::SocialGroup, "110000", 1_000_000),
            Err(UsccError::Sequence(1_000_000))
        );
    }

    fn category() -> impl Strategy<Value = Category> {
        prop_oneof![
            Just(Category::SocialGroup),
            Just(Category::SocialServiceAgency),
            Just(Category::Foundation),
            Just(Category::Other),
        ]
    }

    proptest! {
        #[test]
        fn every_generated_code_parses(cat in category(), division in "[0-9]{6}", seq in 0u32..=999_999) {
            let code = Uscc::generate(cat, &division, seq).unwrap();
            prop_assert_eq!(Uscc::parse(code.as_str()), Ok(code.clone()));
        }

        #[test]
        fn any_single_character_change_is_caught(
            cat in category(),
            division in "[0-9]{6}",
            seq in 0u32..=999_999,
            position in 0usize..18,
            replacement in prop::char::range('0', 'z'),
        ) {
            let code = Uscc::generate(cat, &division, seq).unwrap();
            let mut chars: Vec<char> = code.as_str().chars().collect();
            prop_assume!(chars[position] != replacement);
            chars[position] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(Uscc::parse(&changed).is_err(), "{} was accepted", changed);
        }
    }
}
