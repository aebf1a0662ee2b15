#!/usr/bin/env bash
# The deep reliability run (CI runs the fast profile of the same suites inside scripts/test.sh):
# more concurrent writers, hundreds of kill -9 iterations, and a minute of fuzzing per parser.
#
#   scripts/reliability.sh [FUZZ_SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh" --test
cargo build --workspace --all-targets --locked
AUTHTRAY_RELIABILITY=deep cargo test --locked -p authtray-e2e --test reliability -- --nocapture --test-threads 1 2>&1 | grep -oE '(reliability |skipped|panicked|test result).*'
"$here/scripts/fuzz.sh" "${1:-60}"
