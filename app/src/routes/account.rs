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

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

lazy_page!(LoginRoute, LoginView);
lazy_page!(SignupRoute, SignupView);
lazy_page!(ProfileRoute, ProfileView);
lazy_page!(PasswordChangeRoute, PasswordChangeView);
lazy_page!(PasswordResetRoute, PasswordResetView);
lazy_page!(PasswordResetConfirmRoute, PasswordResetConfirmView);
lazy_page!(VerifyEmailRoute, VerifyEmailView);
lazy_page!(VerifiedRoute, VerifiedView);
