#!/usr/bin/env bash
# Builds the release bundles for this host with the Tauri bundler. Safe to rerun.
#
#   scripts/package.sh              Linux: .deb and .rpm   macOS: .app and .dmg
#   scripts/package.sh deb          only these bundle kinds (comma-separated)
#
# Bundles land in target/release/bundle/<kind>/. The CLI (`authtray`) travels inside the bundle
# next to the tray app (`authtray-app`), with its man page and shell completions on Linux.
# An AppImage is not built: the bundler downloads linuxdeploy from GitHub for it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '[package] %s\n' "$*" >&2; }

case "$(uname -s)" in
  Linux) bundles=${1:-deb,rpm} ;;
  Darwin) bundles=${1:-app,dmg} ;;
  *) log "bundles are built on Linux and macOS only"; exit 1 ;;
esac

# tauri-cli from crates.io, the same major version as the tauri crate (about 10 min to build once).
if ! cargo tauri --version >/dev/null 2>&1; then
  log "cargo install tauri-cli (once)"
  cargo install tauri-cli --version '^2' --locked --quiet
fi

# The CLI first: the bundler takes it as an external binary named after the host's target triple.
triple=$(rustc -vV | sed -n 's/^host: //p')
# Named explicitly: build.rs reruns when this changes, not when HEAD moves.
AUTHTRAY_COMMIT=${AUTHTRAY_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}
export AUTHTRAY_COMMIT
log "building the CLI (release)"
cargo build --release --locked -p authtray-cli
out=target/package
rm -rf "$out"
mkdir -p "$out/bin" "$out/man" "$out/completions"
cp target/release/authtray "$out/bin/authtray-$triple"
# The man page and completions come from the CLI itself (clap), so they never drift from it.
target/release/authtray man --out-dir "$out/man" >/dev/null
# Debian policy: manual pages are gzipped (-n: no name or time stamp, so rebuilds are identical).
gzip -9nf "$out/man/authtray.1"
target/release/authtray completions bash >"$out/completions/authtray.bash"
target/release/authtray completions zsh >"$out/completions/_authtray"
target/release/authtray completions fish >"$out/completions/authtray.fish"

log "building the tray app and the bundles: $bundles"
(cd src-tauri && cargo tauri build --ci --bundles "$bundles" --config ../packaging/bundle.json -- --locked)

find target/release/bundle -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.dmg' \) -print
find target/release/bundle -maxdepth 2 -type d -name '*.app' -print
