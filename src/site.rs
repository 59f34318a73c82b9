//! The site's identity, as the admin sets it: the name people see, the
//! host organization (主办单位), how to reach it, the ICP filing number
//! (备案号), and the privacy and accessibility statements; words in both
//! languages.
//!
//! Owns `site_settings` (one row per setting). Anyone reads it (every
//! page's header and footer, `GET /site`); only an admin sets it, all at
//! once, with its audit entry in the same transaction. A setting left
//! empty shows the built-in default (the catalogues' site name and
//! statements). Pages read a copy kept for [`KEEP_SECS`] seconds, so a page
//! costs no query for it: the instance that saved a change shows it at
//! once, another within that time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, OnConflict, Query};
use sea_orm::{ConnectionTrait, Statement};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Change};
use crate::auth::Actor;
use crate::auth::policy::{self, Action};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};

/// How long pages use a copy before reading the settings again.
pub const KEEP_SECS: u64 = 30;

/// The site's identity. Empty means "the default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, poem_openapi::Object)]
#[oai(rename = "SiteIdentity")]
pub struct Identity {
    /// The site's name in Chinese (the header, the titles).
    #[oai(default, validator(max_length = 100))]
    #[serde(default)]
    pub name_zh: String,
    /// The site's name in English.
    #[oai(default, validator(max_length = 100))]
    #[serde(default)]
    pub name_en: String,
    /// 主办单位: the organization that runs the site, in Chinese.
    #[oai(default, validator(max_length = 200))]
    #[serde(default)]
    pub host_zh: String,
    /// The host organization in English.
    #[oai(default, validator(max_length = 200))]
    #[serde(default)]
    pub host_en: String,
    /// How to reach the host (address, telephone, e-mail), in Chinese.
    #[oai(default, validator(max_length = 500))]
    #[serde(default)]
    pub contact_zh: String,
    /// How to reach the host, in English.
    #[oai(default, validator(max_length = 500))]
    #[serde(default)]
    pub contact_en: String,
    /// The ICP filing number (`京ICP备12345678号-1`), shown in the footer
    /// with a link to the filing register.
    #[oai(default, validator(max_length = 64))]
    #[serde(default)]
    pub icp: String,
    /// The privacy statement in Chinese (paragraphs separated by blank lines).
    #[oai(default, validator(max_length = 20000))]
    #[serde(default)]
    pub privacy_zh: String,
    /// The privacy statement in English.
    #[oai(default, validator(max_length = 20000))]
    #[serde(default)]
    pub privacy_en: String,
    /// The accessibility statement in Chinese.
    #[oai(default, validator(max_length = 20000))]
    #[serde(default)]
    pub accessibility_zh: String,
    /// The accessibility statement in English.
    #[oai(default, validator(max_length = 20000))]
    #[serde(default)]
    pub accessibility_en: String,
}

/// The longest value of a setting, in characters: (key, limit).
const LIMITS: [(&str, usize); 11] = [
    ("name_zh", 100),
    ("name_en", 100),
    ("host_zh", 200),
    ("host_en", 200),
    ("contact_zh", 500),
    ("contact_en", 500),
    ("icp", 64),
    ("privacy_zh", 20_000),
    ("privacy_en", 20_000),
    ("accessibility_zh", 20_000),
    ("accessibility_en", 20_000),
];

impl Identity {
    /// The settings as (key, value), in [`LIMITS`] order.
    fn pairs(&self) -> [(&'static str, &str); 11] {
        [
            ("name_zh", &self.name_zh),
            ("name_en", &self.name_en),
            ("host_zh", &self.host_zh),
            ("host_en", &self.host_en),
            ("contact_zh", &self.contact_zh),
            ("contact_en", &self.contact_en),
            ("icp", &self.icp),
            ("privacy_zh", &self.privacy_zh),
            ("privacy_en", &self.privacy_en),
            ("accessibility_zh", &self.accessibility_zh),
            ("accessibility_en", &self.accessibility_en),
        ]
    }

    fn from_map(mut m: HashMap<String, String>) -> Self {
        let mut take = |k: &str| m.remove(k).unwrap_or_default();
        Self {
            name_zh: take("name_zh"),
            name_en: take("name_en"),
            host_zh: take("host_zh"),
            host_en: take("host_en"),
            contact_zh: take("contact_zh"),
            contact_en: take("contact_en"),
            icp: take("icp"),
            privacy_zh: take("privacy_zh"),
            privacy_en: take("privacy_en"),
            accessibility_zh: take("accessibility_zh"),
            accessibility_en: take("accessibility_en"),
        }
    }

    /// Every value trimmed.
    fn trimmed(&self) -> Self {
        let m = self
            .pairs()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.trim().to_owned()))
            .collect();
        Self::from_map(m)
    }
}

