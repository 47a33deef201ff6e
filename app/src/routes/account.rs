//! The account pages under `/accounts/` (Django's `django.contrib.auth.urls` paths where they
//! exist): sign up, sign in, password change and reset, email verification, profile.
//! Every form works as a plain form post with JavaScript off and without a reload when hydrated.

mod login;
mod password;
mod profile;
mod signup;
mod verify;

pub use login::LoginView;
pub use password::{PasswordChangeView, PasswordResetConfirmView, PasswordResetView};
pub use profile::ProfileView;
pub use signup::SignupView;
pub use verify::{VerifiedView, VerifyEmailView};
