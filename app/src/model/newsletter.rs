//! What the newsletter pages, the profile, the editor and the API show of a subscription and of a
//! post's newsletter.

use serde::{Deserialize, Serialize};

use super::CategoryRef;

/// A subscription as its owner sees it: on their manage page (reached by the signed link of
/// every newsletter) or on their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `pending` (waiting for the confirmation link), `confirmed` or `unsubscribed`.
    pub status: String,
    /// The address the posts go to.
    pub email: String,
    /// Every new post (true), or only those in `categories`.
    pub all_posts: bool,
    /// The chosen categories' slugs (empty when `all_posts`).
    pub categories: Vec<String>,
    /// The signed page where the subscriber changes the choice or unsubscribes.
    pub manage_path: String,
}

/// What a subscribe form offers: the site's categories, to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeChoices {
    /// Every category, by name.
    pub categories: Vec<CategoryRef>,
}

/// How far a post's newsletter got, for the editor's publish panel and the post's admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsletterProgress {
    /// `sending`, `sent` or `skipped` (not emailed).
    pub status: String,
    /// Subscribers it goes to (fixed when sending starts; 0 before).
    pub recipients: i64,
    /// Deliveries made.
    pub sent: i64,
    /// Deliveries the mail server refused for good.
    pub failed: i64,
    /// The same in words: "Sent to 4,812 of 10,000 subscribers; 3 failed".
    pub line: String,
}

impl NewsletterProgress {
    /// Whether sending is still under way (the panel keeps polling).
    pub fn is_sending(&self) -> bool {
        self.status == "sending"
    }

    /// Whether failed deliveries can be tried again (sending finished with failures).
    pub fn can_retry(&self) -> bool {
        self.status == "sent" && self.failed > 0
    }
}
