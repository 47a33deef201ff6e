//! Single-use tokens for links sent by email: 256 random bits, URL-safe base64 in the link,
//! SHA-256 hex in the database (a leaked table does not yield working links), as OWASP's
//! Forgot Password Cheat Sheet recommends.

use base64::Engine;
use sha2::{Digest, Sha256};

/// How long a password-reset link works (the issue: one hour).
pub const PASSWORD_RESET_LIFETIME: chrono::Duration = chrono::Duration::hours(1);
/// How long an email-verification link works (three days, as django-allauth's default).
pub const EMAIL_VERIFICATION_LIFETIME: chrono::Duration = chrono::Duration::days(3);

/// A new random token, as it goes into the link.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The digest stored for `token` (64 hex characters).
pub fn digest(token: &str) -> String {
    super::hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape of one of ours (43 URL-safe base64 characters); anything else
/// is refused before it reaches the database.
pub fn looks_valid(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digests_fixed_length() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(looks_valid(&a));
        assert_eq!(digest(&a).len(), 64);
        assert_eq!(digest(&a), digest(&a));
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&format!("{}!", &a[..42])));
    }
}
