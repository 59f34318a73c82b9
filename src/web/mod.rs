//! Server-rendered pages: handlers here parse forms, ask the area modules and
//! render `templates/` with typed view models. Every page goes through
//! [`Viewer`] (who is looking, in which language, with which CSRF token) and
//! every state-changing form is checked with [`Viewer::check_csrf`]. No page
//! needs JavaScript.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod evaluation;
mod format;
pub mod grants;
pub mod notifications;
mod password;
pub mod portal;
pub mod procurement;
pub mod registry;
mod site;
pub mod tasks;
pub mod templates;
mod upload;

use poem::http::{StatusCode, header};
use poem::web::cookie::{Cookie, SameSite};
use poem::web::{Html, Redirect};
use poem::{
    Endpoint, EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route, get,
    handler,
};
use serde::Serialize;
use subtle::ConstantTimeEq as _;

use crate::app::AppState;
use crate::auth::{Actor, random_secret, sessions};
use crate::error::{Error, FieldError, Refusal};
use crate::i18n::Lang;
use templates::Assets;

/// Cookie holding the session secret.
pub const SESSION_COOKIE: &str = "cogov_session";
/// Cookie holding the CSRF token of visitors who are not signed in.
pub const CSRF_COOKIE: &str = "cogov_csrf";
/// The reason of the `Forbidden` that [`Viewer::check_csrf`] returns; pages
/// answer it with "reload the form" instead of "not allowed".
pub const CSRF_REFUSAL: &str = "the form's CSRF token does not match this session";
/// Cookie remembering the chosen language.
pub const LANG_COOKIE: &str = "cogov_lang";

