//! "Forgot your password": asking for a reset link (the same answer whether
//! or not an account has the address) and setting a new password with it.
//! An admin's forced reset is on the user page (`admin`).

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse as _, Response, handler};
use serde::{Deserialize, Serialize};

use super::{ShownError, Viewer, fail, form_errors, render_status};
use crate::app::AppState;
use crate::error::Error;
use crate::recovery;

/// What the page shows.
#[derive(Debug, Default, Serialize)]
struct PasswordPage {
    /// `forgot` (the address form), `sent` (check your mail), `reset` (the
    /// new password form) or `dead` (the link no longer works).
    step: &'static str,
    email: String,
    token: String,
    minutes: i64,
    errors: Vec<ShownError>,
}

fn show(state: &AppState, viewer: &Viewer, status: StatusCode, page: PasswordPage) -> Response {
    render_status(
        state,
        viewer,
        status,
        "pages/password",
        "password-title",
        PasswordPage {
            minutes: recovery::LINK_MINUTES,
            ..page
        },
    )
}

#[handler]
pub(super) fn forgot_form(state: Data<&AppState>, viewer: Viewer) -> Response {
    let page = PasswordPage {
        step: "forgot",
        ..PasswordPage::default()
    };
    show(&state, &viewer, StatusCode::OK, page)
}

#[derive(Debug, Deserialize)]
pub(super) struct ForgotForm {
    csrf_token: String,
    email: String,
}

#[handler]
pub(super) async fn forgot(
    state: Data<&AppState>,
    viewer: Viewer,
    Form(form): Form<ForgotForm>,
) -> Response {
    if let Err(e) = viewer.check_csrf(&form.csrf_token) {
        return fail(&state, &viewer, e);
    }
    let asked =
        recovery::request(&state.db, &form.email, &viewer.client_ip, state.clock.now()).await;
    let (status, step, errors) = match asked {
        Ok(()) => (StatusCode::OK, "sent", Vec::new()),
        Err(e @ Error::TooManyRequests { .. }) => return fail(&state, &viewer, e),
        Err(e) => match form_errors(viewer.lang, &e) {
            Some(errors) => (StatusCode::UNPROCESSABLE_ENTITY, "forgot", errors),
            None => return fail(&state, &viewer, e),
        },
    };
    let page = PasswordPage {
        step,
        email: form.email,
        errors,
        ..PasswordPage::default()
    };
    show(&state, &viewer, status, page)
}

#[handler]
pub(super) async fn reset_form(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
) -> Response {
    let page = match recovery::check_link(&state.db, &token, state.clock.now()).await {
        Ok(()) => PasswordPage {
            step: "reset",
            token,
            ..PasswordPage::default()
        },
        Err(Error::Invalid(_)) => {
            let page = PasswordPage {
                step: "dead",
                ..PasswordPage::default()
            };
            return show(&state, &viewer, StatusCode::GONE, page);
        }
        Err(e) => return fail(&state, &viewer, e),
    };
    show(&state, &viewer, StatusCode::OK, page)
}

#[derive(Debug, Deserialize)]
pub(super) struct ResetForm {
    csrf_token: String,
    new_password: String,
}

#[handler]
pub(super) async fn reset(
    state: Data<&AppState>,
    viewer: Viewer,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Response {
    if let Err(e) = viewer.check_csrf(&form.csrf_token) {
        return fail(&state, &viewer, e);
    }
    match recovery::reset(&state.db, &token, &form.new_password, state.clock.now()).await {
        Ok(_) => Redirect::see_other("/login?reset=1").into_response(),
        Err(Error::Invalid(f)) if f.iter().any(|e| e.field == "token") => {
            let page = PasswordPage {
                step: "dead",
                ..PasswordPage::default()
            };
            show(&state, &viewer, StatusCode::GONE, page)
        }
        Err(e) => match form_errors(viewer.lang, &e) {
            Some(errors) => {
                let page = PasswordPage {
                    step: "reset",
                    token,
                    errors,
                    ..PasswordPage::default()
                };
                show(&state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, page)
            }
            None => fail(&state, &viewer, e),
        },
    }
}
