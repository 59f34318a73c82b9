//! `application/problem+json` (RFC 9457): the one shape of every API error,
//! and the one place domain errors become HTTP statuses.

use poem::Response;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::error::{Error, FieldError, Refusal};

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that was wrong.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ProblemField {
    /// Field name as sent (`email`, `limit`).
    pub field: String,
    /// Stable machine code (`password_too_short`).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// An error (RFC 9457 problem details).
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Problem {
    /// URI reference naming the kind of problem.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Fields that were wrong (validation and parse errors); absent when none.
    #[oai(default, skip_serializing_if_is_empty)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

impl Problem {
    /// A problem of `status` with a detail and no fields.
    #[must_use]
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A problem with field errors.
    #[must_use]
    pub fn with_fields(
        status: StatusCode,
        code: &str,
        detail: impl Into<String>,
        fields: Vec<FieldError>,
    ) -> Self {
        Self {
            errors: fields
                .into_iter()
                .map(|f| ProblemField {
                    field: f.field,
                    code: f.code,
                    message: f.message,
                })
                .collect(),
            ..Self::new(status, code, detail)
        }
    }

    /// The problem as an HTTP response.
    #[must_use]
    pub fn into_http(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        Response::builder()
            .status(status)
            .content_type(PROBLEM_JSON)
            .body(body)
    }
}

/// Every error an operation can answer with; each is documented on every operation.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// Malformed request: unreadable JSON, wrong types, missing fields, bad parameters.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No identity: send `Authorization: Bearer <token>`.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Identity known, action not allowed (role or token scope).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such thing, or not one the caller may know exists.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Wrong state for the action, or a duplicate.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The request breaks a rule; `errors` names each field.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// The body's media type is not one this operation reads.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Too many attempts; retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// A failure of the server; details are in its log under the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Too busy to take the request now; nothing was changed: retry after
    /// `Retry-After` seconds (with the same `Idempotency-Key`, safely).
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

/// Seconds a busy server asks a client to wait.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// The body of every 503 for contention.
#[must_use]
pub fn busy() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "the server is busy and changed nothing; retry in a moment (the same Idempotency-Key is safe)",
    )
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Unauthenticated => ApiError::Unauthorized(Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "authentication required: send a valid bearer token",
            ))),
            Error::Forbidden(reason) => ApiError::Forbidden(Json(Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                reason,
            ))),
            Error::NotFound(what) => ApiError::NotFound(Json(Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ))),
            Error::Conflict { code, message } => {
                ApiError::Conflict(Json(Problem::new(StatusCode::CONFLICT, code, message)))
            }
            Error::BadInput(fields) => ApiError::BadRequest(Json(Problem::with_fields(
                StatusCode::BAD_REQUEST,
                "bad_request",
                summary(&fields),
                fields,
            ))),
            Error::Invalid(fields) => ApiError::Unprocessable(Json(Problem::with_fields(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                summary(&fields),
                fields,
            ))),
            Error::TooManyRequests { retry_after_secs } => ApiError::TooManyRequests(
                Json(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!("too many attempts; retry in {retry_after_secs} seconds"),
                )),
                retry_after_secs,
            ),
            e if e.is_superseded() => ApiError::Conflict(Json(Problem::new(
                StatusCode::CONFLICT,
                "idempotency_superseded",
                "a retry with this Idempotency-Key took this request over; nothing of this one \
                 was written, and the retry's answer is the one kept",
            ))),
            // A unique key the command did not name itself: the same thing
            // made twice at once (two requests raced past a check).
            Error::Refused {
                kind: Refusal::Duplicate,
                ..
            } => ApiError::Conflict(Json(Problem::new(
                StatusCode::CONFLICT,
                "duplicate",
                "this already exists: another request made it first",
            ))),
            Error::Refused {
                kind: Refusal::MissingReference,
                ..
            } => ApiError::Unprocessable(Json(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_reference",
                "the request names something that does not exist",
            ))),
            e if e.is_contention() => {
                tracing::warn!(error = %e, "busy: answered 503");
                ApiError::Unavailable(Json(busy()), BUSY_RETRY_AFTER)
            }
            e @ (Error::Db(_) | Error::Internal(_)) => {
                tracing::error!(error = %e, "request failed");
                ApiError::Internal(Json(internal()))
            }
        }
    }
}

/// The body of every 500: nothing about the cause.
#[must_use]
pub fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed; the request id in the X-Request-Id header finds the details in its log",
    )
}

fn summary(fields: &[FieldError]) -> String {
    match fields {
        [one] => format!("{}: {}", one.field, one.message),
        many => format!("{} fields are invalid", many.len()),
    }
}

/// Turns any error that escaped an API endpoint (parse errors of parameters,
/// unknown paths, wrong methods, missing content types, our own problems)
/// into problem+json.
pub fn from_poem_error(err: poem::Error) -> Response {
    use poem_openapi::error::{ContentTypeError, ParseParamError, ParsePathError};
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return bad_field(e.name, &e.reason);
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        // poem-openapi names path variables `param0`, `param1`... internally, so
        // the best name we can give is the path itself.
        let _ = e.name;
        return bad_field(
            "path",
            &format!("a path parameter is not valid: {}", e.reason),
        );
    }
    if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            e.to_string(),
        )
        .into_http();
    }
    let status = err.status();
    let resp = err.into_response();
    if is_problem(&resp) {
        return resp;
    }
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such resource".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this method is not allowed on this path".to_owned(),
        ),
        StatusCode::UNAUTHORIZED => (
            "unauthenticated",
            "authentication required: send a valid bearer token".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is too large".to_owned(),
        ),
        s if s.is_server_error() => return internal().into_http(),
        s => (
            "bad_request",
            s.canonical_reason().unwrap_or("bad request").to_owned(),
        ),
    };
    Problem::new(status, code, detail).into_http()
}

fn bad_field(name: &str, reason: &str) -> Response {
    // The parser may quote what it could not parse: never repeat a control character.
    let reason = crate::text::printable(reason);
    let reason = reason.as_str();
    Problem::with_fields(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("{name}: {reason}"),
        vec![FieldError::new(name, "invalid", reason)],
    )
    .into_http()
}

/// True when a response already carries a problem body.
#[must_use]
pub fn is_problem(resp: &Response) -> bool {
    resp.content_type()
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON))
}
