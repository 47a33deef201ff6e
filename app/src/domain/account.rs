//! Account input parsed once at the edge: email addresses, usernames, and the `?next=` target
//! after signing in.

use std::fmt;

/// Maximum length of an email address (RFC 5321 §4.5.3.1.3 path limit, as Django's `EmailField`).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Maximum length of a username (Django's `AbstractUser.username`).
pub const MAX_USERNAME_CHARS: usize = 150;

/// A syntactically valid email address, trimmed, with its domain lower-cased (the local part is
/// kept as typed, as Django's `BaseUserManager.normalize_email`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address of the form `local@domain.tld`.
    ///
    /// # Errors
    /// A message for the person who typed it.
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.trim();
        if value.is_empty() {
            return Err("Enter your email address.".into());
        }
        if value.chars().count() > MAX_EMAIL_CHARS {
            return Err(format!(
                "An email address has at most {MAX_EMAIL_CHARS} characters."
            ));
        }
        let invalid = || "Enter a valid email address.".to_string();
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key used to find the account and count failed sign-ins: the whole address in lower
    /// case (addresses are matched case-insensitively, as most providers treat them).
    pub fn lookup_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A username: 1–150 characters of letters, digits and `@ . + - _` (Django's
/// `UnicodeUsernameValidator`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses a username.
    ///
    /// # Errors
    /// A message for the person who typed it.
    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.trim();
        if value.is_empty() {
            return Err("Choose a username.".into());
        }
        if value.chars().count() > MAX_USERNAME_CHARS {
            return Err(format!(
                "A username has at most {MAX_USERNAME_CHARS} characters."
            ));
        }
        if !value
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
        {
            return Err("Enter a valid username: letters, digits and @ . + - _ only.".into());
        }
        Ok(Self(value.to_string()))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where to go after signing in: `next` when it is a path on this site, else `/`.
///
/// Refuses anything that a browser could resolve to another host (absolute URLs,
/// scheme-relative `//host`, backslash tricks `/\host`, control characters), as Django's
/// `url_has_allowed_host_and_scheme` does; see OWASP's "Unvalidated Redirects and Forwards".
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return "/".to_string();
    };
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if safe {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_their_domain_lower_cased() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").unwrap().as_str(),
            "Ada@example.org"
        );
        assert_eq!(
            Email::parse("Ada@Example.ORG").unwrap().lookup_key(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@localhost",
            "a..b@example.org",
            "ada@ex ample.org",
            "ada@-x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(250))).is_err());
    }

    #[test]
    fn usernames_follow_djangos_validator() {
        assert_eq!(
            Username::parse("ada.l+blog@x_y-z").unwrap().as_str(),
            "ada.l+blog@x_y-z"
        );
        assert!(Username::parse("Zoë").is_ok());
        assert!(Username::parse("ada lovelace").is_err());
        assert!(Username::parse("<script>").is_err());
        assert!(Username::parse(&"a".repeat(151)).is_err());
        assert!(Username::parse("  ").is_err());
    }

    #[test]
    fn next_only_goes_to_paths_on_this_site() {
        assert_eq!(
            safe_next(Some("/2024/01/02/post/?x=1#c")),
            "/2024/01/02/post/?x=1#c"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "evil.example",
            "/\tevil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
