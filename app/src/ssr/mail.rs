//! Sending email: to a folder of `.eml` files in development and tests (and a line in the log),
//! or through SMTP (lettre) when `FOLIO_SMTP_URL` is set, as Django's file-based and SMTP
//! email backends.
//!
//! Messages go out through the job queue ([`crate::ssr::jobs::Job::SendEmail`]): a slow or
//! unreachable mail server neither slows the request nor tells a visitor (by timing) whether an
//! address has an account, and a message is retried until it is delivered instead of lost.

use std::path::PathBuf;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a mailer could not be set up or a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `FOLIO_MAIL_FROM` is not a mailbox like `Folio <noreply@example.org>`.
    #[error("not a valid sender address: {0}")]
    InvalidFrom(String),
    /// `FOLIO_SMTP_URL` is not a valid `smtp://` or `smtps://` URL.
    #[error("not a valid SMTP URL: {0}")]
    InvalidSmtpUrl(String),
    /// The message could not be built (e.g. an invalid recipient).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The transport failed (the mail server is down, busy or answered with a 4xx code).
    #[error("cannot send the message: {0}")]
    Send(String),
    /// The mail server refused the message for good (a 5xx reply, RFC 5321 §4.2.1: "permanent
    /// negative completion"), e.g. an unknown mailbox: sending it again cannot succeed.
    #[error("the mail server refused the message: {0}")]
    Rejected(String),
}

impl MailError {
    /// Whether sending the same message again can succeed (a mail server that is down or busy);
    /// false for a message that cannot be built (an invalid recipient or body).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Send(_))
    }
}

#[derive(Clone)]
enum Transport {
    Folder(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Where Folio's email goes, and from whom.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.transport {
            Transport::Folder(dir) => format!("folder {}", dir.display()),
            Transport::Smtp(_) => "smtp".to_string(),
        };
        f.debug_struct("Mailer")
            .field("transport", &kind)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// A message to send: plain text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutgoingEmail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// A message for a mailing list (the newsletter): plain text and HTML alternatives, the list
/// headers of RFC 2369 and RFC 8058, and a Message-ID fixed by the caller, so that sending the
/// same message again after an interruption is recognisable as the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEmail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text alternative.
    pub text: String,
    /// The HTML alternative (sanitised, absolute links).
    pub html: String,
    /// The one-click unsubscribe URL (`List-Unsubscribe`, answered by POST per RFC 8058).
    pub unsubscribe_url: String,
    /// The Message-ID without angle brackets (`newsletter-12-34@blog.example.org`); letters,
    /// digits, `.`, `-`, `@` only.
    pub message_id: String,
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse::<Mailbox>()
        .map_err(|e| MailError::InvalidFrom(format!("'{from}' ({e})")))
}

impl Mailer {
    /// Writes each message as `<uuid>.eml` into `dir` (created when missing).
    ///
    /// # Errors
    /// [`MailError::InvalidFrom`] for a bad sender.
    pub fn folder(dir: PathBuf, from: &str) -> Result<Self, MailError> {
        Ok(Self {
            transport: Transport::Folder(dir),
            from: parse_from(from)?,
        })
    }

    /// Sends through the SMTP server of `url` (`smtp://user:pass@host:587` with STARTTLS,
    /// `smtps://` for implicit TLS; lettre's URL format).
    ///
    /// # Errors
    /// [`MailError`] for a bad URL or sender.
    pub fn smtp(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::InvalidSmtpUrl(e.to_string()))?
            .build();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: parse_from(from)?,
        })
    }

    /// Whether the folder transport already holds the message with `message_id` (written as
    /// `<message_id>.eml`). Always false for SMTP, which cannot tell: a message resent there
    /// carries the same Message-ID, by which mail systems recognise duplicates.
    pub fn already_sent(&self, message_id: &str) -> bool {
        match &self.transport {
            Transport::Folder(dir) => dir.join(format!("{message_id}.eml")).exists(),
            Transport::Smtp(_) => false,
        }
    }

    /// Sends a mailing-list message. With the folder transport the file is named after the
    /// Message-ID and written whole or not at all (temporary file, then rename).
    ///
    /// # Errors
    /// [`MailError`] when the message cannot be built or delivered.
    pub async fn send_list(&self, email: &ListEmail) -> Result<(), MailError> {
        if !email
            .message_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'))
        {
            return Err(MailError::Build(format!(
                "unsafe Message-ID '{}'",
                email.message_id
            )));
        }
        let to = email
            .to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}>", email.message_id)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", email.unsubscribe_url),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_string(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Folder(dir) => {
                let io = |e: std::io::Error| MailError::Send(format!("{}: {e}", dir.display()));
                tokio::fs::create_dir_all(dir).await.map_err(io)?;
                let file = dir.join(format!("{}.eml", email.message_id));
                let partial = dir.join(format!(".{}.tmp", email.message_id));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(io)?;
                tokio::fs::rename(&partial, &file).await.map_err(io)?;
            }
            Transport::Smtp(transport) => {
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        MailError::Rejected(e.to_string())
                    } else {
                        MailError::Send(e.to_string())
                    }
                })?;
            }
        }
        Ok(())
    }

    /// Whether messages go to a folder (development) rather than a mail server.
    pub fn is_folder(&self) -> bool {
        matches!(self.transport, Transport::Folder(_))
    }

    /// Sends `email` now.
    ///
    /// # Errors
    /// [`MailError`] when the message cannot be built or delivered.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let to = email
            .to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(e.to_string()))?;
        // 8bit (RFC 6152) with CRLF line ends keeps links whole (quoted-printable would cut
        // lines over 76 characters); RFC 5322 §2.1.1 allows lines up to 998 octets.
        let text = email.body.replace("\r\n", "\n").replace('\n', "\r\n");
        if text.split("\r\n").any(|line| line.len() > 998) {
            return Err(MailError::Build("the body has lines over 998 bytes".into()));
        }
        let body =
            Body::dangerous_pre_encoded(text.into_bytes(), ContentTransferEncoding::EightBit);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Folder(dir) => {
                // Written in a hidden folder beside, then renamed in: whoever reads the folder
                // (a developer, a test) never sees half a message.
                let partial = dir.join(".partial");
                tokio::fs::create_dir_all(&partial)
                    .await
                    .map_err(|e| MailError::Send(format!("{}: {e}", partial.display())))?;
                let id = AsyncFileTransport::<Tokio1Executor>::new(&partial)
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
                let name = format!("{id}.eml");
                tokio::fs::rename(partial.join(&name), dir.join(&name))
                    .await
                    .map_err(|e| MailError::Send(format!("{}: {e}", dir.display())))?;
                tracing::info!(
                    subject = %email.subject,
                    file = %dir.join(format!("{id}.eml")).display(),
                    "email written to the development mail folder"
                );
            }
            Transport::Smtp(transport) => {
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        MailError::Rejected(e.to_string())
                    } else {
                        MailError::Send(e.to_string())
                    }
                })?;
                tracing::info!(subject = %email.subject, "email sent");
            }
        }
        Ok(())
    }
}
