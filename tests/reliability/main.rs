//! Reliability suite (fast profile in CI; `scripts/reliability.sh` runs the deep one):
//! see `support/reliability.rs` and `docs/reliability.md`.

/// One test per scenario and JSON-era generation.
macro_rules! per_generation {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[test]
                fn clawdbot() {
                    authtray_e2e::reliability::$scenario(authtray_e2e::CLAWDBOT);
                }

                #[test]
                fn openclaw_json() {
                    authtray_e2e::reliability::$scenario(authtray_e2e::OPENCLAW_JSON);
                }
            }
        )*
    };
}

per_generation!(
    concurrent_writers_lose_nothing,
    killed_writers_leave_old_or_new,
    hostile_inputs_never_panic_or_write,
    secrets_never_leak,
    links_and_ownership,
);
