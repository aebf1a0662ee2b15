#!/usr/bin/env bash
# Longer fuzzing of every parser that reads outside input (stable toolchain, see
# crates/authtray-core/tests/fuzz_smoke.rs). CI runs the same targets for 2 s each.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
export AUTHTRAY_FUZZ_SECS=${1:-60}
cargo test --release -p authtray-core --test fuzz_smoke -- --nocapture --test-threads 1 2>&1 | grep -oE '(fuzz |panicked|test result).*'
