//! Sign-up, sign-in, sign-out and the account page with API tokens.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query, Redirect};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    CsrfForm, SESSION_COOKIE, ShownError, Viewer, cookie, fail, form_errors, lifetime, local_path,
    render, render_status,
};
use crate::app::AppState;
use crate::auth::tokens::{self, Scope};
use crate::auth::{sessions, users};
use crate::error::Error;

#[derive(Debug, Default, Serialize)]
struct SignupPage {
    email: String,
    display_name: String,
    errors: Vec<ShownError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SignupForm {
    csrf_token: String,
    email: String,
    display_name: String,
    password: String,
}

#[handler]
pub(super) fn signup_form(state: Data<&AppState>, viewer: Viewer) -> Response {
    render(
        &state,
        &viewer,
        "pages/signup",
        "signup-title",
        SignupPage::default(),
    )
}

#[handler]
pub(super) async fn signup(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<SignupForm>,
) -> Response {
    if let Err(e) = viewer.check_csrf(&form.csrf_token) {
        return fail(&state, &viewer, e);
    }
    let signed_up = async {
        let now = state.clock.now();
        let user = users::sign_up(
            &state.db,
            &form.email,
            &form.display_name,
            &form.password,
            now,
        )
        .await?;
        // Notices and mails in the language of the page they signed up on.
        crate::notifications::language::at_sign_up(&state.db, &user, viewer.lang, now).await
    };
    match signed_up.await {
        Ok(()) => Redirect::see_other("/login?welcome=1").into_response(),
        Err(e) => match form_errors(viewer.lang, &e) {
            Some(errors) => render_status(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/signup",
                "signup-title",
                SignupPage {
                    email: form.email,
                    display_name: form.display_name,
                    errors,
                },
            ),
            None => fail(&state, &viewer, e),
        },
    }
}

#[derive(Debug, Default, Serialize)]
struct LoginPage {
    email: String,
    next: String,
    welcome: bool,
    reset: bool,
    error_key: Option<&'static str>,
    retry_after: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginQuery {
    next: Option<String>,
    welcome: Option<String>,
    reset: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: Option<String>,
}

/// Where a sign-in leads: back where the person was asked to sign in, or
/// to what waits for them.
fn landing(next: Option<&str>) -> String {
    match next.filter(|n| !n.is_empty() && *n != "/") {
        Some(n) => local_path(Some(n)),
        None => "/tasks".to_owned(),
    }
}

#[handler]
pub(super) fn login_form(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<LoginQuery>,
) -> Response {
    let page = LoginPage {
        next: landing(q.next.as_deref()),
        welcome: q.welcome.is_some(),
        reset: q.reset.is_some(),
        ..LoginPage::default()
    };
    render(&state, &viewer, "pages/login", "login-title", page)
}

#[handler]
pub(super) async fn login(
    state: Data<&AppState>,
    viewer: Viewer,
    req: &Request,
    Form(form): Form<LoginForm>,
) -> Response {
    if let Err(e) = viewer.check_csrf(&form.csrf_token) {
        return fail(&state, &viewer, e);
    }
    let next = landing(form.next.as_deref());
    let result = users::sign_in(
        &state.db,
        &form.email,
        &form.password,
        &viewer.client_ip,
        state.clock.now(),
        lifetime(&state),
    )
    .await;
    let (status, error_key, retry_after) = match result {
        Ok((_, session)) => {
            // A new session id at every sign-in; the old one, if any, ends.
            if let Some(old) = req.cookie().get(SESSION_COOKIE)
                && let Err(e) = sessions::end(&state.db, old.value_str(), state.clock.now()).await
            {
                tracing::warn!(error = %e, "could not end the previous session");
            }
            let max = state.settings.session_max.to_std().ok();
            req.cookie()
                .add(cookie(&state, SESSION_COOKIE, &session.cookie_value, max));
            return Redirect::see_other(next).into_response();
        }
        Err(Error::Unauthenticated) => (StatusCode::UNAUTHORIZED, "login-failed", None),
        Err(Error::TooManyRequests { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            "login-throttled",
            Some(retry_after_secs.div_ceil(60)),
        ),
        Err(e) => return fail(&state, &viewer, e),
    };
    let page = LoginPage {
        email: form.email,
        next,
        welcome: false,
        reset: false,
        error_key: Some(error_key),
        retry_after,
    };
    render_status(&state, &viewer, status, "pages/login", "login-title", page)
}

#[handler]
pub(super) async fn logout(
    state: Data<&AppState>,
    viewer: Viewer,
    req: &Request,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = viewer.check_csrf(&form.csrf_token) {
        return fail(&state, &viewer, e);
    }
    if let Some(c) = req.cookie().get(SESSION_COOKIE)
        && let Err(e) = sessions::end(&state.db, c.value_str(), state.clock.now()).await
    {
        return fail(&state, &viewer, e);
    }
    req.cookie().remove(SESSION_COOKIE);
    Redirect::see_other("/").into_response()
}

#[derive(Debug, Serialize)]
struct TokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    scopes: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

#[derive(Debug, Serialize)]
struct AccountPage {
    role: String,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
    errors: Vec<ShownError>,
    password_errors: Vec<ShownError>,
    password_changed: bool,
    /// The language chosen for notices and mails: `zh-CN`, `en`, or empty
    /// for both.
    mail_lang: &'static str,
}

/// What the account page says besides the account: a new token's secret,
/// the token form's errors, the password form's errors, or that the
/// password was changed.
#[derive(Debug, Default)]
struct Said {
    new_secret: Option<String>,
    errors: Vec<ShownError>,
    password_errors: Vec<ShownError>,
    password_changed: bool,
}

async fn account_page(state: &AppState, viewer: &Viewer, said: Said) -> Result<Response, Error> {
    let actor = viewer.actor()?;
    let show = |t| super::local_time(state, t);
    let tokens = tokens::list(&state.db, actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes,
            created_at: show(t.created_at),
            last_used_at: t.last_used_at.map(show),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let status = if said.errors.is_empty() && said.password_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mail_lang = crate::notifications::language::of(state.db.conn(), actor.user_id)
        .await?
        .map_or("", crate::i18n::Lang::tag);
    let page = AccountPage {
        mail_lang,
        role: actor.role.as_str().to_owned(),
        tokens,
        new_secret: said.new_secret,
        errors: said.errors,
        password_errors: said.password_errors,
        password_changed: said.password_changed,
    };
    Ok(render_status(
        state,
        viewer,
        status,
        "pages/account",
        "account-title",
        page,
    ))
}

#[derive(Debug, Deserialize)]
pub(super) struct AccountQuery {
    changed: Option<String>,
}

#[handler]
pub(super) async fn account(
    state: Data<&AppState>,
    viewer: Viewer,
    Query(q): Query<AccountQuery>,
) -> Response {
    let said = Said {
        password_changed: q.changed.is_some(),
        ..Said::default()
    };
    account_page(&state, &viewer, said)
        .await
        .unwrap_or_else(|e| fail(&state, &viewer, e))
}

#[derive(Debug, Deserialize)]
pub(super) struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
}

/// Changes the password; every session ends, and this browser gets a new
/// one so the person stays signed in here.
#[handler]
pub(super) async fn change_password(
    state: Data<&AppState>,
    viewer: Viewer,
    req: &Request,
    Form(form): Form<PasswordForm>,
) -> Response {
    let result = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let now = state.clock.now();
        let changed = users::change_password(
            &state.db,
            actor,
            &form.current_password,
            &form.new_password,
            &viewer.client_ip,
            now,
        )
        .await;
        match changed {
            Ok(user) => {
                let tx = state.db.begin().await?;
                let session = sessions::create(&*tx, &user, now, lifetime(&state)).await?;
                tx.commit().await?;
                let max = state.settings.session_max.to_std().ok();
                req.cookie()
                    .add(cookie(&state, SESSION_COOKIE, &session.cookie_value, max));
                Ok(Redirect::see_other("/account?changed=1").into_response())
            }
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(password_errors) => {
                    let said = Said {
                        password_errors,
                        ..Said::default()
                    };
                    account_page(&state, &viewer, said).await
                }
                None => Err(e),
            },
        }
    }
    .await;
    result.unwrap_or_else(|e| fail(&state, &viewer, e))
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenForm {
    csrf_token: String,
    name: String,
    write: Option<String>,
}

#[handler]
pub(super) async fn create_token(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> Response {
    let result = async {
        viewer.check_csrf(&form.csrf_token)?;
        let actor = viewer.actor()?;
        let scopes = if form.write.is_some() {
            vec![Scope::Read, Scope::Write]
        } else {
            vec![Scope::Read]
        };
        match tokens::create(&state.db, actor, &form.name, &scopes, state.clock.now()).await {
            Ok((_, secret)) => {
                let said = Said {
                    new_secret: Some(secret),
                    ..Said::default()
                };
                account_page(&state, &viewer, said).await
            }
            Err(e) => match form_errors(viewer.lang, &e) {
                Some(errors) => {
                    let said = Said {
                        errors,
                        ..Said::default()
                    };
                    account_page(&state, &viewer, said).await
                }
                None => Err(e),
            },
        }
    }
    .await;
    result.unwrap_or_else(|e| fail(&state, &viewer, e))
}

#[handler]
pub(super) async fn revoke_token(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let result = async {
        viewer.check_csrf(&form.csrf_token)?;
        tokens::revoke(&state.db, viewer.actor()?, id, state.clock.now()).await?;
        Ok::<_, Error>(Redirect::see_other("/account").into_response())
    }
    .await;
    result.unwrap_or_else(|e| fail(&state, &viewer, e))
}

/// The language form of the account page.
#[derive(Debug, Deserialize)]
pub(super) struct LanguageForm {
    csrf_token: String,
    #[serde(default)]
    lang: String,
}

/// The person chooses the language of their notices and mails.
#[handler]
pub(super) async fn choose_language(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<LanguageForm>,
) -> Response {
    let action = async {
        let lang = crate::i18n::Lang::from_tag(&form.lang);
        crate::notifications::language::choose(&state.db, viewer.actor()?, lang, state.clock.now())
            .await
    };
    super::act(
        &state,
        &viewer,
        &form.csrf_token,
        action,
        "/account".to_owned(),
        async |e| {
            account_page(
                &state,
                &viewer,
                Said {
                    errors: e,
                    ..Said::default()
                },
            )
            .await
        },
    )
    .await
}
