#!/usr/bin/env bash
# Builds the release bundles for this host with the Tauri bundler. Safe to rerun.
#
#   scripts/package.sh              Linux: .deb and .rpm   macOS: .app and .dmg
#   scripts/package.sh deb          only these bundle kinds (comma-separated)
#
# Bundles land in target/release/bundle/<kind>/ (under $CARGO_TARGET_DIR when set). The CLI
# (`authtray`) travels inside the bundle next to the tray app (`authtray-app`), with its man page
# and shell completions on Linux. An AppImage is not built: the bundler downloads linuxdeploy
# from GitHub for it.
#
# The Tauri CLI is the prebuilt one from the npm registry (@tauri-apps/cli), at the version of the
# `tauri` crate in Cargo.lock, installed once into target/tauri-cli/<version>/ (a few seconds).
# Without npm it falls back to `cargo install tauri-cli` of that version (about an hour cold on
# 2 cores). AUTHTRAY_TAURI_CLI names another `tauri` executable to use instead.
#
# The shipped binaries are built per package (`-p`), never with the workspace: the e2e crate turns
# on authtray-core's `test-hooks`, and a workspace build would unify that feature into them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '[package] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

case "$(uname -s)" in
  Linux) bundles=${1:-deb,rpm} ;;
  Darwin) bundles=${1:-app,dmg} ;;
  *) log "bundles are built on Linux and macOS only"; exit 1 ;;
esac

# Where cargo (and so the bundler) puts its output: CARGO_TARGET_DIR or the config's, else target/.
target_dir=$(cargo metadata --format-version 1 --no-deps --locked | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[ -n "$target_dir" ] || target_dir="$here/target"
release="$target_dir/release"

# The Tauri CLI, at the tauri crate's version (its bundler and the crate are released together).
tauri_version=$(awk '$0 == "name = \"tauri\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$tauri_version" ] || { log "no tauri crate in Cargo.lock"; exit 1; }
cli_dir="$here/target/tauri-cli/$tauri_version"
answers() { "$@" --version 2>/dev/null | grep -qx "tauri-cli $tauri_version"; }
tauri=()
if [ -n "${AUTHTRAY_TAURI_CLI:-}" ]; then
  tauri=("$AUTHTRAY_TAURI_CLI")
elif answers "$cli_dir/node_modules/.bin/tauri"; then
  tauri=("$cli_dir/node_modules/.bin/tauri")
elif answers "$cli_dir/cargo/bin/cargo-tauri" tauri; then
  tauri=("$cli_dir/cargo/bin/cargo-tauri" tauri)
else
  if have npm; then
    log "npm install @tauri-apps/cli@$tauri_version (prebuilt, into ${cli_dir#"$here"/})"
    mkdir -p "$cli_dir"
    # Its own package.json, so npm never walks up into another project's.
    [ -f "$cli_dir/package.json" ] || printf '{ "private": true }\n' >"$cli_dir/package.json"
    if npm install --prefix "$cli_dir" --no-audit --no-fund --loglevel=error --include=optional \
      --save-exact "@tauri-apps/cli@$tauri_version" >&2 && answers "$cli_dir/node_modules/.bin/tauri"; then
      tauri=("$cli_dir/node_modules/.bin/tauri")
    else
      log "the npm tauri-cli is not usable here; falling back to cargo install"
    fi
  fi
  if [ ${#tauri[@]} -eq 0 ]; then
    log "cargo install tauri-cli $tauri_version (once; about an hour cold on 2 cores)"
    cargo install tauri-cli --version "=$tauri_version" --locked --quiet --root "$cli_dir/cargo"
    tauri=("$cli_dir/cargo/bin/cargo-tauri" tauri)
  fi
fi
log "$("${tauri[@]}" --version)"

# The CLI first: the bundler takes it as an external binary named after the host's target triple.
triple=$(rustc -vV | sed -n 's/^host: //p')
# Named explicitly: build.rs reruns when this changes, not when HEAD moves.
AUTHTRAY_COMMIT=${AUTHTRAY_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}
export AUTHTRAY_COMMIT
log "building the CLI (release)"
cargo build --release --locked -p authtray-cli
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/man" "$stage/completions"
cp "$release/authtray" "$stage/bin/authtray-$triple"
# The man page and completions come from the CLI itself (clap), so they never drift from it.
"$release/authtray" man --out-dir "$stage/man" >/dev/null
# Debian policy: manual pages are gzipped (-n: no name or time stamp, so rebuilds are identical).
gzip -9nf "$stage/man/authtray.1"
"$release/authtray" completions bash >"$stage/completions/authtray.bash"
"$release/authtray" completions zsh >"$stage/completions/_authtray"
"$release/authtray" completions fish >"$stage/completions/authtray.fish"
# Into target/package/, where packaging/bundle.json looks, replacing only what changed: the app's
# build script watches the staged CLI, and a new time stamp alone costs a 2-minute relink.
out="$here/target/package"
mkdir -p "$out"
(cd "$out" && find . -type f) | while read -r f; do [ -f "$stage/$f" ] || rm -f "$out/$f"; done
(cd "$stage" && find . -type f) | while read -r f; do
  cmp -s "$stage/$f" "$out/$f" || { mkdir -p "$(dirname "$out/$f")" && cp "$stage/$f" "$out/$f"; }
done

# No bundle of an earlier version or build is left beside the new one.
for kind in ${bundles//,/ }; do
  case "$kind" in app) rm -rf "$release/bundle/macos" ;; *) rm -rf "$release/bundle/$kind" ;; esac
done
log "building the tray app and the bundles: $bundles"
# `tauri build` builds the package in src-tauri/ only (authtray-app), not the workspace.
(cd src-tauri && "${tauri[@]}" build --ci --bundles "$bundles" --config ../packaging/bundle.json -- --locked)

find "$release/bundle" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.dmg' \) -print
find "$release/bundle" -maxdepth 2 -type d -name '*.app' -print
