//! Administrative divisions of mainland China (GB/T 2260), embedded from
//! `divisions.csv` (see `../shared/data/README.md`): registration
//! authorities, project regions, and USCC characters 3-8 use these codes.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省级.
    Province,
    /// 地级.
    City,
    /// 县级.
    County,
}

/// One division.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Division {
    /// 6-digit code.
    pub code: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// Level.
    pub level: Level,
    /// Parent's code, none for provinces.
    pub parent_code: Option<&'static str>,
}

static ALL: LazyLock<Vec<Division>> = LazyLock::new(|| {
    include_str!("divisions.csv")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            let code = f.next()?;
            let name = f.next()?;
            let level = match f.next()? {
                "province" => Level::Province,
                "city" => Level::City,
                "county" => Level::County,
                _ => return None,
            };
            let parent_code = f.next().filter(|p| !p.is_empty());
            Some(Division {
                code,
                name,
                level,
                parent_code,
            })
        })
        .collect()
});

static BY_CODE: LazyLock<HashMap<&'static str, &'static Division>> =
    LazyLock::new(|| ALL.iter().map(|d| (d.code, d)).collect());

/// The division with this code.
#[must_use]
pub fn lookup(code: &str) -> Option<&'static Division> {
    BY_CODE.get(code).copied()
}

/// Every division, in file order (provinces first).
#[must_use]
pub fn all() -> &'static [Division] {
    &ALL
}

/// How a person names the division: `湖北省`, `武汉市`, `武汉市江岸区`,
/// `北京市` for Beijing's city level (listed as 市辖区), `北京市东城区`;
/// `全国` for the national code `100000`.
#[must_use]
pub fn display_name(code: &str) -> Option<String> {
    if code == "100000" {
        return Some("全国".into());
    }
    let d = lookup(code)?;
    let placeholder =
        |name: &str| matches!(name, "市辖区" | "县") || name.ends_with("直辖县级行政区划");
    Some(match d.level {
        Level::Province => d.name.to_owned(),
        Level::City if placeholder(d.name) => display_name(d.parent_code?)?,
        Level::City => d.name.to_owned(),
        // A city without districts (东莞市) is listed as its own parent:
        // its province names it.
        Level::County if d.parent_code == Some(d.code) => {
            format!(
                "{}{}",
                display_name(&format!("{}0000", d.code.get(..2)?))?,
                d.name
            )
        }
        Level::County => format!("{}{}", display_name(d.parent_code?)?, d.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_list_loads_completely() {
        assert_eq!(all().len(), 3351);
        assert_eq!(lookup("110000").map(|d| d.name), Some("北京市"));
        assert_eq!(lookup("420000").map(|d| d.level), Some(Level::Province));
        assert!(lookup("999999").is_none());
    }

    #[test]
    fn divisions_read_as_people_name_them() {
        assert_eq!(display_name("420000").as_deref(), Some("湖北省"));
        assert_eq!(display_name("420100").as_deref(), Some("武汉市"));
        assert_eq!(display_name("420102").as_deref(), Some("武汉市江岸区"));
        assert_eq!(display_name("110100").as_deref(), Some("北京市"));
        assert_eq!(display_name("110101").as_deref(), Some("北京市东城区"));
        assert_eq!(display_name("100000").as_deref(), Some("全国"));
        assert_eq!(display_name("999999"), None);
        assert_eq!(display_name("441900").as_deref(), Some("广东省东莞市"));
    }

    #[test]
    fn every_division_has_a_name() {
        for d in all() {
            assert!(display_name(d.code).is_some(), "{}", d.code);
        }
    }
}
