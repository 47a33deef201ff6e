//! The account flows as a service, independent of HTTP: sign up, sign in, sign out, change and
//! reset a password, verify an email address, edit a profile. Server functions and the CLI call
//! these; each multi-write step is one transaction.

use chrono::{DateTime, Utc};
use tower_sessions::Session;

use crate::domain::{Email, Role, Username};
use crate::error::{AppError, FieldErrors};
use crate::ssr::auth::password::{HashError, HashLimiter, Password};
use crate::ssr::auth::{self, throttle, tokens, validators};
use crate::ssr::db::tokens::{self as token_rows, TokenPurpose};
use crate::ssr::db::users::{self, AccountRow, NewAccount};
use crate::ssr::db::{self as database, api_tokens, sessions, Db};
use crate::ssr::jobs::Job;
use crate::ssr::mail::OutgoingEmail;
use crate::ssr::AppState;

/// Django's message for a failed sign-in: the same for an unknown email and a wrong password.
pub const LOGIN_FAILED: &str =
    "Please enter a correct email address and password. Note that the password is case-sensitive.";
/// The maximum length of a display name (`users.display_name`).
pub const MAX_DISPLAY_NAME_CHARS: usize = 150;
/// The maximum length of a biography.
pub const MAX_BIO_CHARS: usize = 2000;
/// The maximum length of an avatar URL.
pub const MAX_AVATAR_URL_CHARS: usize = 500;

/// What the sign-up form sends.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The email address as typed.
    pub email: String,
    /// The username as typed.
    pub username: String,
    /// The password.
    pub password: Password,
    /// The password again.
    pub password_confirm: Password,
}

/// A new account's values, checked: for sign-up and for `folio createsuperuser`.
#[derive(Debug, Clone)]
pub struct ValidAccount {
    /// The parsed email address.
    pub email: Email,
    /// The parsed username.
    pub username: Username,
    /// The password that passed the rules.
    pub password: Password,
}

/// Checks sign-up input, collecting every problem by field (`email`, `username`, `password`,
/// `password_confirm`).
///
/// # Errors
/// [`AppError::Validation`] listing the problems.
pub fn validate_new_account(
    email: &str,
    username: &str,
    password: &Password,
    confirm: Option<&Password>,
) -> Result<ValidAccount, AppError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
    let username = Username::parse(username)
        .map_err(|m| errors.add("username", m))
        .ok();
    let mut attributes = Vec::new();
    if let Some(u) = &username {
        attributes.push(("username", u.as_str()));
    }
    if let Some(e) = &email {
        attributes.push(("email address", e.as_str()));
    }
    for message in validators::validate(password.expose(), &attributes) {
        errors.add("password", message);
    }
    if let Some(confirm) = confirm {
        if confirm.expose() != password.expose() {
            errors.add("password_confirm", "The two password fields didn’t match.");
        }
    }
    errors.into_result()?;
    match (email, username) {
        (Some(email), Some(username)) => Ok(ValidAccount {
            email,
            username,
            password: password.clone(),
        }),
        _ => Err(AppError::Internal),
    }
}

