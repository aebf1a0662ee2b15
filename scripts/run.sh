#!/usr/bin/env bash
# Sets up what is missing, builds the authtray tray app, and launches it. Safe to rerun.
#
#   scripts/run.sh            the tray app (menu-bar icon; its window opens from the menu)
#   scripts/run.sh --show     the tray app with its window open
#   scripts/run.sh cli ARGS   the `authtray` CLI instead, e.g. `scripts/run.sh cli serve --open`
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

"$here/scripts/setup.sh"
export PATH="$HOME/.cargo/bin:$PATH"
if [ "${1:-}" = cli ]; then
  shift
  cargo build --release --locked -p authtray-cli
  exec "$here/target/release/authtray" "$@"
fi
cargo build --release --locked -p authtray-app -p authtray-cli
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "[run] no graphical session here (DISPLAY is not set): use the CLI, e.g. scripts/run.sh cli status, or scripts/run.sh cli serve" >&2
  exit 1
fi
exec "$here/target/release/authtray-app" "$@"
