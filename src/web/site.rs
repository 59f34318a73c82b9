//! The site's identity on the pages: the privacy and accessibility
//! statements anyone reads, and the admin's form that sets the identity
//! ([`crate::site`]).

use poem::web::{Data, Form};
use poem::{Response, handler};
use serde::Serialize;

use super::{ShownError, Viewer, act, or_fail, render, render_status, status_for};
use crate::app::AppState;
use crate::auth::policy::{self, Action};
use crate::error::Result;
use crate::i18n::Lang;
use crate::site::{self, Identity};

/// A statement: the admin's words by paragraph, or the built-in ones.
#[derive(Debug, Serialize)]
struct Statement {
    heading: String,
    paragraphs: Vec<String>,
    defaults: Vec<String>,
}

/// The statement `name` (`privacy`, `accessibility`): `text` if the admin
/// wrote one, else the catalogue's `<name>-default-1..=defaults`.
fn statement(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    text: &str,
    defaults: usize,
) -> Response {
    let heading = format!("{name}-title");
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let page = Statement {
        heading,
        defaults: if paragraphs.is_empty() {
            (1..=defaults)
                .map(|i| format!("{name}-default-{i}"))
                .collect()
        } else {
            Vec::new()
        },
        paragraphs,
    };
    render(
        state,
        viewer,
        "pages/statement",
        &page.heading.clone(),
        page,
    )
}

/// The privacy statement.
#[handler]
pub(super) async fn privacy(state: Data<&AppState>, viewer: Viewer) -> Response {
    let text = match viewer.lang {
        Lang::ZhCn => &viewer.site.privacy_zh,
        Lang::En => &viewer.site.privacy_en,
    };
    statement(&state, &viewer, "privacy", text, 4)
}

/// The accessibility statement.
#[handler]
pub(super) async fn accessibility(state: Data<&AppState>, viewer: Viewer) -> Response {
    let text = match viewer.lang {
        Lang::ZhCn => &viewer.site.accessibility_zh,
        Lang::En => &viewer.site.accessibility_en,
    };
    statement(&state, &viewer, "accessibility", text, 3)
}

#[derive(Debug, Serialize)]
struct SettingsPage {
    form: Identity,
    errors: Vec<ShownError>,
}

async fn settings_page(
    state: &AppState,
    viewer: &Viewer,
    form: Option<Identity>,
    errors: Vec<ShownError>,
) -> Result<Response> {
    policy::check(Some(viewer.actor()?), Action::ConfigureSite)?;
    let form = match form {
        Some(f) => f,
        None => site::get(state.db.conn()).await?,
    };
    let page = SettingsPage { form, errors };
    Ok(render_status(
        state,
        viewer,
        status_for(&page.errors),
        "pages/admin/site",
        "site-settings-title",
        page,
    ))
}

/// The admin's form.
#[handler]
pub(super) async fn settings(state: Data<&AppState>, viewer: Viewer) -> Response {
    let r = settings_page(&state, &viewer, None, vec![]).await;
    or_fail(&state, &viewer, r)
}

/// The form as typed, with its token.
#[derive(Debug, serde::Deserialize)]
pub(super) struct SettingsForm {
    csrf_token: String,
    #[serde(flatten)]
    identity: Identity,
}

/// The admin saves the identity.
#[handler]
pub(super) async fn save_settings(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> Response {
    let action = async {
        site::set(
            &state.db,
            &state.site,
            viewer.actor()?,
            &form.identity,
            state.clock.now(),
        )
        .await
        .map(drop)
    };
    act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/admin/site".to_owned(),
        async |e| settings_page(&state, &viewer, Some(form.identity.clone()), e).await,
    )
    .await
}