/// Creates an account with `role` (in one transaction, after checking email and username are
/// free) and returns it. The password is hashed (within `hasher`'s bound) before the
/// transaction starts.
///
/// # Errors
/// [`AppError::Validation`] when the email or username is taken; [`AppError::Busy`] when no
/// hashing slot freed up in time; [`AppError::Internal`] when hashing or the database fails.
pub async fn create_account(
    db: &Db,
    hasher: &HashLimiter,
    account: &ValidAccount,
    role: Role,
    is_verified: bool,
    now: DateTime<Utc>,
) -> Result<AccountRow, AppError> {
    let hash = hasher
        .hash(account.password.clone())
        .await
        .map_err(hash_failure)?;
    let mut tx = db.begin().await?;
    let mut errors = FieldErrors::default();
    if users::email_taken(tx.conn(), account.email.as_str()).await? {
        errors.add("email", "A user with that email address already exists.");
    }
    if users::username_taken(tx.conn(), account.username.as_str()).await? {
        errors.add("username", "A user with that username already exists.");
    }
    errors.into_result()?;
    let new = NewAccount {
        email: account.email.as_str(),
        username: account.username.as_str(),
        display_name: "",
        password_hash: &hash,
        role,
        is_verified,
    };
    let id = match users::insert_account(tx.conn(), &new, now).await {
        Ok(id) => id,
        Err(e) => {
            return Err(match database::unique_violation(&e) {
                Some(database::UniqueKey::UserUsername) => {
                    AppError::field("username", "A user with that username already exists.")
                }
                Some(database::UniqueKey::UserEmail) => {
                    AppError::field("email", "A user with that email address already exists.")
                }
                _ => e.into(),
            })
        }
    };
    let row = users::find_account(tx.conn(), id)
        .await?
        .ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(row)
}

/// The scope of sign-ups per client address.
pub const SIGN_UP_ADDRESS: &str = "sign-up-address";

/// Signs a new reader up from client `address`, signs them in on `session` and sends the
/// verification email.
///
/// Every sign-up that passes validation counts against the address's sign-up limit
/// (`FOLIO_SIGNUP_THROTTLE`) before its password is hashed: hashing is what costs, and
/// accounts made in bulk are what spammers want.
///
/// # Errors
/// [`AppError::Validation`] by field; [`AppError::TooManyRequests`] when the address signed up
/// too often; [`AppError::Busy`] when every hashing slot is taken; [`AppError::Internal`] when
/// something fails.
pub async fn sign_up(
    state: &AppState,
    session: &Session,
    input: SignUp,
    address: &str,
) -> Result<AccountRow, AppError> {
    let valid = validate_new_account(
        &input.email,
        &input.username,
        &input.password,
        Some(&input.password_confirm),
    )?;
    let now = Utc::now();
    let limit = state.auth.sign_up_limit;
    // Kept whatever happens next: a taken email still cost a hash.
    let _counted = throttle::reserve(
        &state.db,
        &[throttle::Rule {
            scope: SIGN_UP_ADDRESS,
            key: address.to_string(),
            limit: limit.count,
            window: limit.window,
        }],
        now,
    )
    .await?;
    let account = create_account(
        &state.db,
        &state.auth.hasher,
        &valid,
        Role::Reader,
        false,
        now,
    )
    .await?;
    tracing::info!(user_id = account.id, "account created");
    send_verification(state, &account, now).await?;
    auth::start_session(state, session, &account).await?;
    Ok(account)
}

/// Signs in with email and password from client `address`, throttled per account and address.
///
/// # Errors
/// [`AppError::Validation`] with [`LOGIN_FAILED`] for an unknown email, a wrong password or an
/// inactive account (one message for all, so accounts cannot be discovered);
/// [`AppError::TooManyRequests`] when throttled; [`AppError::Internal`] when something fails.
pub async fn log_in(
    state: &AppState,
    session: &Session,
    email: &str,
    password: Password,
    address: &str,
) -> Result<AccountRow, AppError> {
    let account = authenticate(state, email, password, address).await?;
    auth::start_session(state, session, &account).await?;
    tracing::info!(user_id = account.id, "signed in");
    Ok(account)
}

