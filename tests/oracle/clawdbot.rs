//! Oracle tests against the real clawdbot 2026.1.24-3 CLI: the scenarios in `support/scenarios.rs`.

authtray_e2e::oracle_suite!(authtray_e2e::CLAWDBOT);
