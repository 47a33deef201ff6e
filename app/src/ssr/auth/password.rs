//! Password hashing with Argon2id and OWASP's parameters, off the async executor.
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`), so the parameters travel with
//! each hash and can be raised later without breaking old ones. Parameters: 19 MiB, 2 passes,
//! 1 lane — the first configuration of OWASP's Password Storage Cheat Sheet.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// A password as typed; never printed or logged.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The password, for hashing and validation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Argon2 failed or the blocking task was cancelled (a bug or resource exhaustion; logged,
    /// never shown).
    #[error("password hashing failed: {0}")]
    Failed(String),
    /// Every hashing slot stayed taken for the whole wait (see [`HashLimiter`]).
    #[error("every password hashing slot is taken")]
    Busy,
}

/// Bounds the password hashes this process computes at once.
///
/// Each Argon2 computation takes 19 MiB and a core for tens of milliseconds, before anything
/// else about a request is known to be good, so unbounded parallel sign-ups or sign-ins could
/// occupy every core and gigabytes of memory (OWASP Denial of Service Cheat Sheet: bound the
/// resources a request can claim). A hash waits for one of the slots and otherwise fails with
/// [`HashError::Busy`] (answered 503 with `Retry-After`). Memory for hashing is thus at most
/// slots × 19 MiB.
#[derive(Debug, Clone)]
pub struct HashLimiter {
    slots: crate::ssr::slots::WorkSlots,
}

impl HashLimiter {
    /// At most `concurrent` (at least 1) hashes at once; others wait up to `wait`.
    pub fn new(concurrent: usize, wait: std::time::Duration) -> Self {
        Self {
            slots: crate::ssr::slots::WorkSlots::new("password hashing", concurrent, wait),
        }
    }

    /// One slot per core of this machine, waiting up to ten seconds (the server's defaults;
    /// for the command line, which hashes one password at a time).
    pub fn per_core() -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            std::time::Duration::from_secs(10),
        )
    }

    /// How many hashes may run at once.
    pub fn concurrent(&self) -> usize {
        self.slots.size()
    }

    /// [`hash`] within a slot.
    ///
    /// # Errors
    /// [`HashError::Busy`] when no slot freed up in time; [`HashError::Failed`] as [`hash`].
    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let _slot = self.slots.take().await.map_err(|_| HashError::Busy)?;
        hash(password).await
    }

    /// [`verify`] within a slot.
    ///
    /// # Errors
    /// [`HashError::Busy`] when no slot freed up in time; [`HashError::Failed`] as [`verify`].
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let _slot = self.slots.take().await.map_err(|_| HashError::Busy)?;
        verify(password, stored).await
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string, on a blocking thread.
///
/// # Errors
/// [`HashError`] when Argon2 fails or the blocking task is cancelled.
pub async fn hash(password: Password) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| HashError::Failed(e.to_string()))?
}

/// Hashes on the current thread (for CLI commands outside the server's executor).
///
/// # Errors
/// [`HashError`] when Argon2 fails.
pub fn hash_blocking(password: &Password) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

/// A hash of a random password, verified against when the account does not exist or has no
/// usable password, so that an unknown email costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut random = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
    hash_blocking(&Password::new(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        random,
    )))
    .expect("hashing a random password succeeds")
});

/// Checks `password` against `stored` (a PHC string, or `None` for an unknown account or an
/// unusable password) on a blocking thread. Always does one full Argon2 computation.
///
/// Returns `true` only for a stored hash that matches.
///
/// # Errors
/// [`HashError`] when the blocking task is cancelled.
pub async fn verify(password: Password, stored: Option<String>) -> Result<bool, HashError> {
    tokio::task::spawn_blocking(move || {
        let usable = stored.as_deref().and_then(|s| PasswordHash::new(s).ok());
        match usable {
            Some(parsed) => hasher()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok(),
            None => {
                let dummy = PasswordHash::new(&DUMMY_HASH).expect("the dummy hash parses");
                let _ = hasher().verify_password(password.expose().as_bytes(), &dummy);
                false
            }
        }
    })
    .await
    .map_err(|e| HashError::Failed(e.to_string()))
}

/// Computes the dummy hash now (at start-up) so the first unknown-email sign-in is not faster.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash(Password::new("correct horse battery")).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(
            verify(Password::new("correct horse battery"), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(Password::new("correct horse battery!"), Some(stored))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_or_unusable_hashes_never_verify() {
        assert!(!verify(Password::new("anything"), None).await.unwrap());
        assert!(!verify(Password::new("anything"), Some("!unusable".into()))
            .await
            .unwrap());
    }

    #[test]
    fn passwords_do_not_print() {
        assert_eq!(format!("{:?}", Password::new("hunter2")), "Password(***)");
    }
}