/// Checks email and password from client `address` without opening a session (sign-in and API
/// tokens share it): throttled as [`throttle`] describes (the attempt is reserved before the
/// password is hashed, and taken back when it was right), `last_login` set on success (as
/// Django's `user_logged_in` signal does).
///
/// # Errors
/// As [`log_in`].
pub async fn authenticate(
    state: &AppState,
    email: &str,
    password: Password,
    address: &str,
) -> Result<AccountRow, AppError> {
    let email = email.trim();
    if email.is_empty() || password.expose().is_empty() {
        let mut errors = FieldErrors::default();
        if email.is_empty() {
            errors.add("email", "Enter your email address.");
        }
        if password.expose().is_empty() {
            errors.add("password", "Enter your password.");
        }
        return Err(AppError::Validation(errors));
    }
    let key: String = email.to_lowercase().chars().take(254).collect();
    let now = Utc::now();
    let rules = throttle::sign_in_rules(&state.auth.throttle, &key, address);
    let attempt = throttle::reserve(&state.db, &rules, now).await?;
    let mut conn = state.db.acquire().await?;
    let account = users::find_account_by_email(conn.conn(), email).await?;
    drop(conn);
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches = state
        .auth
        .hasher
        .verify(password, stored)
        .await
        .map_err(hash_failure)?;
    let account = match account {
        Some(account) if matches && account.is_active => account,
        _ => {
            // The reserved attempt stays: it is the failure's record.
            tracing::info!("sign-in failed");
            return Err(AppError::field("", LOGIN_FAILED));
        }
    };
    attempt.release(&state.db).await?;
    throttle::clear_pair(&state.db, &key, address).await?;
    let mut conn = state.db.acquire_write().await?;
    users::touch_last_login(conn.conn(), account.id, now).await?;
    drop(conn);
    Ok(account)
}

/// Signs out: the session's data and its row are deleted, and the cookie is removed.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn log_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(auth::session_error)
}

/// Checks a new password and its confirmation against the rules for `account`.
fn validate_new_password(
    account: &AccountRow,
    new: &Password,
    confirm: &Password,
    errors: &mut FieldErrors,
) {
    let mut attributes = vec![("username", account.username.as_str())];
    if let Some(email) = &account.email {
        attributes.push(("email address", email.as_str()));
    }
    for message in validators::validate(new.expose(), &attributes) {
        errors.add("new_password", message);
    }
    if new.expose() != confirm.expose() {
        errors.add(
            "new_password_confirm",
            "The two password fields didn’t match.",
        );
    }
}

/// Sets `hash` as the password of `user_id` and ends every other way in: reset links die and
/// every session except `keep` is deleted (one transaction).
async fn replace_password(
    db: &Db,
    user_id: i64,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    store_new_password(&mut tx, user_id, hash, keep).await?;
    tx.commit().await?;
    Ok(())
}

/// The one way a password is replaced, inside the caller's transaction: the new hash is stored
/// and every credential issued under the old password dies with it — reset links, every
/// session except `keep`, and every API token. Every path that changes a password (change,
/// reset, `folio changepassword`) goes through here, so none can forget one of them (OWASP
/// Session Management Cheat Sheet: "renew or invalidate sessions after a password change").
async fn store_new_password(
    tx: &mut database::Tx,
    user_id: i64,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), AppError> {
    users::set_password_hash(tx.conn(), user_id, hash).await?;
    token_rows::delete_for_user(tx.conn(), user_id, TokenPurpose::PasswordReset).await?;
    sessions::delete_for_user(tx.conn(), user_id, keep).await?;
    api_tokens::delete_for_user(tx.conn(), user_id).await?;
    Ok(())
}

/// Changes the signed-in user's password after checking the old one; other sessions of the user
/// are signed out, this one stays signed in with a new id (Django's `update_session_auth_hash`).
///
/// # Errors
/// [`AppError::Validation`] (`old_password`, `new_password`, `new_password_confirm`);
/// [`AppError::Internal`] when something fails.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    account: &AccountRow,
    old: Password,
    new: Password,
    confirm: Password,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let old_ok = state
        .auth
        .hasher
        .verify(old, account.password_hash.clone())
        .await
        .map_err(hash_failure)?;
    if !old_ok {
        errors.add(
            "old_password",
            "Your old password was entered incorrectly. Please enter it again.",
        );
    }
    validate_new_password(account, &new, &confirm, &mut errors);
    errors.into_result()?;
    let hash = state.auth.hasher.hash(new).await.map_err(hash_failure)?;
    session.cycle_id().await.map_err(auth::session_error)?;
    let keep = session.id().map(|id| id.to_string());
    replace_password(&state.db, account.id, &hash, keep.as_deref()).await?;
    let mut updated = account.clone();
    updated.password_hash = Some(hash);
    auth::start_session(state, session, &updated).await?;
    tracing::info!(user_id = account.id, "password changed");
    Ok(())
}

