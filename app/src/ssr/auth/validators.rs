//! Password rules: Django's four default `AUTH_PASSWORD_VALIDATORS`, with Django's messages.
//!
//! - `MinimumLengthValidator` (8 characters),
//! - `UserAttributeSimilarityValidator` (not too similar to the username or email; Django's
//!   `SequenceMatcher.quick_ratio() >= 0.7` rule),
//! - `CommonPasswordValidator` (the 20,000 common passwords list Django ships, from
//!   `django/contrib/auth/common-passwords.txt.gz`, BSD licence),
//! - `NumericPasswordValidator`.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::LazyLock;

/// Minimum length in characters (Django's default).
pub const MIN_LENGTH: usize = 8;
/// Passwords longer than this are refused, so hashing cannot be used to exhaust the server.
pub const MAX_LENGTH: usize = 4096;
/// Django's `UserAttributeSimilarityValidator.DEFAULT_MAX_SIMILARITY`.
const MAX_SIMILARITY: f64 = 0.7;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let gz: &[u8] = include_bytes!("common-passwords.txt.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .expect("the bundled common-password list is valid gzip text");
    text.lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Loads the common-password list now (at start-up) rather than on the first sign-up.
pub fn warm_up() {
    LazyLock::force(&COMMON);
}

/// Checks `password` against every rule; `attributes` are the user's values it must not
/// resemble, as `(label, value)` (e.g. `("email address", "ada@example.org")`).
///
/// Returns every message that applies (empty when the password is acceptable).
pub fn validate(password: &str, attributes: &[(&str, &str)]) -> Vec<String> {
    let mut problems = Vec::new();
    let length = password.chars().count();
    if length < MIN_LENGTH {
        problems.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if length > MAX_LENGTH {
        problems.push(format!(
            "This password is too long (at most {MAX_LENGTH} characters)."
        ));
    }
    for (label, value) in attributes {
        if too_similar(password, value) {
            problems.push(format!("The password is too similar to the {label}."));
            break;
        }
    }
    if COMMON.contains(&password.trim().to_lowercase()) {
        problems.push("This password is too common.".to_string());
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push("This password is entirely numeric.".to_string());
    }
    problems
}

/// Django's rule: the password is too similar to `value` or to any of its parts split on
/// non-word characters, skipping parts too short to matter.
fn too_similar(password: &str, value: &str) -> bool {
    let password = password.to_lowercase();
    let value = value.to_lowercase();
    if value.is_empty() {
        return false;
    }
    let parts = std::iter::once(value.as_str())
        .chain(value.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|p| !p.is_empty());
    for part in parts {
        // Django's `exceeds_maximum_length_ratio`: a much longer password cannot be "similar".
        let pwd_len = password.chars().count() as f64;
        let part_len = part.chars().count() as f64;
        if pwd_len >= 10.0 * part_len && part_len < MAX_SIMILARITY / 2.0 * pwd_len {
            continue;
        }
        if quick_ratio(&password, part) >= MAX_SIMILARITY {
            return true;
        }
    }
    false
}

/// Python's `difflib.SequenceMatcher.quick_ratio`: `2 * M / T`, where `M` is the number of
/// characters the two strings share (as multisets) and `T` their total length.
fn quick_ratio(a: &str, b: &str) -> f64 {
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        return 1.0;
    }
    let mut counts: HashMap<char, isize> = HashMap::new();
    for c in b.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a.chars() {
        let n = counts.entry(c).or_default();
        if *n > 0 {
            matches += 1;
        }
        *n -= 1;
    }
    2.0 * matches as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTRS: &[(&str, &str)] = &[
        ("username", "adalovelace"),
        ("email address", "ada@example.org"),
    ];

    #[test]
    fn a_good_password_passes() {
        assert!(validate("velvet-orbit-lantern-42", ATTRS).is_empty());
    }

    #[test]
    fn each_rule_has_its_message() {
        assert_eq!(
            validate("Zq9!x", ATTRS),
            vec!["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(
            validate("password1", ATTRS),
            vec!["This password is too common."]
        );
        assert!(validate("PASSWORD", ATTRS).contains(&"This password is too common.".to_string()));
        assert_eq!(
            validate("90184726351", ATTRS),
            vec!["This password is entirely numeric."]
        );
        assert_eq!(
            validate("adalovelace1", ATTRS),
            vec!["The password is too similar to the username."]
        );
        assert_eq!(
            validate("ada@example.or", &[("email address", "ada@example.org")]),
            vec!["The password is too similar to the email address."]
        );
    }

    #[test]
    fn quick_ratio_matches_python() {
        // difflib.SequenceMatcher(None, "abcd", "bcde").quick_ratio() == 0.75
        assert!((quick_ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert!((quick_ratio("", "") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_common_list_is_djangos() {
        assert!(COMMON.len() > 19_000);
        assert!(COMMON.contains("qwerty"));
    }
}
