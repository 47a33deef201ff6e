//! The CSRF token of plain HTML forms (OWASP's "signed double-submit cookie").
//!
//! A page with a form sets the `folio_csrf` cookie (when the browser has none) and puts the
//! same value in a hidden `csrf_token` field. The security middleware accepts a form post without
//! a same-origin `Origin`/`Sec-Fetch-Site` proof only when the field equals the cookie and the
//! value carries our signature, so another site can neither read nor forge it.

use base64::Engine;
use subtle::ConstantTimeEq;

use super::SecretKey;

/// The cookie holding the token.
pub const COOKIE_NAME: &str = "folio_csrf";
/// The form field (and, as `X-CSRF-Token`, the header) carrying the token.
pub const FIELD_NAME: &str = "csrf_token";
/// The header carrying the token for scripts.
pub const HEADER_NAME: &str = "x-csrf-token";

/// A new signed token: `<random>.<signature>`.
pub fn new_token(key: &SecretKey) -> String {
    let mut bytes = [0u8; 18];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let random = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let signature = &key.digest("csrf", random.as_bytes())[..32];
    format!("{random}.{signature}")
}

/// Whether `token` carries our signature.
pub fn is_signed(key: &SecretKey, token: &str) -> bool {
    let Some((random, signature)) = token.split_once('.') else {
        return false;
    };
    let expected = key.digest("csrf", random.as_bytes());
    signature.len() == 32 && bool::from(signature.as_bytes().ct_eq(&expected.as_bytes()[..32]))
}

/// Whether a submitted token proves the request came from our own page: signed, and equal to
/// the cookie (compared in constant time).
pub fn verify(key: &SecretKey, cookie: Option<&str>, submitted: Option<&str>) -> bool {
    match (cookie, submitted) {
        (Some(cookie), Some(submitted)) => {
            is_signed(key, cookie) && bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_signed_token_equal_to_the_cookie_verifies() {
        let key = SecretKey::new(b"test key".to_vec());
        let token = new_token(&key);
        assert!(verify(&key, Some(&token), Some(&token)));
        assert!(!verify(&key, Some(&token), Some(&new_token(&key))));
        assert!(!verify(&key, Some(&token), None));
        let forged = "abc.0123456789abcdef0123456789abcdef";
        assert!(!verify(&key, Some(forged), Some(forged)));
        let other = SecretKey::new(b"other key".to_vec());
        assert!(!verify(&other, Some(&token), Some(&token)));
    }

    #[test]
    fn cookies_are_found_by_name() {
        assert_eq!(
            cookie_value("a=1; folio_csrf=x.y; b=2", COOKIE_NAME),
            Some("x.y")
        );
        assert_eq!(cookie_value("a=1", COOKIE_NAME), None);
    }
}