/// Sends a password-reset link to `email` if an active account with a usable password has it.
/// Answers the same either way (no account discovery), as Django's `PasswordResetView`.
///
/// Against mail bombing, client `address` may ask for `FOLIO_EMAIL_THROTTLE` links (then 429),
/// and one email address gets at most [`throttle::EMAILS_PER_ADDRESS`] links whoever asks: past
/// that, asking answers the same and sends nothing (a 429 there would tell which addresses
/// have accounts).
///
/// # Errors
/// [`AppError::Validation`] for an address that is not valid; [`AppError::TooManyRequests`]
/// when this client asked too often; [`AppError::Internal`] when the database fails.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    address: &str,
) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    let now = Utc::now();
    let may_send = throttle::reserve_emailed_link(
        &state.db,
        state.auth.email_limit,
        address,
        email.as_str(),
        now,
    )
    .await?;
    if !may_send {
        tracing::info!("password reset: enough links went to this address for now");
        return Ok(());
    }
    let mut conn = state.db.acquire().await?;
    let account = users::find_account_by_email(conn.conn(), email.as_str()).await?;
    drop(conn);
    let Some(account) = account.filter(|a| a.is_active && a.password_hash.is_some()) else {
        tracing::info!("password reset asked for an address without an account");
        return Ok(());
    };
    send_reset_link(state, &account).await
}

/// Emails `account` a single-use link to choose a password (one hour), as the reset form does;
/// the admin uses it for accounts it creates without a password.
///
/// # Errors
/// [`AppError::Validation`] (`email`) when the account has no email address;
/// [`AppError::Internal`] when the database fails.
pub async fn send_reset_link(state: &AppState, account: &AccountRow) -> Result<(), AppError> {
    if account.email.is_none() {
        return Err(AppError::field(
            "email",
            "This account has no email address.",
        ));
    }
    let token = issue_token(
        &state.db,
        account.id,
        TokenPurpose::PasswordReset,
        Utc::now(),
    )
    .await?;
    let link = state.site.absolute(&format!("/accounts/reset/{token}/"));
    state
        .jobs
        .push(&Job::SendEmail {
            email: OutgoingEmail {
                to: account.email.clone().unwrap_or_default(),
                subject: format!("Password reset on {}", state.site.title),
                body: format!(
                    "You're receiving this email because you asked for a password reset for your account on {site}.\n\n\
                     Please go to the following page and choose a new password:\n\n{link}\n\n\
                     The link works once, for one hour. If you did not ask for this, ignore this email:\n\
                     your password stays as it is.\n\nYour username, in case you've forgotten: {username}\n\n\
                     Thanks for using our site!\nThe {site} team\n",
                    site = state.site.title,
                    username = account.username,
                ),
            },
        })
        .await?;
    tracing::info!(user_id = account.id, "password reset link sent");
    Ok(())
}

/// Whether `token` is an unexpired password-reset token (to show the form or "invalid link").
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn reset_token_is_valid(state: &AppState, token: &str) -> Result<bool, AppError> {
    if !tokens::looks_valid(token) {
        return Ok(false);
    }
    let mut conn = state.db.acquire().await?;
    let user = token_rows::peek(
        conn.conn(),
        TokenPurpose::PasswordReset,
        &tokens::digest(token),
        Utc::now(),
    )
    .await?;
    Ok(user.is_some())
}

