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
}
