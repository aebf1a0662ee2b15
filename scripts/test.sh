#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit, integration, and the oracle tests
# against the real gateway CLIs. Safe to rerun.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh" --test
export PATH="$HOME/.cargo/bin:$PATH"

# On Linux the oracle is installed above, so a missing one is a failure, not a skip.
if [ "$(uname -s)" = Linux ]; then export AUTHTRAY_REQUIRE_ORACLE=1; fi
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

cargo build --workspace --all-targets --locked
cargo test --workspace --locked --no-fail-fast

# The gateway CLIs leave these behind even with a throwaway HOME (harmless).
rm -rf /tmp/openclaw "/tmp/openclaw-state-locks-$(id -u)" /tmp/clawdbot 2>/dev/null || true
