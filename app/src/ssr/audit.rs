//! The audit log's wording, shared by every service that writes to it (the admin's and the
//! posts wing's); the rows themselves are written by [`crate::ssr::db::admin_log`].

/// "Changed title and status." from the names of the changed fields (Django's
/// `construct_change_message`), or "No fields changed.".
pub fn change_message(changed: &[&str]) -> String {
    match changed {
        [] => "No fields changed.".to_string(),
        [one] => format!("Changed {one}."),
        [rest @ .., last] => format!("Changed {} and {last}.", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_messages_read_as_django_writes_them() {
        assert_eq!(change_message(&[]), "No fields changed.");
        assert_eq!(change_message(&["title"]), "Changed title.");
        assert_eq!(
            change_message(&["title", "slug", "status"]),
            "Changed title, slug and status."
        );
    }
}