/// The page routes.
pub fn routes() -> impl Endpoint {
    Route::new()
        .at("/", get(home))
        .at("/lang/:tag", get(switch_language))
        .at("/static/*path", get(static_file))
        .at("/signup", get(account::signup_form).post(account::signup))
        .at("/login", get(account::login_form).post(account::login))
        .at("/logout", poem::post(account::logout))
        .at("/account", get(account::account))
        .at("/account/tokens", poem::post(account::create_token))
        .at("/account/password", poem::post(account::change_password))
        .at("/account/language", poem::post(account::choose_language))
        .at(
            "/forgot-password",
            get(password::forgot_form).post(password::forgot),
        )
        .at(
            "/reset-password/:token",
            get(password::reset_form).post(password::reset),
        )
        .at("/admin", get(admin::index))
        .at("/admin/requirements", get(admin::requirements))
        .at("/admin/site", get(site::settings).post(site::save_settings))
        .at("/privacy", get(site::privacy))
        .at("/accessibility", get(site::accessibility))
        .at(
            "/admin/requirements/:kind",
            poem::post(admin::set_requirements),
        )
        .at(
            "/admin/users/:id/password-reset",
            poem::post(admin::force_password_reset),
        )
        .at(
            "/account/tokens/:id/revoke",
            poem::post(account::revoke_token),
        )
        .at("/admin/users", get(admin::users).post(admin::create_user))
        .at("/admin/users/new", get(admin::new_user))
        .at("/admin/users/:id", get(admin::user))
        .at("/admin/users/:id/role", poem::post(admin::change_role))
        .at("/admin/users/:id/active", poem::post(admin::set_active))
        .at(
            "/admin/departments",
            get(admin::departments).post(admin::create_department),
        )
        .at(
            "/admin/departments/:id",
            get(admin::department).post(admin::update_department),
        )
        .at(
            "/admin/holidays",
            get(admin::holidays).post(admin::set_holiday),
        )
        .at(
            "/admin/holidays/:day/delete",
            poem::post(admin::remove_holiday),
        )
        .at("/registry", get(registry::search))
        .at("/registry/:id", get(registry::profile))
        .at("/registry/:id/revoke", poem::post(registry::revoke))
        .at(
            "/registry/:id/credit-records",
            poem::post(registry::add_credit_record),
        )
        .at(
            "/registry/:id/credit-records/:record/lift",
            poem::post(registry::lift_credit_record),
        )
        .at("/registry/:id/grades", poem::post(registry::award_grade))
        .at("/my", get(portal::my))
        .at("/my/organization", get(portal::my_organization))
        .at("/my/organization/invitations", poem::post(portal::invite))
        .at(
            "/my/organization/members/:user/remove",
            poem::post(portal::remove_member),
        )
        .at(
            "/invitations/:id/accept",
            poem::post(portal::accept_invitation),
        )
        .at(
            "/invitations/:id/decline",
            poem::post(portal::decline_invitation),
        )
        .at(
            "/invitations/:id/revoke",
            poem::post(portal::revoke_invitation),
        )
        .at(
            "/my/annual-reports",
            get(portal::my_reports).post(portal::submit_report),
        )
        .at("/annual-reports/:id", get(portal::report))
        .at(
            "/annual-reports/:id/accept",
            poem::post(portal::accept_report),
        )
        .at(
            "/annual-reports/:id/return",
            poem::post(portal::return_report),
        )
        .at("/applications/new", get(portal::new_application))
        .at("/applications", poem::post(portal::create_application))
        .at(
            "/applications/:id",
            get(portal::application).post(portal::update_application),
        )
        .at("/applications/:id/check", get(portal::check_application))
        .at(
            "/applications/:id/submit",
            poem::post(portal::submit_application),
        )
        .at(
            "/applications/:id/withdraw",
            poem::post(portal::withdraw_application),
        )
        .at(
            "/applications/:id/documents",
            poem::post(portal::attach_document),
        )
        .at(
            "/applications/:id/approve",
            poem::post(portal::approve_application),
        )
        .at(
            "/applications/:id/return",
            poem::post(portal::return_application),
        )
        .at(
            "/applications/:id/reject",
            poem::post(portal::reject_application),
        )
        .at("/files/:id", get(portal::download))
        .at("/registrar", get(portal::registrar))
        .at(
            "/projects",
            get(procurement::index).post(procurement::create_project),
        )
        .at("/projects/new", get(procurement::new_project))
        .at("/purchaser", get(procurement::workspace))
        .at(
            "/admin/catalog",
            get(procurement::catalog_index).post(procurement::catalog_create),
        )
        .at(
            "/admin/catalog/:id",
            get(procurement::catalog_edit).post(procurement::catalog_update),
        )
        .at("/projects/:id", get(procurement::detail))
        .at("/panels", get(evaluation::my_panels))
        .at("/dashboard", get(dashboard::dashboard))
        .at("/tasks", get(tasks::tasks))
        .at("/notifications", get(notifications::list))
        .at(
            "/notifications/read-all",
            poem::post(notifications::read_all),
        )
        .at("/notifications/:id/open", poem::post(notifications::open))
        .at("/notifications/:id/read", poem::post(notifications::read))
        .at("/admin/outbox", get(notifications::outbox))
        .at("/grants", get(grants::list))
        .at("/grants/:id", get(grants::grant_view))
        .at("/grants/:id/feedback", poem::post(grants::leave_feedback))
        .at("/grants/:id/accept", poem::post(grants::accept_offer))
        .at("/grants/:id/decline", poem::post(grants::decline_offer))
        .at("/grants/:id/terminate", poem::post(grants::terminate))
        .at("/grants/:id/fail-project", poem::post(grants::fail_project))
        .at("/grants/:id/complete", poem::post(grants::complete))
        .at("/grants/:id/schedule", poem::post(grants::schedule))
        .at("/grants/:id/disbursements", poem::post(grants::disburse))
        .at("/grants/:id/award-next", poem::post(grants::award_next))
        .at(
            "/grant-reports/:id/submit",
            poem::post(grants::submit_report),
        )
        .at(
            "/grant-reports/:id/review",
            poem::post(grants::review_report),
        )
        .at(
            "/grant-feedback/:id/moderate",
            poem::post(grants::moderate_feedback),
        )
        .at("/projects/:id/evaluation", get(evaluation::evaluation_view))
        .at("/projects/:id/panel", poem::post(evaluation::assign))
        .at(
            "/projects/:id/declarations",
            poem::post(evaluation::declare),
        )
        .at("/projects/:id/scores", poem::post(evaluation::save_scores))
        .at("/projects/:id/award", poem::post(evaluation::propose_award))
        .at(
            "/projects/:id/challenges",
            poem::post(evaluation::file_challenge),
        )
        .at(
            "/challenges/:id/reply",
            poem::post(evaluation::reply_challenge),
        )
        .at(
            "/projects/:id/edit",
            get(procurement::edit_project).post(procurement::update_project),
        )
        .at("/projects/:id/publish", poem::post(procurement::publish))
        .at(
            "/projects/:id/documents",
            poem::post(procurement::attach_document),
        )
        .at("/projects/:id/cancel", poem::post(procurement::cancel))
        .at("/projects/:id/amend", poem::post(procurement::amend))
        .at("/projects/:id/questions", poem::post(procurement::ask))
        .at(
            "/projects/:id/questions/:question/answer",
            poem::post(procurement::answer),
        )
        .at("/projects/:id/bids", poem::post(procurement::submit_bid))
        .at(
            "/projects/:id/bids/check",
            poem::post(procurement::check_bid),
        )
        .at(
            "/projects/:id/bids/:bid/replace",
            poem::post(procurement::replace_bid),
        )
        .at(
            "/projects/:id/bids/:bid/withdraw",
            poem::post(procurement::withdraw_bid),
        )
        .around(|ep, req| async move {
            let state = req.data::<AppState>().cloned();
            let lang = language_of(&req);
            match ep.call(req).await {
                Ok(r) => Ok(r.into_response()),
                Err(e) => Ok(match state {
                    Some(state) => status_page(&state, lang, e.status()),
                    None => error_page(e),
                }),
            }
        })
}

