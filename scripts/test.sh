#!/usr/bin/env bash
# Sets up what is missing, then runs every test: unit, integration, and the oracle tests
# against the real gateway CLIs; on Linux it also builds the .deb and checks it; everywhere it
# compile-checks the macOS build (scripts/check-macos.sh). Safe to rerun.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh" --test
export PATH="$HOME/.cargo/bin:$PATH"

# On Linux the oracle is installed above, so a missing one is a failure, not a skip.
# The same for the browser and desktop tools.
if [ "$(uname -s)" = Linux ]; then export AUTHTRAY_REQUIRE_ORACLE=1 AUTHTRAY_REQUIRE_BROWSER=1; fi
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# Formatting drift fails early (rustfmt.toml); skipped where rustfmt is not installed.
if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all --check; fi
# The macOS build compiles (core, CLI, serve, with clippy's -D warnings), from any host.
"$here/scripts/check-macos.sh"
cargo build --workspace --all-targets --locked
if [ "$(uname -s)" = Linux ]; then
  # The .deb as a release builds it (per package, so without the e2e crate's test hooks); the
  # package suite in the run below checks it, and a missing one fails.
  "$here/scripts/package.sh" deb
  export AUTHTRAY_REQUIRE_PACKAGE=1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?

# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
