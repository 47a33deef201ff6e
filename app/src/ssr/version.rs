//! Versions for optimistic locking: a short digest of an object's stored state, sent with a form
//! or the editor and compared on save; when it differs, someone saved the object since it was
//! opened, and the save is refused instead of silently overwriting theirs.

use sha2::{Digest, Sha256};

/// The version of an object whose state is `parts` (each length-prefixed, so `["ab", "c"]` and
/// `["a", "bc"]` differ): 24 hex digits of SHA-256.
pub fn version_of(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    crate::ssr::auth::hex(&hasher.finalize()[..12])
}
