//! Password rules and argon2id hashing.
//!
//! Hashing and verifying run on [`HASHING_THREADS`] threads of their own,
//! not on the runtime's blocking pool: each argon2id run takes 19 MiB,
//! and the C allocator keeps a thread's freed blocks of that size for that
//! thread, so spread over the blocking pool's many threads they stayed
//! resident (`serve --demo` kept 260 MB after creating its accounts; with
//! two threads, 55 MB). Two threads are also all the CPU a burst of
//! sign-ins gets; the rest wait their turn.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{Error, FieldError, Result};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (argon2 would take more, but nobody types this).
pub const MAX_LEN: usize = 128;

/// Checks the password rules: 10 to 128 characters, at least one letter and
/// one digit, not the e-mail address.
///
/// # Errors
/// One `FieldError` on `field` per broken rule.
pub fn check_rules(field: &str, password: &str, email: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        errors.push(FieldError::new(
            field,
            "password_too_short",
            format!("password must be at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        errors.push(FieldError::new(
            field,
            "password_too_long",
            format!("password must be at most {MAX_LEN} characters"),
        ));
    }
    if !password.chars().any(char::is_alphabetic) || !password.chars().any(|c| c.is_ascii_digit()) {
        errors.push(FieldError::new(
            field,
            "password_needs_letter_and_digit",
            "password must contain at least one letter and one digit",
        ));
    }
    if !email.is_empty() && password.trim().eq_ignore_ascii_case(email.trim()) {
        errors.push(FieldError::new(
            field,
            "password_is_email",
            "password must not be the e-mail address",
        ));
    }
    errors
}

/// Threads that hash and verify passwords.
pub const HASHING_THREADS: usize = 2;

/// The hashing threads; `None` when the system would not start them (then
/// the runtime's blocking pool does the work, as it used to).
fn hashing_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(HASHING_THREADS)
            .thread_name(|i| format!("argon2-{i}"))
            .build()
            .inspect_err(
                |e| tracing::warn!(error = %e, "no hashing threads; using the blocking pool"),
            )
            .ok()
    })
    .as_ref()
}

/// Runs `work` on the hashing threads and waits for it without holding
/// the runtime's.
async fn on_hashing_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let Some(pool) = hashing_pool() else {
        return tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(format!("hashing task: {e}")));
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        let _ = tx.send(work());
    });
    rx.await
        .map_err(|_| Error::Internal("the hashing thread stopped".into()))
}

/// Hashes a password with argon2id (salt generated inside), on the
/// hashing threads.
///
/// # Errors
/// `Internal` when hashing fails, which only a bug of ours can cause.
pub async fn hash(password: String) -> Result<String> {
    on_hashing_threads(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))
    })
    .await?
}

/// True when `password` matches the stored PHC hash.
pub async fn verify(password: String, phc: String) -> bool {
    on_hashing_threads(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified against when the account does not
/// exist so that unknown e-mails take as long as wrong passwords.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$kYjtVQ0n7Ck8zqvYtS3oVWpvlRzQG9yU4xQ6y7l1t0c";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_name_each_problem() {
        let codes = |p: &str| -> Vec<String> {
            check_rules("password", p, "a@b.cn")
                .into_iter()
                .map(|e| e.code)
                .collect()
        };
        assert_eq!(codes("short1"), ["password_too_short"]);
        assert_eq!(codes("onlyletters"), ["password_needs_letter_and_digit"]);
        assert_eq!(codes("1234567890"), ["password_needs_letter_and_digit"]);
        assert!(codes("correct horse 42").is_empty());
        assert!(codes(&"a1".repeat(65)).contains(&"password_too_long".to_owned()));
        assert!(
            check_rules("password", "A@B.cn1234", "a@b.cn1234")
                .iter()
                .any(|e| e.code == "password_is_email")
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse 42".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse 42".into(), h.clone()).await);
        assert!(!verify("wrong horse 42".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }
}