/// The message for a reset or verification link that cannot be used.
pub const INVALID_LINK: &str =
    "The link is invalid, possibly because it has already been used or has expired. Please ask for a new one.";

/// Sets a new password with a reset token: the token is used up, every reset link, session and
/// API token of the user dies, and the account's failed sign-ins are forgotten.
///
/// # Errors
/// [`AppError::Validation`] (`""` for a bad link, `new_password`, `new_password_confirm`);
/// [`AppError::Internal`] when something fails.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new: Password,
    confirm: Password,
) -> Result<(), AppError> {
    if !tokens::looks_valid(token) {
        return Err(AppError::field("", INVALID_LINK));
    }
    let digest = tokens::digest(token);
    let now = Utc::now();
    let mut conn = state.db.acquire().await?;
    let user_id = token_rows::peek(conn.conn(), TokenPurpose::PasswordReset, &digest, now).await?;
    let account = match user_id {
        Some(id) => users::find_account(conn.conn(), id).await?,
        None => None,
    };
    drop(conn);
    let Some(account) = account.filter(|a| a.is_active) else {
        return Err(AppError::field("", INVALID_LINK));
    };
    let mut errors = FieldErrors::default();
    validate_new_password(&account, &new, &confirm, &mut errors);
    errors.into_result()?;
    let hash = state.auth.hasher.hash(new).await.map_err(hash_failure)?;
    let mut tx = state.db.begin().await?;
    // Consumed inside the transaction: two concurrent uses cannot both succeed.
    if token_rows::consume(tx.conn(), TokenPurpose::PasswordReset, &digest, now).await?
        != Some(account.id)
    {
        return Err(AppError::field("", INVALID_LINK));
    }
    store_new_password(&mut tx, account.id, &hash, None).await?;
    tx.commit().await?;
    if let Some(email) = &account.email {
        throttle::clear_account(&state.db, &email.to_lowercase()).await?;
    }
    tracing::info!(user_id = account.id, "password reset");
    Ok(())
}

/// Creates an email-verification token for `account` and emails the link, at most
/// [`throttle::EMAILS_PER_ADDRESS`] an hour to one address (sign-up's own email included).
///
/// # Errors
/// [`AppError::TooManyRequests`] when enough links went to the address lately;
/// [`AppError::Internal`] when the database fails.
pub async fn send_verification(
    state: &AppState,
    account: &AccountRow,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(email) = account.email.clone() else {
        return Ok(());
    };
    let _sent =
        throttle::reserve(&state.db, &[throttle::email_recipient_rule(&email)], now).await?;
    let token = issue_token(&state.db, account.id, TokenPurpose::EmailVerification, now).await?;
    let link = state.site.absolute(&format!("/accounts/verify/{token}/"));
    state
        .jobs
        .push(&Job::SendEmail {
            email: OutgoingEmail {
                to: email,
                subject: format!("Confirm your email address for {}", state.site.title),
                body: format!(
                    "Hello {username},\n\nPlease confirm that this is your email address for {site} by opening this link:\n\n\
                     {link}\n\nThe link works for three days. If you did not sign up, ignore this email.\n\nThe {site} team\n",
                    username = account.username,
                    site = state.site.title,
                ),
            },
        })
        .await?;
    Ok(())
}

/// Marks the email address of the token's user as verified and uses the token up.
///
/// # Errors
/// [`AppError::Validation`] (`""`) for an invalid or expired link; [`AppError::Internal`] when
/// the database fails.
pub async fn verify_email(state: &AppState, token: &str) -> Result<(), AppError> {
    if !tokens::looks_valid(token) {
        return Err(AppError::field("", INVALID_LINK));
    }
    let mut tx = state.db.begin().await?;
    let Some(user_id) = token_rows::consume(
        tx.conn(),
        TokenPurpose::EmailVerification,
        &tokens::digest(token),
        Utc::now(),
    )
    .await?
    else {
        return Err(AppError::field("", INVALID_LINK));
    };
    users::set_verified(tx.conn(), user_id).await?;
    token_rows::delete_for_user(tx.conn(), user_id, TokenPurpose::EmailVerification).await?;
    tx.commit().await?;
    tracing::info!(user_id, "email address verified");
    Ok(())
}

