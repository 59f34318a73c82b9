//! `/accounts` (sign-up) and `/me` (one's own account and API tokens).

use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::auth::TokenAuth;
use super::body::JsonBody;
use super::dto::{
    Accepted, CreateTokenInput, NewToken, PasswordChangeInput, ResetInput, ResetRequestInput,
    ScopeDto, SignUpInput, TaskList, Token, TokenList, User,
};
use super::{ApiResult, ApiTags};
use crate::app::AppState;
use crate::auth::tokens::{self, Scope};
use crate::auth::users;
use crate::i18n::Lang;

/// Sign-up.
pub struct AccountsApi;

/// A created account.
#[derive(ApiResponse)]
pub enum CreatedUser {
    /// The account exists; sign in on the pages to use it.
    #[oai(status = 201)]
    Created(Json<User>),
}

/// A request for a link, taken whether or not an account has the address.
#[derive(ApiResponse)]
pub enum LinkRequested {
    /// If an active account has this address, a link was mailed to it.
    #[oai(status = 202)]
    Accepted(Json<Accepted>),
}

/// Done; nothing to return.
#[derive(ApiResponse)]
pub enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

fn client_of(remote: &poem::web::RemoteAddr) -> String {
    remote
        .as_socket_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

#[OpenApi(prefix_path = "/accounts", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Ask for a password reset link
    ///
    /// Mails a link that sets a new password, once, within 60 minutes, when
    /// an active account has the address. The answer is the same when none
    /// has it. At most 3 requests per address and 10 per client an hour
    /// (429 beyond).
    #[oai(
        path = "/password-reset",
        method = "post",
        operation_id = "request_password_reset"
    )]
    async fn request_password_reset(
        &self,
        state: Data<&AppState>,
        remote: &poem::web::RemoteAddr,
        body: JsonBody<ResetRequestInput>,
    ) -> ApiResult<LinkRequested> {
        crate::recovery::request(
            &state.db,
            &body.0.email,
            &client_of(remote),
            state.clock.now(),
        )
        .await?;
        Ok(LinkRequested::Accepted(Json(Accepted {
            message: "if an account has this address, a link to set a new password is on its way"
                .into(),
        })))
    }

    /// Set a new password with a reset link
    ///
    /// Works once, within 60 minutes of the request; every session of the
    /// account ends and its other links stop working. An unknown, used or
    /// expired link is refused on `token` (422).
    #[oai(
        path = "/password-reset/confirm",
        method = "post",
        operation_id = "reset_password"
    )]
    async fn reset_password(
        &self,
        state: Data<&AppState>,
        body: JsonBody<ResetInput>,
    ) -> ApiResult<Done> {
        crate::recovery::reset(
            &state.db,
            &body.0.token,
            &body.0.new_password,
            state.clock.now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// Sign up as a social organization's staff member
    ///
    /// Creates an active `org_member` account without an organization; the
    /// organization comes with an approved registration or an invitation.
    #[oai(path = "/", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        state: Data<&AppState>,
        body: JsonBody<SignUpInput>,
    ) -> ApiResult<CreatedUser> {
        let input = body.0;
        let user = users::sign_up(
            &state.db,
            &input.email,
            &input.display_name,
            &input.password,
            state.clock.now(),
        )
        .await?;
        Ok(CreatedUser::Created(Json(user.into())))
    }
}

/// The caller's own account.
pub struct MeApi;

/// A created token.
#[derive(ApiResponse)]
pub enum CreatedToken {
    /// The token; its secret is in this answer only.
    #[oai(status = 201)]
    Created(Json<NewToken>),
}

#[OpenApi(prefix_path = "/me", tag = "ApiTags::Accounts")]
impl MeApi {
    /// Who am I
    #[oai(path = "/", method = "get", operation_id = "get_me")]
    async fn get_me(&self, state: Data<&AppState>, auth: TokenAuth) -> ApiResult<Json<User>> {
        Ok(Json(users::current(&state.db, &auth.0).await?.into()))
    }