/// Who is looking at a page: identity, language, CSRF token, current path.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The signed-in user, if any.
    pub actor: Option<Actor>,
    /// Token every form must echo.
    pub csrf: String,
    /// Page language.
    pub lang: Lang,
    /// Path and query of this request (for "back here" links).
    pub path: String,
    /// The client's address (for sign-in throttling).
    pub client_ip: String,
    /// The signed-in user's unread notifications.
    pub unread: u64,
    /// How many things wait for the signed-in user (the menu's count).
    pub tasks: u64,
    /// The site's identity (header, footer, titles).
    pub site: std::sync::Arc<crate::site::Identity>,
}

fn language_of(req: &Request) -> Lang {
    req.cookie()
        .get(LANG_COOKIE)
        .and_then(|c| Lang::from_tag(c.value_str()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::ZhCn)
}

impl<'a> FromRequest<'a> for Viewer {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
        let lang = language_of(req);
        let jar = req.cookie();
        let mut current = None;
        if let Some(cookie) = jar.get(SESSION_COOKIE) {
            current = sessions::resolve(
                &state.db,
                cookie.value_str(),
                state.clock.now(),
                lifetime(state),
            )
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "session lookup failed");
                poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
            })?;
            if current.is_none() {
                jar.remove(SESSION_COOKIE);
            }
        }
        let (actor, csrf) = match current {
            Some(c) => (Some(c.actor), c.csrf_token),
            None => {
                let token = jar
                    .get(CSRF_COOKIE)
                    .map(|c| c.value_str().to_owned())
                    .filter(|t| t.len() >= 32);
                let token = token.unwrap_or_else(|| {
                    let t = random_secret(32);
                    jar.add(cookie(state, CSRF_COOKIE, &t, None));
                    t
                });
                (None, token)
            }
        };
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let client_ip = req
            .remote_addr()
            .as_socket_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
        let unread = match &actor {
            Some(a) => crate::notifications::unread_count(&state.db, a.user_id)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "notification count failed");
                    poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
                })?,
            None => 0,
        };
        let tasks = match &actor {
            Some(a) => crate::workspace::duties(&state.db, a, state.clock.now())
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "task count failed");
                    poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
                })?,
            None => 0,
        };
        Ok(Self {
            actor,
            csrf,
            lang,
            path,
            client_ip,
            unread,
            tasks,
            site: state.site.current(&state.db).await,
        })
    }
}

impl Viewer {
    /// Refuses a form whose CSRF token is not this viewer's.
    ///
    /// # Errors
    /// `Forbidden` when the tokens differ.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Error> {
        if bool::from(submitted.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(Error::forbidden(CSRF_REFUSAL))
        }
    }

    /// The signed-in actor.
    ///
    /// # Errors
    /// `Unauthenticated` when nobody is signed in.
    pub fn actor(&self) -> Result<&Actor, Error> {
        self.actor.as_ref().ok_or(Error::Unauthenticated)
    }
}

/// A time as the pages show it: minutes, in the configured zone, saying
/// which (`2026-03-16 09:30 UTC+08:00`).
#[must_use]
pub fn local_time(state: &AppState, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&state.settings.timezone)
        .format("%Y-%m-%d %H:%M UTC%:z")
        .to_string()
}

/// A form that carries nothing but its CSRF token (sign-out, revoke, remove).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// The viewer's CSRF token.
    pub csrf_token: String,
}

