#!/usr/bin/env bash
# Sets up what is missing, builds authtray, and launches it. Safe to rerun.
#
# The tray app is not built yet (see the issues); until it is, this shows the `authtray`
# status of this machine's gateway and Claude Code login. Pass arguments to run another
# command, e.g. `scripts/run.sh doctor`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked -p authtray-cli
if [ $# -eq 0 ]; then set -- status; fi
exec "$here/target/release/authtray" "$@"
