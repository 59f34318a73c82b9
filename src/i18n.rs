//! Languages and their message catalogues (Fluent, through
//! fluent-templates): zh-CN by default, and en. Used by the pages, the
//! notifications and their mail alike; knows nothing of HTTP or of any
//! area. On the pages the language comes from the `cogov_lang` cookie the
//! language selector sets, else from `Accept-Language`; a person's
//! notifications and mail use theirs. Templates say `{{t "key"}}`, with
//! arguments as hash parameters: `{{t "greeting" name=viewer.display_name}}`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
};

/// The translation catalogues under `templates/locales/`, compiled in.
mod catalogue {
    fluent_templates::static_loader! {
        pub static LOCALES = {
            locales: "./templates/locales",
            fallback_language: "zh-CN",
            customise: |bundle| bundle.set_use_isolating(false),
        };
    }
}
use catalogue::LOCALES;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Tag as used in cookies, URLs and `<html lang>`.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a tag we serve.
    #[must_use]
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "zh-CN" | "zh" | "zh-Hans" | "zh-Hans-CN" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the first language of an `Accept-Language` header we serve.
    #[must_use]
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut offers: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(";q=");
                let tag = it.next()?.trim();
                let q = it.next().and_then(|q| q.trim().parse().ok()).unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0));
        offers.into_iter().find_map(|(_, tag)| {
            Lang::from_tag(tag).or_else(|| match tag.split('-').next() {
                Some("zh") => Some(Lang::ZhCn),
                Some("en") => Some(Lang::En),
                _ => None,
            })
        })
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::ZhCn => fluent_templates::langid!("zh-CN"),
            Lang::En => fluent_templates::langid!("en"),
        }
    }

    /// Translates `key`; `None` when the catalogue lacks it.
    #[must_use]
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }

    /// Translates `key` with string arguments; `None` when the catalogue lacks it.
    #[must_use]
    pub fn try_t_with(self, key: &str, args: &[(&str, String)]) -> Option<String> {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES.try_lookup_with_args(&self.id(), key, &args)
    }
}

/// The `t` helper: looks the key up in the language named by the context's `lang`.
pub struct TranslateHelper;

impl HelperDef for TranslateHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang = ctx
            .data()
            .get("lang")
            .and_then(|l| l.as_str())
            .and_then(Lang::from_tag)
            .ok_or_else(|| RenderErrorReason::Other("the view model has no `lang`".into()))?;
        let args: HashMap<Cow<'static, str>, FluentValue> = h
            .hash()
            .iter()
            .map(|(k, v)| {
                let value = match v.value() {
                    serde_json::Value::String(s) => FluentValue::from(s.clone()),
                    serde_json::Value::Number(n) => {
                        n.as_f64().map_or(FluentValue::None, FluentValue::from)
                    }
                    other => FluentValue::from(other.to_string()),
                };
                (Cow::Owned((*k).to_owned()), value)
            })
            .collect();
        let text = LOCALES
            .try_lookup_with_args(&lang.id(), key, &args)
            .ok_or_else(|| RenderErrorReason::Other(format!("no translation for `{key}`")))?;
        out.write(&text)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality_we_serve() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1, zh-TW;q=0.8, en;q=0.5"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let keys = |catalogue: &str| -> std::collections::BTreeSet<String> {
            catalogue
                .lines()
                .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.starts_with(' '))
                .collect()
        };
        let zh = keys(include_str!("../templates/locales/zh-CN/main.ftl"));
        let en = keys(include_str!("../templates/locales/en/main.ftl"));
        assert!(!zh.is_empty());
        assert_eq!(
            zh.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in en"
        );
        assert_eq!(
            en.difference(&zh).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in zh-CN"
        );
    }
}
