//! Reliability suite (fast profile in CI; `scripts/reliability.sh` runs the deep one):
//! see `support/reliability.rs` and `docs/reliability.md`.

use authtray_e2e::reliability as r;
use authtray_e2e::{CLAWDBOT, OPENCLAW_JSON};

#[test]
fn concurrent_writers_lose_nothing_clawdbot() {
    r::concurrent_writers_lose_nothing(CLAWDBOT);
}

#[test]
fn concurrent_writers_lose_nothing_openclaw_json() {
    r::concurrent_writers_lose_nothing(OPENCLAW_JSON);
}

#[test]
fn killed_writers_leave_old_or_new_clawdbot() {
    r::killed_writers_leave_old_or_new(CLAWDBOT);
}

#[test]
fn killed_writers_leave_old_or_new_openclaw_json() {
    r::killed_writers_leave_old_or_new(OPENCLAW_JSON);
}

#[test]
fn hostile_inputs_never_panic_or_write_clawdbot() {
    r::hostile_inputs_never_panic_or_write(CLAWDBOT);
}

#[test]
fn hostile_inputs_never_panic_or_write_openclaw_json() {
    r::hostile_inputs_never_panic_or_write(OPENCLAW_JSON);
}

#[test]
fn secrets_never_leak_clawdbot() {
    r::secrets_never_leak(CLAWDBOT);
}

#[test]
fn secrets_never_leak_openclaw_json() {
    r::secrets_never_leak(OPENCLAW_JSON);
}

#[test]
fn links_and_ownership_clawdbot() {
    r::links_and_ownership(CLAWDBOT);
}

#[test]
fn links_and_ownership_openclaw_json() {
    r::links_and_ownership(OPENCLAW_JSON);
}
