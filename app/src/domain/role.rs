//! Roles and permissions, as Django staff sites use `is_staff`, `is_superuser` and groups.
//!
//! | role | Django equivalent | may |
//! |---|---|---|
//! | reader | active user | comment, edit own profile, delete own comments |
//! | author | `is_staff`, group "Authors" | + create posts, edit own posts |
//! | editor | `is_staff`, group "Editors" | + edit all posts, categories, moderate comments |
//! | administrator | `is_superuser` | everything, including users |
//!
//! The server checks these in every server function and handler; the UI only uses them to hide
//! what the user may not do.

use serde::{Deserialize, Serialize};

/// A user's role. Stored as `users.role`; `is_staff` and `is_superuser` follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Any signed-up user.
    Reader,
    /// Staff who write their own posts.
    Author,
    /// Staff who run the content: all posts, categories, comment moderation.
    Editor,
    /// Superuser: everything, including users.
    Administrator,
}

/// Something a user may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Write a comment on a post.
    Comment,
    /// Change one's own profile, password and comments.
    EditOwnAccount,
    /// Enter the admin back-office.
    AccessAdmin,
    /// Create posts and edit one's own.
    WritePosts,
    /// Edit and delete anyone's posts.
    EditAllPosts,
    /// Create, change and delete categories.
    ManageCategories,
    /// Approve, unapprove and delete anyone's comments.
    ModerateComments,
    /// Create, change and deactivate users and their roles.
    ManageUsers,
    /// See background jobs and retry, cancel or delete them (administrators: a job's arguments
    /// can name any user's email address).
    ManageJobs,
    /// Download the whole site as an export (administrators: it holds every draft and the
    /// authors' email addresses).
    ExportSite,
}

impl Role {
    /// Every role, from least to most powerful.
    pub const ALL: [Role; 4] = [
        Role::Reader,
        Role::Author,
        Role::Editor,
        Role::Administrator,
    ];

    /// Whether this role grants `permission`.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            Comment | EditOwnAccount => true,
            AccessAdmin | WritePosts => self >= Role::Author,
            EditAllPosts | ManageCategories | ModerateComments => self >= Role::Editor,
            ManageUsers | ManageJobs | ExportSite => self == Role::Administrator,
        }
    }

    /// Whether the role is staff (Django's `is_staff`).
    pub fn is_staff(self) -> bool {
        self >= Role::Author
    }

    /// Whether the role is superuser (Django's `is_superuser`).
    pub fn is_superuser(self) -> bool {
        self == Role::Administrator
    }

    /// The value stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
        }
    }

    /// The role's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Reader => "Reader",
            Role::Author => "Author",
            Role::Editor => "Editor",
            Role::Administrator => "Administrator",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    /// Parses a stored role name.
    ///
    /// # Errors
    /// The unknown value, as a message.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or_else(|| format!("unknown role '{value}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_table_says() {
        assert!(Role::Reader.can(Permission::Comment));
        assert!(!Role::Reader.can(Permission::WritePosts));
        assert!(!Role::Reader.can(Permission::AccessAdmin));
        assert!(Role::Author.can(Permission::WritePosts));
        assert!(!Role::Author.can(Permission::EditAllPosts));
        assert!(!Role::Author.can(Permission::ModerateComments));
        assert!(Role::Editor.can(Permission::EditAllPosts));
        assert!(Role::Editor.can(Permission::ModerateComments));
        assert!(!Role::Editor.can(Permission::ManageUsers));
        assert!(Role::Administrator.can(Permission::ManageUsers));
        assert!(!Role::Editor.can(Permission::ExportSite));
        assert!(Role::Administrator.can(Permission::ExportSite));
    }

    #[test]
    fn staff_and_superuser_follow_the_role() {
        assert!(!Role::Reader.is_staff());
        assert!(Role::Author.is_staff() && !Role::Author.is_superuser());
        assert!(Role::Administrator.is_staff() && Role::Administrator.is_superuser());
    }

    #[test]
    fn stored_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::try_from(role.as_str().to_string()), Ok(role));
        }
        assert!(Role::try_from("root".to_string()).is_err());
    }
}
