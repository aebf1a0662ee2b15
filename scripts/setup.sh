#!/usr/bin/env bash
# Installs what building and testing authtray needs, and nothing that is already there.
# Safe to rerun. Debian/Ubuntu (apt) and macOS (Homebrew) are supported.
#
#   scripts/setup.sh          build dependencies only
#   scripts/setup.sh --test   also the test dependencies (the real gateway CLIs as oracles, the
#                             macOS compile check's Rust targets, clippy and clang)
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
here=$(cd "$(dirname "$0")/.." && pwd)

log() { printf '[setup] %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif have sudo; then sudo "$@"; else log "need root for: $*"; return 1; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

case "$(uname -s)" in
  Linux)
    if have apt-get; then
      apt_install ca-certificates curl git gcc libc6-dev pkg-config
      have npm || apt_install nodejs npm
      # The tray app (Tauri 2): GTK, WebKitGTK, the tray (appindicator), D-Bus for notifications.
      apt_install build-essential file libssl-dev libgtk-3-dev libwebkit2gtk-4.1-dev \
        libjavascriptcoregtk-4.1-dev libsoup-3.0-dev libayatana-appindicator3-dev librsvg2-dev \
        libdbus-1-dev libxdo-dev
      if [ $want_test -eq 1 ]; then
        # Headless desktop for the tray tests (X server, tray host, window manager, screenshots,
        # input), WebDriver for the app's webview, Secret Service, a notification server, and
        # Chromium for the web UI tests, and OpenSSH for the remote-target test (its sshd is
        # started by that test on 127.0.0.1 only). (`stalonetray` is not in Debian 12: trayer is.)
        apt_install xvfb xauth trayer openbox imagemagick x11-utils xdotool webkit2gtk-driver \
          gnome-keyring libsecret-tools dbus-x11 dunst libnotify-bin at-spi2-core xclip chromium \
          openssh-server openssh-client
        # The macOS compile check (scripts/check-macos.sh): a C compiler for Apple targets.
        apt_install clang
      fi
    else
      log "not a Debian-style system: make sure gcc, git, curl and npm are installed"
    fi
    ;;
  Darwin)
    xcode-select -p >/dev/null 2>&1 || { log "installing the Xcode command line tools"; xcode-select --install || true; }
    if ! have npm && [ $want_test -eq 1 ]; then
      have brew || { log "Homebrew is needed to install Node.js: https://brew.sh"; exit 1; }
      brew install node
    fi
    ;;
esac

if ! have cargo; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    log "installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
log "$(cargo --version)"

if [ $want_test -eq 1 ] && have rustup; then
  # The macOS compile check (scripts/check-macos.sh) and its clippy; a minimal rustup profile
  # has no clippy. Seconds when already there.
  installed=$(rustup target list --installed)
  for t in aarch64-apple-darwin x86_64-apple-darwin; do
    grep -qx "$t" <<<"$installed" || { log "rustup target add $t"; rustup target add "$t" >/dev/null; }
  done
  cargo clippy --version >/dev/null 2>&1 || { log "rustup component add clippy"; rustup component add clippy >/dev/null; }
elif [ $want_test -eq 1 ]; then
  log "no rustup: add the aarch64-apple-darwin and x86_64-apple-darwin targets and clippy yourself"
fi

if [ $want_test -eq 1 ]; then
  # WebDriver for the app's window (tauri-driver drives WebKitWebDriver); about a minute to build.
  if [ "$(uname -s)" = Linux ] && ! have tauri-driver; then
    log "cargo install tauri-driver"
    cargo install tauri-driver --locked --quiet
  fi
  # playwright-core and axe-core for the web UI tests (no browser download: the system's Chromium).
  if have npm; then
    (cd "$here/tests/web" && { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund --loglevel=error; })
  fi
  if [ "$(uname -s)" = Linux ]; then
    # The real gateway CLIs (about 1.7 GB, cached in ~/.cache/bot-oracle; a rerun takes < 1 s).
    "$here/tests/oracle/install.sh" >/dev/null
  else
    log "the gateway oracles run on Linux only; the oracle tests will be skipped here"
  fi
fi
