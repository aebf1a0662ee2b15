#!/usr/bin/env bash
# Compile-checks the engine, the CLI and `serve` for macOS from any host, without the macOS SDK:
# `cargo check` and `cargo clippy -- -D warnings` for aarch64-apple-darwin and x86_64-apple-darwin.
# That reaches the code behind cfg(target_os = "macos") (renamex_np, lsof, the Keychain through
# `security`, the launchd agent) and the keyring's Apple backend (feature `keyring`, the tray
# app's vault). Nothing is linked, so the tray app itself (AppKit, notifications), linking and the
# .dmg stay with the macOS job of the GitHub workflow. scripts/test.sh runs this; scripts/setup.sh
# installs the rustup targets and clang. Safe to rerun; about 2 min cold, seconds when warm.
#
#   scripts/check-macos.sh                  both targets
#   scripts/check-macos.sh aarch64-apple-darwin
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '[check-macos] %s\n' "$*" >&2; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(aarch64-apple-darwin x86_64-apple-darwin)
# What every shell links; `keyring` compiles the tray app's keyring vault and its Apple backend.
args=(--locked -p authtray-core -p authtray-cli -p authtray-serve --lib --bins --features authtray-core/keyring)

for t in "${targets[@]}"; do
  if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$t"; then
    log "the Rust target $t is missing: run scripts/setup.sh --test (rustup target add $t)"
    exit 1
  fi
  # A C compiler for the target, should a build script compile C (the host's gcc cannot).
  var="CC_${t//-/_}"
  export "$var=${!var:-clang}"
  log "cargo check --target $t"
  cargo check "${args[@]}" --target "$t"
  log "cargo clippy --target $t -- -D warnings"
  cargo clippy "${args[@]}" --target "$t" -- -D warnings
done
log "macOS check passed: ${targets[*]}"
