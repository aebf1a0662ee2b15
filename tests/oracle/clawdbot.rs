//! Oracle tests against the real gateway CLI (`CLAWDBOT`): see `support/scenarios.rs`.

use authtray_e2e::scenarios as s;
use authtray_e2e::CLAWDBOT as GW;

#[test]
fn gateway_paste_is_read_by_authtray() {
    s::gateway_paste_is_read_by_authtray(GW);
}

#[test]
fn authtray_sync_is_read_by_gateway() {
    s::authtray_sync_is_read_by_gateway(GW);
}

#[test]
fn authtray_paste_is_read_by_gateway() {
    s::authtray_paste_is_read_by_gateway(GW);
}

#[test]
fn order_round_trips() {
    s::order_round_trips(GW);
}

#[test]
fn unknown_fields_survive() {
    s::unknown_fields_survive(GW);
}

#[test]
fn our_lock_makes_the_gateway_wait() {
    s::our_lock_makes_the_gateway_wait(GW);
}

#[test]
fn live_holder_makes_us_fail_cleanly() {
    s::live_holder_makes_us_fail_cleanly(GW);
}

#[test]
fn stale_lock_is_reclaimed() {
    s::stale_lock_is_reclaimed(GW);
}

#[test]
fn malformed_store_is_left_untouched() {
    s::malformed_store_is_left_untouched(GW);
}

#[test]
fn generation_comes_from_the_cli_on_path() {
    s::generation_comes_from_the_cli_on_path(GW);
}

#[test]
fn check_codes_agree() {
    s::check_codes_agree(GW);
}

#[test]
fn mirror_registers_where_the_config_filters() {
    s::mirror_registers_where_the_config_filters(GW);
}