/// Whether each setting is within its length.
///
/// # Errors
/// `Invalid` naming each setting too long.
pub fn check(identity: &Identity) -> Result<()> {
    let errors: Vec<FieldError> = identity
        .pairs()
        .iter()
        .zip(LIMITS)
        .filter(|((_, v), (_, max))| v.chars().count() > *max)
        .map(|((k, _), (_, max))| {
            FieldError::new(*k, "too_long", format!("at most {max} characters"))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// The settings as saved.
///
/// # Errors
/// The database's error.
pub async fn get<C: ConnectionTrait>(conn: &C) -> Result<Identity> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT key, value FROM site_settings",
        ))
        .await?;
    let m = rows
        .iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect::<Result<HashMap<String, String>>>()?;
    Ok(Identity::from_map(m))
}

/// The admin sets the whole identity (values trimmed; empty ones fall back
/// to the defaults).
///
/// # Errors
/// `Forbidden` for anyone but an admin; `Invalid` naming each setting too
/// long; the database's error.
pub async fn set(
    db: &Db,
    cache: &Cache,
    actor: &Actor,
    identity: &Identity,
    now: DateTime<Utc>,
) -> Result<Identity> {
    policy::check(Some(actor), Action::ConfigureSite)?;
    let identity = identity.trimmed();
    check(&identity)?;
    let tx = db.begin().await?;
    let before = get(&*tx).await?;
    let mut upsert = Query::insert();
    upsert
        .into_table(Alias::new("site_settings"))
        .columns([Alias::new("key"), Alias::new("value")]);
    for (k, v) in identity.pairs() {
        upsert.values_panic([k.into(), v.into()]);
    }
    upsert.on_conflict(
        OnConflict::column(Alias::new("key"))
            .update_column(Alias::new("value"))
            .to_owned(),
    );
    tx.execute_raw(tx.get_database_backend().build(&upsert))
        .await?;
    audit::append(
        &*tx,
        &actor.who(),
        Change::new(
            "site.update",
            "site",
            uuid::Uuid::nil(),
            Some(&serde_json::to_value(&before).unwrap_or_default()),
            Some(&serde_json::to_value(&identity).unwrap_or_default()),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    cache.put(identity.clone());
    Ok(identity)
}

/// The copy pages read ([`KEEP_SECS`]).
#[derive(Debug, Default)]
pub struct Cache {
    kept: RwLock<Option<(Arc<Identity>, Instant)>>,
}

impl Cache {
    /// The identity, read again when the copy is older than [`KEEP_SECS`];
    /// the last copy (or the defaults) when the database cannot answer.
    pub async fn current(&self, db: &Db) -> Arc<Identity> {
        let kept = self.kept.read().ok().and_then(|k| k.clone());
        if let Some((identity, at)) = &kept
            && at.elapsed() < Duration::from_secs(KEEP_SECS)
        {
            return identity.clone();
        }
        match get(db.conn()).await {
            Ok(identity) => self.put(identity),
            Err(e) => {
                tracing::warn!(error = %e, "site settings unreadable; showing the last known");
                kept.map_or_else(Arc::default, |(identity, _)| identity)
            }
        }
    }

    /// The copy as kept, without reading (the defaults before the first
    /// read): for pages made where nothing may wait, the error pages.
    pub fn peek(&self) -> Arc<Identity> {
        self.kept
            .read()
            .ok()
            .and_then(|k| k.as_ref().map(|(identity, _)| identity.clone()))
            .unwrap_or_default()
    }

    fn put(&self, identity: Identity) -> Arc<Identity> {
        let identity = Arc::new(identity);
        if let Ok(mut k) = self.kept.write() {
            *k = Some((identity.clone(), Instant::now()));
        }
        identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_has_its_limit_and_is_named_when_too_long() {
        let fine = Identity {
            icp: "京ICP备12345678号-1".into(),
            ..Identity::default()
        };
        assert!(check(&fine).is_ok());
        let long = Identity {
            icp: "备".repeat(65),
            name_en: "x".repeat(101),
            ..Identity::default()
        };
        let Err(Error::Invalid(errors)) = check(&long) else {
            panic!("too long passes");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name_en", "icp"]);
    }

    #[test]
    fn values_are_trimmed_and_every_key_kept() {
        let i = Identity {
            host_zh: "  某市民政局 \n".into(),
            ..Identity::default()
        }
        .trimmed();
        assert_eq!(i.host_zh, "某市民政局");
        assert_eq!(
            Identity::from_map(
                i.pairs()
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect()
            ),
            i
        );
    }
}
