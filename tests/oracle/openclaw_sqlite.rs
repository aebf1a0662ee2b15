//! Oracle tests against the real openclaw 2026.9.6 CLI (SQLite era): `support/sqlite.rs`.

use authtray_e2e::sqlite as s;

#[test]
fn gateway_paste_is_read_by_authtray() {
    s::gateway_paste_is_read_by_authtray();
}

#[test]
fn authtray_sync_is_read_by_gateway() {
    s::authtray_sync_is_read_by_gateway();
}

#[test]
fn order_round_trips() {
    s::order_round_trips();
}

#[test]
fn reads_are_passive_and_consistent_under_writes() {
    s::reads_are_passive_and_consistent_under_writes();
}

#[test]
fn missing_cli_is_a_clear_error() {
    s::missing_cli_is_a_clear_error();
}

#[test]
fn doctor_reports_a_stray_json_store() {
    s::doctor_reports_a_stray_json_store();
}

#[test]
fn check_codes_agree() {
    s::check_codes_agree();
}

#[test]
fn direct_writes_equal_the_gateways_own() {
    s::direct_writes_equal_the_gateways_own();
}

#[test]
fn set_expiry_is_read_by_gateway() {
    s::set_expiry_is_read_by_gateway();
}
