#!/usr/bin/env bash
# The running gateway's figures: for each generation, Claude Code's rename → mirrored and the
# gateway reloaded (`authtray watch`), the reload step of every write, and the gateway's start.
# Runs the live-gateway suite (tests/live/) with its timings printed; needs the oracles
# (tests/oracle/install.sh) and takes about 5 minutes.
#
#   bench/live_gateway.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH" AUTHTRAY_REQUIRE_ORACLE=1
cargo build -q -p authtray-cli
cargo test -q -p authtray-e2e --test live_gateway -- --nocapture --test-threads 1 2>&1 |
  grep -E "gateway listening after|rename → mirrored|reload: \{|cooldown works|without a gateway" |
  sed -E 's/"method":"([^"]*)","detail":"the gateway took up the change in ([0-9]+) ms"/\1, \2 ms/'
