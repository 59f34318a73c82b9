//! Page templates: handlebars in strict mode, embedded in the binary
//! (`templates/`), or re-read from a directory on every render while
//! developing (`--dev-templates templates`).

use std::path::Path;

use handlebars::{DirectorySourceOptions, Handlebars};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::i18n::TranslateHelper;

/// Everything under `templates/`: `*.hbs`, `locales/`, `static/`.
#[derive(RustEmbed)]
#[folder = "templates/"]
pub struct Assets;

/// The compiled templates.
pub struct Templates {
    hb: Handlebars<'static>,
}

/// Small helpers the templates use: `eq`, `concat`, `len`.
mod helpers {
    use handlebars::handlebars_helper;
    handlebars_helper!(eq: |a: Json, b: Json| a == b);
    handlebars_helper!(concat: |a: str, b: str| format!("{a}{b}"));
    handlebars_helper!(len: |v: Json| v.as_array().map_or(0, Vec::len));
}
use helpers::{concat, eq, len};

impl Templates {
    /// Compiles the embedded templates, or registers `dev_dir` in dev mode.
    ///
    /// # Errors
    /// When a template does not compile.
    pub fn load(dev_dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_helper("t", Box::new(TranslateHelper));
        hb.register_helper("eq", Box::new(eq));
        hb.register_helper("len", Box::new(len));
        hb.register_helper("concat", Box::new(concat));
        if let Some(dir) = dev_dir {
            hb.set_dev_mode(true);
            hb.register_templates_directory(dir, DirectorySourceOptions::default())?;
        } else {
            for name in Assets::iter().filter(|n| n.ends_with(".hbs")) {
                let file = Assets::get(&name)
                    .ok_or_else(|| anyhow::anyhow!("embedded {name} vanished"))?;
                let source = std::str::from_utf8(&file.data)?;
                hb.register_template_string(name.trim_end_matches(".hbs"), source)?;
            }
        }
        Ok(Self { hb })
    }

    /// Renders template `name` (`pages/home`) with `data`.
    ///
    /// # Errors
    /// When the template is missing or reads a value the view model lacks.
    pub fn render<T: Serialize>(
        &self,
        name: &str,
        data: &T,
    ) -> Result<String, handlebars::RenderError> {
        self.hb.render(name, data)
    }
}
