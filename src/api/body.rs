//! `JsonBody<T>`: the request body extractor of every operation.
//!
//! poem-openapi's own `Json<T>` reports a missing or mistyped field without
//! naming it, and takes a JSON number for a string. This extractor parses with
//! serde first (through `serde_path_to_error`, which knows the path of the
//! failing field) so the 400 names the field, then with poem-openapi, whose
//! schema validators (lengths, patterns) become 422s naming the field. The
//! schema in the OpenAPI document is `T`'s.

use std::ops::Deref;

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::error::FieldError;

/// Largest JSON body accepted.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// A JSON request body whose parse errors name the field.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

fn reject(status: StatusCode, code: &str, detail: String, fields: Vec<FieldError>) -> poem::Error {
    poem::Error::from_response(Problem::with_fields(status, code, detail, fields).into_http())
}

/// Field name from a serde path, or from serde's "missing field `x`" or
/// "unknown field `x`" message.
fn field_of(path: &str, message: &str) -> String {
    // serde's path of an unknown field already ends with its name.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return if path == "." {
            rest.split('`').next().unwrap_or_default().to_owned()
        } else {
            path.to_owned()
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
    }
    if path == "." {
        String::new()
    } else {
        path.to_owned()
    }
}

/// Field name inside poem-openapi's "field `x` verification failed" message.
fn field_in_validation(message: &str) -> String {
    message
        .split("field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_default()
        .to_owned()
}

impl<T: Type + ParseFromJSON + DeserializeOwned> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = Vec::<u8>::from_request(request, body).await?;
        if bytes.len() > MAX_JSON_BYTES {
            return Err(reject(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {MAX_JSON_BYTES} bytes"),
                vec![],
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            reject(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
                vec![],
            )
        })?;
        if let Err(e) = serde_path_to_error::deserialize::<_, T>(value.clone()) {
            let message = e.inner().to_string();
            let field = field_of(&e.path().to_string(), &message);
            let detail = if field.is_empty() {
                message.clone()
            } else {
                format!("{field}: {message}")
            };
            return Err(reject(
                StatusCode::BAD_REQUEST,
                "bad_request",
                detail,
                vec![FieldError::new(field, "invalid", message)],
            ));
        }
        match T::parse_from_json(Some(value)) {
            Ok(v) => Ok(Self(v)),
            Err(e) => {
                let message = e.into_message();
                let field = field_in_validation(&message);
                Err(reject(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    message.clone(),
                    vec![FieldError::new(field, "invalid", message)],
                ))
            }
        }
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: Type + ParseFromJSON + DeserializeOwned);

/// A body read from a stream of pages (an export built a page at a time);
/// a page that fails is logged and cuts the body, as the status is sent.
pub fn streamed<S>(pages: S, what: &'static str) -> poem::Body
where
    S: futures_util::Stream<Item = crate::error::Result<Vec<u8>>> + Send + 'static,
{
    use futures_util::StreamExt as _;
    poem::Body::from_bytes_stream(pages.map(move |page| {
        page.map(bytes::Bytes::from).map_err(|e| {
            tracing::error!(error = %e, export = what, "export failed part way");
            std::io::Error::other(e.to_string())
        })
    }))
}

/// A JSON answer streamed a page at a time, documented with `T`'s schema.
pub struct StreamedJson<T>(poem::Body, std::marker::PhantomData<fn() -> T>);

impl<T> StreamedJson<T> {
    /// The answer whose body is `body`.
    pub fn new(body: poem::Body) -> Self {
        Self(body, std::marker::PhantomData)
    }
}

impl<T: Type> Payload for StreamedJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> poem::IntoResponse for StreamedJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_path_or_message() {
        assert_eq!(field_of(".", "missing field `email`"), "email");
        assert_eq!(field_of("role", "unknown variant `root`"), "role");
        assert_eq!(
            field_in_validation(
                r#"failed to parse "X": field `name` verification failed. maxLength(100)"#
            ),
            "name"
        );
    }
}
