//! Oracle tests against the real openclaw 2026.5.28 CLI: the scenarios in `support/scenarios.rs`.

authtray_e2e::oracle_suite!(authtray_e2e::OPENCLAW_JSON);
