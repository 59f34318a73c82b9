//! Accounts and access: who someone is (users, sessions, API tokens) and what
//! they may do (the policy).
//!
//! - A user has one [`Role`] and, by role, a department (purchasers) or an
//!   organization (org members and org admins, once their organization exists).
//! - Browser sessions live in the database: a random cookie value whose SHA-256
//!   is the row id, a new one at every sign-in, ending after an idle period or
//!   an absolute lifetime, whichever comes first.
//! - Personal API tokens (`Authorization: Bearer cgv_...`) are shown once,
//!   stored hashed, scoped `read` or `read write`, revocable, with last use.
//! - Failed sign-ins are counted per account and per client address and
//!   throttled ([`throttle`]).
//! - Every request's rights are decided in [`policy`], nowhere else.

pub mod password;
pub mod policy;
pub mod roles;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use roles::Role;

use uuid::Uuid;

use crate::audit::Who;

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser session cookie (full rights of the role; forms carry a CSRF token).
    Session,
    /// A personal API token with these scopes.
    Token {
        /// May change things.
        write: bool,
    },
}

/// The signed-in user making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub user_id: Uuid,
    /// E-mail (lower case).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Department, for purchasers.
    pub department_id: Option<Uuid>,
    /// Organization, for org members and admins.
    pub organization_id: Option<Uuid>,
    /// How they authenticated.
    pub via: Via,
}

impl Actor {
    /// Builds the actor for a user row; `None` when the row's role is unknown.
    #[must_use]
    pub fn from_user(u: &entity::users::Model, via: Via) -> Option<Self> {
        Some(Self {
            user_id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.parse().ok()?,
            department_id: u.department_id,
            organization_id: u.organization_id,
            via,
        })
    }

    /// The actor as the audit chain records it.
    #[must_use]
    pub fn who(&self) -> Who {
        Who {
            user_id: Some(self.user_id),
            role: self.role.as_str().to_owned(),
        }
    }
}

/// A new random secret: `bytes` random bytes, base64url without padding.
#[must_use]
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Hex SHA-256 of a secret, as stored for sessions and tokens.
#[must_use]
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}
