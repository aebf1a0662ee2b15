#!/usr/bin/env bash
# Fuzzes every parser that reads outside input, SECONDS per target (default 60):
#   1. the cargo-fuzz (libFuzzer) targets in fuzz/, with `--sanitizer none` so that the stable
#      toolchain builds them (cargo-fuzz is installed from crates.io if missing);
#   2. the stable mutation harness (crates/authtray-core/tests/fuzz_smoke.rs), which CI also
#      runs for 2 s per target.
# Both drive the same entry points (authtray_core::fuzzing). A crash fails the script.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked >&2
fi
for target in claude_credentials store config security_output duration token; do
  log=$(mktemp)
  if (cd "$here/fuzz" && cargo fuzz run "$target" --sanitizer none -- -max_total_time="$secs" -rss_limit_mb=2048) >"$log" 2>&1; then
    printf 'cargo-fuzz %-20s %s\n' "$target" "$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)"
  else
    echo "cargo-fuzz $target FAILED:"; tail -30 "$log"; rm -f "$log"; exit 1
  fi
  rm -f "$log"
done

export AUTHTRAY_FUZZ_SECS=$secs
cd "$here"
cargo test --release -p authtray-core --test fuzz_smoke -- --nocapture --test-threads 1 2>&1 | grep -oE '(fuzz |panicked|test result).*'