    /// What needs me now
    ///
    /// The things waiting for the caller, grouped by kind: each group counts
    /// all of them and lists the ten that wait longest, oldest first, each
    /// with the page where it is done. Duties come first (the groups the
    /// menu counts), then opportunities (projects the caller's organization
    /// may bid for, closing within a week). A task leaves the list when it
    /// is done.
    #[oai(path = "/tasks", method = "get", operation_id = "list_my_tasks")]
    async fn list_tasks(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        /// The language of each group's `label`: zh-CN (default) or en.
        #[oai(name = "Accept-Language")]
        accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<TaskList>> {
        let lang = accept_language
            .0
            .as_deref()
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::ZhCn);
        let groups = crate::workspace::tasks(&state.db, &auth.0, state.clock.now()).await?;
        Ok(Json(TaskList::new(&groups, lang)))
    }

    /// Change my password
    ///
    /// With the current password; every browser session of the account
    /// ends (API tokens stay). Wrong current passwords count as failed
    /// sign-ins and are throttled the same way.
    #[oai(
        path = "/password",
        method = "post",
        operation_id = "change_my_password"
    )]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        remote: &poem::web::RemoteAddr,
        body: JsonBody<PasswordChangeInput>,
    ) -> ApiResult<Done> {
        users::change_password(
            &state.db,
            &auth.0,
            &body.0.current_password,
            &body.0.new_password,
            &client_of(remote),
            state.clock.now(),
        )
        .await?;
        Ok(Done::NoContent)
    }

    /// The language of my notices and mails
    ///
    /// `zh-CN` or `en`; none means both, Chinese first.
    #[oai(path = "/language", method = "get", operation_id = "get_my_language")]
    async fn get_language(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<MailLanguage>> {
        let lang = crate::notifications::language::of(state.db.conn(), auth.0.user_id).await?;
        Ok(Json(MailLanguage {
            lang: lang.map(|l| l.tag().to_owned()),
        }))
    }

    /// Choose the language of my notices and mails
    ///
    /// `zh-CN` or `en`, or none (null) for both.
    #[oai(path = "/language", method = "put", operation_id = "set_my_language")]
    async fn set_language(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<MailLanguage>,
    ) -> ApiResult<Json<MailLanguage>> {
        let lang = match body.0.lang.as_deref() {
            None => None,
            Some(tag) => Some(crate::i18n::Lang::from_tag(tag).ok_or_else(|| {
                crate::error::Error::invalid("lang", "unknown_language", "zh-CN or en")
            })?),
        };
        crate::notifications::language::choose(&state.db, &auth.0, lang, state.clock.now()).await?;
        Ok(Json(MailLanguage {
            lang: lang.map(|l| l.tag().to_owned()),
        }))
    }

    /// List my API tokens
    #[oai(path = "/tokens", method = "get", operation_id = "list_my_tokens")]
    async fn list_tokens(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
    ) -> ApiResult<Json<TokenList>> {
        let items = tokens::list(&state.db, &auth.0).await?;
        Ok(Json(TokenList {
            items: items.into_iter().map(Token::from).collect(),
        }))
    }

    /// Create an API token
    ///
    /// The secret is returned once, in this answer; only its hash is kept.
    #[oai(path = "/tokens", method = "post", operation_id = "create_my_token")]
    async fn create_token(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        body: JsonBody<CreateTokenInput>,
    ) -> ApiResult<CreatedToken> {
        let scopes: Vec<Scope> = body
            .scopes
            .iter()
            .map(|s| match s {
                ScopeDto::Read => Scope::Read,
                ScopeDto::Write => Scope::Write,
            })
            .collect();
        let (token, secret) =
            tokens::create(&state.db, &auth.0, &body.name, &scopes, state.clock.now()).await?;
        Ok(CreatedToken::Created(Json(NewToken {
            token: token.into(),
            secret,
        })))
    }

    /// Revoke one of my API tokens
    #[oai(
        path = "/tokens/:id/revoke",
        method = "post",
        operation_id = "revoke_my_token"
    )]
    async fn revoke_token(
        &self,
        state: Data<&AppState>,
        auth: TokenAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<Token>> {
        let token = tokens::revoke(&state.db, &auth.0, id.0, state.clock.now()).await?;
        Ok(Json(token.into()))
    }
}

/// The language of a person's notices and mails.
#[derive(Debug, Clone, poem_openapi::Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailLanguage {
    /// `zh-CN` or `en`; none for both, Chinese first.
    #[oai(validator(pattern = "^(zh-CN|en)$"))]
    #[serde(default)]
    pub lang: Option<String>,
}