/// Session lifetime from the settings.
#[must_use]
pub fn lifetime(state: &AppState) -> sessions::Lifetime {
    sessions::Lifetime {
        idle: state.settings.session_idle,
        max: state.settings.session_max,
    }
}

/// A cookie with our attributes: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
#[must_use]
pub fn cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<std::time::Duration>,
) -> Cookie {
    let mut c = Cookie::new_with_str(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(state.settings.secure_cookies);
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// What the layout shows of the signed-in user.
#[derive(Debug, Clone, Serialize)]
pub struct ViewerView {
    /// Name.
    pub display_name: String,
    /// E-mail.
    pub email: String,
    /// Role name.
    pub role: &'static str,
    /// The places in the menu, as the policy decided.
    pub can: crate::auth::policy::Menu,
    /// Unread notifications.
    pub unread: u64,
    /// Things waiting for the viewer.
    pub tasks: u64,
}

/// The view model of every page: layout data plus the page's own `page`.
#[derive(Debug, Serialize)]
pub struct PageCtx<'a, T: Serialize> {
    /// Language tag.
    pub lang: &'static str,
    /// CSRF token for forms.
    pub csrf: &'a str,
    /// Signed-in user.
    pub viewer: Option<ViewerView>,
    /// Translation key of the page title.
    pub title: &'a str,
    /// Current path, URL-encoded, for the language selector.
    pub here: String,
    /// What the last action did, for a person (after a redirect that says
    /// `?done=<verb>`), when the catalogue has words for it.
    pub done: Option<String>,
    /// The site's identity in the page's language.
    pub site: SiteView,
    /// The page's data.
    pub page: T,
}

/// The site's identity as a page shows it, in its language; empty where
/// the admin set nothing (the catalogue's words then).
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// The site's name.
    pub name: String,
    /// 主办单位.
    pub host: String,
    /// How to reach the host.
    pub contact: String,
    /// ICP filing number.
    pub icp: String,
}

impl SiteView {
    fn of(site: &crate::site::Identity, lang: Lang) -> Self {
        let (name, host, contact) = match lang {
            Lang::ZhCn => (&site.name_zh, &site.host_zh, &site.contact_zh),
            Lang::En => (&site.name_en, &site.host_en, &site.contact_en),
        };
        Self {
            name: name.clone(),
            host: host.clone(),
            contact: contact.clone(),
            icp: site.icp.clone(),
        }
    }
}

/// The verb a form's path ends with (`/applications/x/approve` says
/// `approve`), if the catalogue says what it did (`done-approve`).
fn done_verb(lang: Lang, post_path: &str) -> Option<&str> {
    let path = post_path.split('?').next().unwrap_or_default();
    let verb = path.rsplit('/').next().filter(|v| !v.is_empty())?;
    lang.try_t(&format!("done-{verb}")).map(|_| verb)
}

/// `to`, saying that `verb` was done (the next page shows it).
fn with_done(to: &str, verb: &str) -> String {
    let (path, fragment) = to.split_once('#').map_or((to, None), |(p, f)| (p, Some(f)));
    let sep = if path.contains('?') { '&' } else { '?' };
    match fragment {
        Some(f) => format!("{path}{sep}done={verb}#{f}"),
        None => format!("{path}{sep}done={verb}"),
    }
}

/// The message of a page reached with `?done=<verb>`.
fn done_message(lang: Lang, path: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    let verb = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("done="))?;
    if !verb
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    lang.try_t(&format!("done-{verb}"))
}

/// Renders a page with the layout.
pub fn render<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    template: &str,
    title: &str,
    page: T,
) -> Response {
    render_status(state, viewer, StatusCode::OK, template, title, page)
}

/// Renders a page with a status.
pub fn render_status<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    template: &str,
    title: &str,
    page: T,
) -> Response {
    let ctx = PageCtx {
        lang: viewer.lang.tag(),
        csrf: &viewer.csrf,
        viewer: viewer.actor.as_ref().map(|a| ViewerView {
            display_name: a.display_name.clone(),
            email: a.email.clone(),
            role: a.role.as_str(),
            can: crate::auth::policy::Menu::of(a),
            unread: viewer.unread,
            tasks: viewer.tasks,
        }),
        title,
        here: urlencoding::encode(&viewer.path).into_owned(),
        done: done_message(viewer.lang, &viewer.path),
        site: SiteView::of(&viewer.site, viewer.lang),
        page,
    };
    match state.templates.render(template, &ctx) {
        Ok(html) => {
            let mut resp = Html(html).into_response();
            resp.set_status(status);
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                poem::http::HeaderValue::from_static("no-store"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, template, "render failed");
            error_page(poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))
        }
    }
}