/// What the profile form sends.
#[derive(Debug, Clone)]
pub struct ProfileInput {
    /// The name to show (may be empty).
    pub display_name: String,
    /// A short biography (plain text).
    pub bio: String,
    /// An `http(s)://` image URL, or empty for none.
    pub avatar_url: String,
}

/// Saves the signed-in user's profile.
///
/// # Errors
/// [`AppError::Validation`] (`display_name`, `bio`, `avatar_url`); [`AppError::Internal`] when the
/// database fails.
pub async fn update_profile(
    state: &AppState,
    account: &AccountRow,
    input: ProfileInput,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let display_name = input.display_name.trim();
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        errors.add(
            "display_name",
            format!("Ensure this value has at most {MAX_DISPLAY_NAME_CHARS} characters."),
        );
    }
    let bio = input.bio.trim();
    if bio.chars().count() > MAX_BIO_CHARS {
        errors.add(
            "bio",
            format!("Ensure this value has at most {MAX_BIO_CHARS} characters."),
        );
    }
    let avatar = input.avatar_url.trim();
    let avatar = if avatar.is_empty() {
        None
    } else {
        let ok = avatar.chars().count() <= MAX_AVATAR_URL_CHARS
            && url::Url::parse(avatar)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .unwrap_or(false);
        if !ok {
            errors.add(
                "avatar_url",
                "Enter a valid URL starting with https:// or http://.",
            );
        }
        Some(avatar)
    };
    errors.into_result()?;
    let mut conn = state.db.acquire_write().await?;
    users::update_profile(conn.conn(), account.id, display_name, bio, avatar).await?;
    // Author pages and bylines show it.
    state.events.site_changed();
    Ok(())
}

/// Creates a token for `purpose` (valid for that purpose's lifetime from `now`), stores its
/// digest and returns the token for the link.
async fn issue_token(
    db: &Db,
    user_id: i64,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let lifetime = match purpose {
        TokenPurpose::PasswordReset => tokens::PASSWORD_RESET_LIFETIME,
        TokenPurpose::EmailVerification => tokens::EMAIL_VERIFICATION_LIFETIME,
    };
    let token = tokens::generate();
    let mut conn = db.acquire_write().await?;
    token_rows::insert(
        conn.conn(),
        user_id,
        purpose,
        &tokens::digest(&token),
        now,
        now + lifetime,
    )
    .await?;
    Ok(token)
}

/// How long a client is told to wait when every hashing slot was taken.
const BUSY_RETRY_SECS: u64 = 5;

/// A hashing failure as the client sees it: busy (503, retry) or an internal error (logged).
fn hash_failure(error: HashError) -> AppError {
    match error {
        HashError::Busy => AppError::Busy {
            retry_after_secs: BUSY_RETRY_SECS,
        },
        HashError::Failed(message) => {
            tracing::error!(error = %message, "accounts: password hashing failed");
            AppError::Internal
        }
    }
}

/// Sets `account`'s password (for `folio changepassword`): the rules apply, every session,
/// reset link and API token of the user dies.
///
/// # Errors
/// [`AppError::Validation`] (`new_password`); [`AppError::Internal`] when something fails.
pub async fn set_password(
    db: &Db,
    hasher: &HashLimiter,
    account: &AccountRow,
    new: Password,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    validate_new_password(account, &new, &new.clone(), &mut errors);
    errors.into_result()?;
    let hash = hasher.hash(new).await.map_err(hash_failure)?;
    replace_password(db, account.id, &hash, None).await?;
    tracing::info!(user_id = account.id, "password set from the command line");
    Ok(())
}
