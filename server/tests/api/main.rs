//! Integration tests: real HTTP requests against a spawned Folio server with a fresh database
//! per test (SQLite by default, PostgreSQL with `FOLIO_TEST_DATABASE=postgres`).

mod accounts;
mod admin;
mod cli;
mod cluster;
mod comments;
mod editor;
mod events;
mod export;
mod faults;
mod feeds;
mod ghost;
mod hardening;
mod helpers;
mod import;
mod jobs;
mod media_store;
mod newsletter;
mod page_cache;
mod pages;
mod rate_limits;
mod rest;
mod schema;
mod search;
mod security;
mod subscriptions;
mod taxonomy;
mod wordpress;