/// Data of the error page.
#[derive(Debug, Serialize)]
struct ErrorPage {
    status: u16,
    message_key: &'static str,
}

fn status_page(state: &AppState, lang: Lang, status: StatusCode) -> Response {
    let viewer = Viewer {
        actor: None,
        csrf: String::new(),
        lang,
        path: "/".into(),
        client_ip: String::new(),
        unread: 0,
        tasks: 0,
        site: state.site.peek(),
    };
    let message_key = match status {
        StatusCode::NOT_FOUND => "error-not-found",
        StatusCode::FORBIDDEN => "error-forbidden",
        StatusCode::METHOD_NOT_ALLOWED => "error-method",
        StatusCode::TOO_MANY_REQUESTS => "error-too-many",
        s if s.is_client_error() => "error-bad-request",
        _ => "error-internal",
    };
    render_status(
        state,
        &viewer,
        status,
        "pages/error",
        "error-title",
        ErrorPage {
            status: status.as_u16(),
            message_key,
        },
    )
}

/// Maps a domain error to a page: sign-in for 401, an error page otherwise.
pub fn fail(state: &AppState, viewer: &Viewer, err: Error) -> Response {
    let status = match err {
        Error::Unauthenticated => {
            let next = urlencoding::encode(&viewer.path).into_owned();
            return Redirect::see_other(format!("/login?next={next}")).into_response();
        }
        Error::Forbidden(ref r) if r == CSRF_REFUSAL => {
            return render_status(
                state,
                viewer,
                StatusCode::FORBIDDEN,
                "pages/error",
                "error-title",
                ErrorPage {
                    status: 403,
                    message_key: "error-csrf",
                },
            );
        }
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::BadInput(_) => StatusCode::BAD_REQUEST,
        Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Refused {
            kind: Refusal::Duplicate,
            ..
        } => StatusCode::CONFLICT,
        Error::Refused {
            kind: Refusal::MissingReference,
            ..
        } => StatusCode::UNPROCESSABLE_ENTITY,
        ref e if e.is_contention() => {
            tracing::warn!(error = %err, "busy: page answered 503");
            StatusCode::SERVICE_UNAVAILABLE
        }
        Error::Db(_) | Error::Internal(_) => {
            tracing::error!(error = %err, "page failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    status_page(state, viewer.lang, status)
}

/// A minimal page for errors that happen before any state is at hand.
pub fn error_page(err: poem::Error) -> Response {
    let status = err.status();
    let text = status.canonical_reason().unwrap_or("Error");
    // Only refusals made before any handler (bad text input) say why.
    let detail = if status == StatusCode::UNPROCESSABLE_ENTITY {
        format!("<p>{}</p>", handlebars::html_escape(&err.to_string()))
    } else {
        String::new()
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{code} {text}</title><h1>{code} {text}</h1>{detail}<p><a href=\"/\">cogov</a></p></html>",
        code = status.as_u16()
    );
    let mut resp = Html(html).into_response();
    resp.set_status(status);
    resp
}

/// One form error as the page shows it, translated when the catalogue knows its code.
#[derive(Debug, Clone, Serialize)]
pub struct ShownError {
    /// Field (translated label).
    pub field: String,
    /// Message.
    pub message: String,
}

/// Translates field errors for a page.
#[must_use]
pub fn shown_errors(lang: Lang, errors: &[FieldError]) -> Vec<ShownError> {
    errors
        .iter()
        .map(|e| ShownError {
            field: lang
                .try_t(&format!("field-{}", e.field))
                .or_else(|| {
                    e.field
                        .strip_prefix("documents.")
                        .and_then(|label| lang.try_t(&format!("doc-{label}")))
                })
                .unwrap_or_else(|| e.field.clone()),
            message: lang
                .try_t(&format!("err-{}", e.code))
                .unwrap_or_else(|| e.message.clone()),
        })
        .collect()
}

/// The errors a failed form shows, or `None` when the error is not about the input.
#[must_use]
pub fn form_errors(lang: Lang, err: &Error) -> Option<Vec<ShownError>> {
    match err {
        Error::Invalid(f) | Error::BadInput(f) => Some(shown_errors(lang, f)),
        Error::Conflict { code, message } => Some(vec![ShownError {
            field: String::new(),
            message: lang
                .try_t(&format!("err-{code}"))
                .unwrap_or_else(|| message.clone()),
        }]),
        _ => None,
    }
}

/// The response, or the page for its error.
pub fn or_fail(state: &AppState, viewer: &Viewer, r: crate::error::Result<Response>) -> Response {
    r.unwrap_or_else(|e| fail(state, viewer, e))
}

/// Renders a form page again with its errors (422), or fails for other errors.
pub fn form_or_fail<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    err: Error,
    template: &str,
    title: &str,
    page: impl FnOnce(Vec<ShownError>) -> crate::error::Result<T>,
) -> crate::error::Result<Response> {
    match form_errors(viewer.lang, &err) {
        Some(errors) => Ok(render_status(
            state,
            viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            template,
            title,
            page(errors)?,
        )),
        None => Err(err),
    }
}

/// Runs a form's action after checking its CSRF token: on success redirects
/// (303) to `to`; when the action refuses the input, shows the page again
/// with the errors (`again`); otherwise the error page.
pub async fn act(
    state: &AppState,
    viewer: &Viewer,
    csrf_token: &str,
    action: impl Future<Output = crate::error::Result<()>>,
    to: String,
    again: impl AsyncFnOnce(Vec<ShownError>) -> crate::error::Result<Response>,
) -> Response {
    let r = async {
        viewer.check_csrf(csrf_token)?;
        action.await?;
        let to = match done_verb(viewer.lang, &viewer.path) {
            Some(verb) => with_done(&to, verb),
            None => to,
        };
        Ok(Redirect::see_other(to).into_response())
    }
    .await;
    or_again(state, viewer, r, again).await
}

/// A step's page, or, when the person must fix something (invalid input,
/// a rule, a conflict), the form again with what to fix; other failures
/// as error pages.
pub async fn or_again(
    state: &AppState,
    viewer: &Viewer,
    r: crate::error::Result<Response>,
    again: impl AsyncFnOnce(Vec<ShownError>) -> crate::error::Result<Response>,
) -> Response {
    let r = match r {
        Ok(page) => Ok(page),
        Err(e) => match form_errors(viewer.lang, &e) {
            Some(errors) => {
                let status = match e {
                    Error::Conflict { .. } => StatusCode::CONFLICT,
                    Error::BadInput(_) => StatusCode::BAD_REQUEST,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                again(errors).await.map(|mut page| {
                    page.set_status(status);
                    page
                })
            }
            None => Err(e),
        },
    };
    or_fail(state, viewer, r)
}

/// Where a list page stands among its pages: the cursors of the pages
/// before it (`-` for the first), carried in the links, so "previous"
/// needs no backward query and the page knows its number.
#[derive(Debug, Default)]
pub struct Trail {
    before: Vec<String>,
}

impl Trail {
    /// The most pages a trail remembers; a longer walk starts the trail
    /// again (previous then leads to the first page).
    const MAX: usize = 200;

    /// The `trail` parameter as received; what is not a cursor is dropped.
    #[must_use]
    pub fn parse(trail: Option<&str>) -> Self {
        let before: Vec<String> = trail
            .unwrap_or_default()
            .split(',')
            .filter(|c| {
                !c.is_empty()
                    && c.len() <= 64
                    && c.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map(str::to_owned)
            .collect();
        if before.len() > Self::MAX {
            return Self::default();
        }
        Self { before }
    }

    /// This page's number, from 1.
    #[must_use]
    pub fn number(&self) -> usize {
        self.before.len() + 1
    }

    /// The link to the next page: `list` (a path and query ending in `?`
    /// or `&`), its cursor, and the trail with this page (`current`) added.
    #[must_use]
    pub fn next(&self, list: &str, current: Option<&str>, next: &str) -> String {
        let mut before = self.before.clone();
        before.push(current.filter(|c| !c.is_empty()).unwrap_or("-").to_owned());
        format!("{list}cursor={next}&trail={}", before.join(","))
    }

    /// The link to the previous page, none on the first.
    #[must_use]
    pub fn previous(&self, list: &str) -> Option<String> {
        let (last, rest) = self.before.split_last()?;
        let mut link = list.to_owned();
        if last != "-" {
            link.push_str(&format!("cursor={last}&"));
        }
        if !rest.is_empty() {
            link.push_str(&format!("trail={}", rest.join(",")));
        }
        Some(link.trim_end_matches(['&', '?']).to_owned())
    }
}

/// A form as its (name, value) pairs, for forms whose fields vary.
pub type Pairs = Vec<(String, String)>;

/// One field of [`Pairs`], empty when absent.
#[must_use]
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// One line of a summary a person reads before deciding: a label key, and
/// either the value as typed or a catalogue key for it.
#[derive(Debug, Serialize)]
pub struct Fact {
    label: String,
    value: String,
    value_key: Option<String>,
    previous: String,
}

impl Fact {
    /// The value as it stands, under `field-<label>`.
    #[must_use]
    pub fn new(label: &str, value: impl Into<String>) -> Self {
        Self {
            label: format!("field-{label}"),
            value: value.into(),
            value_key: None,
            previous: String::new(),
        }
    }

    /// The value under a catalogue key, under `field-<label>`.
    #[must_use]
    pub fn keyed(label: &str, key: impl Into<String>) -> Self {
        Self {
            value_key: Some(key.into()),
            ..Self::new(label, "")
        }
    }

    /// Under another catalogue key than `field-<label>`.
    #[must_use]
    pub fn titled(self, label: String) -> Self {
        Self { label, ..self }
    }

    /// The value it replaces, shown beside it.
    #[must_use]
    pub fn was(self, previous: String) -> Self {
        Self { previous, ..self }
    }

    /// Whether there is nothing to show.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.value_key.is_none() && self.value.trim().is_empty()
    }
}

/// The step before a final decision or a sending: what will happen, to
/// what, the answers given, and the form again with `confirmed` set.
/// Final decisions (approve, reject, award, terminate, revoke) and
/// "check your answers" (an application, a bid) both pass through it.
#[derive(Debug, Serialize)]
pub struct Confirm {
    /// Catalogue key of the question ("Approve this application?").
    pub question: &'static str,
    /// What it is about, by name.
    pub subject: String,
    /// Where the confirmed form posts.
    pub action: String,
    /// Where "cancel" leads.
    pub back: String,
    /// What the decision carries, or the answers given.
    pub facts: Vec<Fact>,
    /// The form's fields, posted again as they were.
    pub fields: Pairs,
    /// Whether the decision takes something away (shown as a danger).
    pub danger: bool,
    /// Catalogue key of what follows once confirmed.
    pub warning: &'static str,
    /// Catalogue key of the confirming button.
    pub yes: &'static str,
    /// Catalogue key of the link back without confirming.
    pub cancel: &'static str,
    /// Where "change my answers" posts the same fields, to show the form
    /// filled in again; none for decisions.
    pub change: Option<String>,
    /// Whether something stands in the way, so it cannot be sent yet.
    pub blocked: bool,
    /// What stands in the way, in the reader's words.
    pub errors: Vec<ShownError>,
}

impl Confirm {
    /// A final decision's confirmation.
    #[must_use]
    pub fn decision(question: &'static str, subject: String, action: String, back: String) -> Self {
        Self {
            question,
            subject,
            action,
            back,
            facts: Vec::new(),
            fields: Vec::new(),
            danger: false,
            warning: "confirm-final",
            yes: "confirm-yes",
            cancel: "confirm-cancel",
            change: None,
            blocked: false,
            errors: Vec::new(),
        }
    }

    /// The facts, the empty ones left out.
    #[must_use]
    pub fn facts(self, facts: impl IntoIterator<Item = Fact>) -> Self {
        Self {
            facts: facts.into_iter().filter(|f| !f.is_empty()).collect(),
            ..self
        }
    }

    /// The form's own fields posted again (not its token or the step's own
    /// buttons).
    #[must_use]
    pub fn fields(self, pairs: &Pairs) -> Self {
        Self {
            fields: pairs
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "csrf_token" | "confirmed" | "change"))
                .cloned()
                .collect(),
            ..self
        }
    }

    /// What follows once confirmed (a catalogue key).
    #[must_use]
    pub fn warning(self, warning: &'static str) -> Self {
        Self { warning, ..self }
    }

    /// Shown as a danger: it takes something away.
    #[must_use]
    pub fn danger(self) -> Self {
        Self {
            danger: true,
            ..self
        }
    }
}

/// Whether a posted form passed its confirmation step.
#[must_use]
pub fn confirmed(pairs: &Pairs) -> bool {
    !field(pairs, "confirmed").is_empty()
}

/// Renders the confirmation step.
pub fn confirm_page(state: &AppState, viewer: &Viewer, confirm: Confirm) -> Response {
    render(state, viewer, "pages/confirm", confirm.question, confirm)
}

/// 422 when a page shows form errors, 200 otherwise.
#[must_use]
pub fn status_for(errors: &[ShownError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A filter form's values as a query string for "next page" and export
/// links, the empty ones left out.
#[must_use]
pub fn filters_query<T: Serialize>(filters: &T) -> String {
    let pairs: Vec<(String, String)> = match serde_json::to_value(filters) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) if !s.trim().is_empty() => {
                    Some((k, s.trim().to_owned()))
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// A safe place to go back to: a local path, never another site.
#[must_use]
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Debug, Serialize)]
struct Home {
    signed_in: bool,
}

#[handler]
fn home(state: poem::web::Data<&AppState>, viewer: Viewer) -> Response {
    let signed_in = viewer.actor.is_some();
    render(
        &state,
        &viewer,
        "pages/home",
        "home-title",
        Home { signed_in },
    )
}

#[derive(Debug, serde::Deserialize)]
struct LangQuery {
    next: Option<String>,
}

#[handler]
fn switch_language(
    state: poem::web::Data<&AppState>,
    req: &Request,
    poem::web::Path(tag): poem::web::Path<String>,
    poem::web::Query(q): poem::web::Query<LangQuery>,
) -> Response {
    let Some(lang) = Lang::from_tag(&tag) else {
        return status_page(&state, language_of(req), StatusCode::NOT_FOUND);
    };
    req.cookie().add(cookie(
        &state,
        LANG_COOKIE,
        lang.tag(),
        Some(std::time::Duration::from_secs(365 * 86400)),
    ));
    Redirect::see_other(local_path(q.next.as_deref())).into_response()
}

#[handler]
fn static_file(poem::web::Path(path): poem::web::Path<String>) -> Response {
    let Some(file) = Assets::get(&format!("static/{path}")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "application/octet-stream"
    };
    Response::builder()
        .content_type(mime)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(file.data.into_owned())
}

#[cfg(test)]
mod done_tests {
    use super::*;

    #[test]
    fn an_action_with_words_says_what_it_did_on_the_next_page() {
        let lang = Lang::ZhCn;
        assert_eq!(done_verb(lang, "/applications/x/approve"), Some("approve"));
        assert_eq!(done_verb(lang, "/applications/x/nonsense"), None);
        assert_eq!(
            with_done("/grants/1#reports", "approve"),
            "/grants/1?done=approve#reports"
        );
        assert_eq!(with_done("/a?b=1", "approve"), "/a?b=1&done=approve");
        assert!(done_message(lang, "/applications/x?done=approve").is_some());
        assert_eq!(done_message(lang, "/applications/x?done=<script>"), None);
        assert_eq!(done_message(lang, "/applications/x"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_links_keep_the_filled_values_encoded() {
        #[derive(Serialize)]
        struct F {
            q: String,
            region: String,
            status: String,
        }
        let f = F {
            q: " 养老 & 服务 ".into(),
            region: "420100".into(),
            status: String::new(),
        };
        assert_eq!(
            filters_query(&f),
            "q=%E5%85%BB%E8%80%81+%26+%E6%9C%8D%E5%8A%A1&region=420100"
        );
    }
}

#[cfg(test)]
mod trail_tests {
    use super::Trail;

    #[test]
    fn a_trail_leads_back_page_by_page_to_the_first() {
        let first = Trail::parse(None);
        assert_eq!(first.number(), 1);
        assert_eq!(first.previous("/registry?q=a&"), None);
        let to_second = first.next("/registry?q=a&", None, "C2");
        assert_eq!(to_second, "/registry?q=a&cursor=C2&trail=-");
        let second = Trail::parse(Some("-"));
        assert_eq!(second.number(), 2);
        assert_eq!(
            second.previous("/registry?q=a&").as_deref(),
            Some("/registry?q=a")
        );
        assert_eq!(
            second.next("/registry?", Some("C2"), "C3"),
            "/registry?cursor=C3&trail=-,C2"
        );
        let third = Trail::parse(Some("-,C2"));
        assert_eq!(third.number(), 3);
        assert_eq!(
            third.previous("/registry?").as_deref(),
            Some("/registry?cursor=C2&trail=-")
        );
    }

    #[test]
    fn what_is_not_a_cursor_is_dropped() {
        let t = Trail::parse(Some("-,<script>,C2,,a b"));
        assert_eq!(t.number(), 3);
        let long = vec!["C"; 201].join(",");
        assert_eq!(Trail::parse(Some(&long)).number(), 1);
    }
}
