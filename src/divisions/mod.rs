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

/// The provinces' names in English, by code.
const PROVINCES_EN: [(&str, &str); 31] = [
    ("110000", "Beijing"),
    ("120000", "Tianjin"),
    ("130000", "Hebei"),
    ("140000", "Shanxi"),
    ("150000", "Inner Mongolia"),
    ("210000", "Liaoning"),
    ("220000", "Jilin"),
    ("230000", "Heilongjiang"),
    ("310000", "Shanghai"),
    ("320000", "Jiangsu"),
    ("330000", "Zhejiang"),
    ("340000", "Anhui"),
    ("350000", "Fujian"),
    ("360000", "Jiangxi"),
    ("370000", "Shandong"),
    ("410000", "Henan"),
    ("420000", "Hubei"),
    ("430000", "Hunan"),
    ("440000", "Guangdong"),
    ("450000", "Guangxi"),
    ("460000", "Hainan"),
    ("500000", "Chongqing"),
    ("510000", "Sichuan"),
    ("520000", "Guizhou"),
    ("530000", "Yunnan"),
    ("540000", "Xizang"),
    ("610000", "Shaanxi"),
    ("620000", "Gansu"),
    ("630000", "Qinghai"),
    ("640000", "Ningxia"),
    ("650000", "Xinjiang"),
];

/// The national code: the Ministry of Civil Affairs registers nationwide.
pub const NATIONAL: &str = "100000";

/// The province a division lies in.
fn province_of(code: &str) -> Option<&'static Division> {
    lookup(&format!("{}0000", code.get(..2)?))
}

/// Whether a province is a municipality (北京市, 天津市, 上海市, 重庆市).
fn municipality(province: &Division) -> bool {
    province.name.ends_with('市')
}

/// A division's name in English where it has one (the provinces); below
/// them the Chinese name, a proper name, with its province in English:
/// `Hubei`, `武汉市江岸区, Hubei`, `Nationwide`.
#[must_use]
pub fn english_name(code: &str) -> Option<String> {
    if code == NATIONAL {
        return Some("Nationwide".into());
    }
    let province = province_of(code)?;
    let en = PROVINCES_EN
        .iter()
        .find(|(c, _)| *c == province.code)
        .map(|(_, n)| *n)?;
    Some(if code == province.code {
        en.to_owned()
    } else {
        format!("{}, {en}", display_name(code)?)
    })
}

/// The registration authority of a division, as people name it: the
/// civil-affairs department at that level. `中华人民共和国民政部` for the
/// national code, `湖北省民政厅` for a province (`北京市民政局` for a
/// municipality), `武汉市民政局`, `武汉市江岸区民政局`.
#[must_use]
pub fn authority_name(code: &str) -> Option<String> {
    if code == NATIONAL {
        return Some("中华人民共和国民政部".into());
    }
    let d = lookup(code)?;
    let province = province_of(code)?;
    Some(if d.level == Level::Province && !municipality(province) {
        format!("{}民政厅", d.name)
    } else {
        format!("{}民政局", display_name(code)?)
    })
}

/// [`authority_name`] in English.
#[must_use]
pub fn authority_name_en(code: &str) -> Option<String> {
    if code == NATIONAL {
        return Some("Ministry of Civil Affairs".into());
    }
    let d = lookup(code)?;
    let province = province_of(code)?;
    let place = english_name(code)?;
    Some(match d.level {
        Level::Province if municipality(province) => {
            format!("{place} Municipal Civil Affairs Bureau")
        }
        Level::Province => format!("{place} Department of Civil Affairs"),
        _ => format!("Civil Affairs Bureau of {place}"),
    })
}

/// The registration authorities a person chooses from, by province: the
/// Ministry first, then each province's department, its cities' and its
/// counties' bureaus, in code order. Placeholder rows (市辖区, 县) are
/// left out: the municipality's own bureau stands for them.
#[must_use]
pub fn authorities() -> &'static [(&'static Division, Vec<&'static Division>)] {
    static GROUPS: LazyLock<Vec<(&'static Division, Vec<&'static Division>)>> =
        LazyLock::new(|| {
            let placeholder = |d: &Division| {
                d.level == Level::City
                    && (matches!(d.name, "市辖区" | "县") || d.name.ends_with("直辖县级行政区划"))
            };
            let mut groups: Vec<(&'static Division, Vec<&'static Division>)> = ALL
                .iter()
                .filter(|d| d.level == Level::Province)
                .map(|p| (p, Vec::new()))
                .collect();
            for d in ALL.iter().filter(|d| !placeholder(d)) {
                if let Some((_, members)) = groups
                    .iter_mut()
                    .find(|(p, _)| p.code.get(..2) == d.code.get(..2))
                {
                    members.push(d);
                }
            }
            for (_, members) in &mut groups {
                members.sort_by_key(|d| d.code);
            }
            groups
        });
    &GROUPS
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

#[cfg(test)]
mod authority_tests {
    use super::*;

    #[test]
    fn authorities_are_named_as_people_name_them() {
        assert_eq!(
            authority_name("100000").as_deref(),
            Some("中华人民共和国民政部")
        );
        assert_eq!(authority_name("420000").as_deref(), Some("湖北省民政厅"));
        assert_eq!(authority_name("110000").as_deref(), Some("北京市民政局"));
        assert_eq!(authority_name("420100").as_deref(), Some("武汉市民政局"));
        assert_eq!(
            authority_name("420102").as_deref(),
            Some("武汉市江岸区民政局")
        );
        assert_eq!(
            authority_name("110101").as_deref(),
            Some("北京市东城区民政局")
        );
        assert_eq!(authority_name("999999"), None);
        assert_eq!(
            authority_name_en("420000").as_deref(),
            Some("Hubei Department of Civil Affairs")
        );
        assert_eq!(
            authority_name_en("110000").as_deref(),
            Some("Beijing Municipal Civil Affairs Bureau")
        );
        assert_eq!(
            authority_name_en("420102").as_deref(),
            Some("Civil Affairs Bureau of 武汉市江岸区, Hubei")
        );
        assert_eq!(english_name("450000").as_deref(), Some("Guangxi"));
    }

    #[test]
    fn every_division_but_the_placeholders_is_an_authority_to_choose() {
        let groups = authorities();
        assert_eq!(groups.len(), 31);
        let total: usize = groups.iter().map(|(_, m)| m.len()).sum();
        assert_eq!(total, 3351 - 9, "all but the nine placeholder rows");
        let (hubei, members) = groups.iter().find(|(p, _)| p.code == "420000").unwrap();
        assert_eq!(hubei.name, "湖北省");
        assert_eq!(
            members[0].code, "420000",
            "the province's own department first"
        );
        assert!(members.iter().all(|d| authority_name(d.code).is_some()));
        assert!(
            PROVINCES_EN
                .iter()
                .all(|(c, _)| lookup(c).is_some_and(|d| d.level == Level::Province))
        );
    }
}
