//! The API's identity: `Authorization: Bearer cgv_...` personal tokens.

use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::hardening::Authenticated;
use super::problem::Problem;
use crate::app::AppState;
use crate::auth::{Actor, tokens};

/// A personal API token (create one on your account page or at `POST /me/tokens`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization", checker = "check_token")]
pub struct TokenAuth(pub Actor);

async fn check_token(req: &Request, bearer: Bearer) -> poem::Result<Actor> {
    // `hardening::around` has looked the token up (and refused a read-scope
    // token anything but a read); ask the database only where it did not run.
    let found = match req.extensions().get::<Authenticated>() {
        Some(Authenticated(actor)) => Ok(actor.clone()),
        None => {
            let state = req.data::<AppState>().ok_or_else(|| {
                poem::Error::from_response(super::problem::internal().into_http())
            })?;
            tokens::authenticate(&state.db, &bearer.token, state.clock.now()).await
        }
    };
    match found {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(poem::Error::from_response(
            Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "the token is unknown, revoked or its user deactivated",
            )
            .into_http(),
        )),
        Err(e) => {
            tracing::error!(error = %e, "token check failed");
            Err(poem::Error::from_response(
                super::problem::internal().into_http(),
            ))
        }
    }
}

/// A token when one is sent, anonymous otherwise (public reads that show
/// more to the right people: a department sees its drafts). A token that does
/// not authenticate reads as anonymous here.
#[derive(SecurityScheme)]
pub enum MaybeAuth {
    /// A valid personal token.
    Token(TokenAuth),
    /// No token.
    #[oai(fallback)]
    Anonymous,
}

impl MaybeAuth {
    /// The actor, if any.
    #[must_use]
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Self::Token(t) => Some(&t.0),
            Self::Anonymous => None,
        }
    }
}
