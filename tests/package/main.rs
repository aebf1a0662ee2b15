//! The `.deb` that `scripts/package.sh` builds: what it holds, what it depends on, that what it
//! installs runs, and that its binaries carry no test-only code. Skipped visibly when no bundle
//! was built (`AUTHTRAY_REQUIRE_PACKAGE=1` makes that a failure, as `scripts/test.sh` does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use authtray_e2e::desktop::{desktop_tools, Desktop, Parts};
use authtray_e2e::serve::artefacts;
use authtray_e2e::*;

/// Whether a missing bundle fails the suite.
fn required() -> bool {
    std::env::var("AUTHTRAY_REQUIRE_PACKAGE").as_deref() == Ok("1")
}

/// Where `scripts/package.sh` leaves the `.deb`: the target dir cargo builds into
/// (`CARGO_TARGET_DIR`, relative to the workspace when relative), else the workspace's `target/`.
fn deb_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").filter(|t| !t.is_empty()).map_or_else(|| workspace.join("target"), |t| workspace.join(t));
    target.join("release/bundle/deb")
}

fn deb() -> Option<PathBuf> {
    let dir = deb_dir();
    let found =
        std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "deb"));
    if found.is_none() {
        if required() {
            panic!("no .deb in {}: run scripts/package.sh", dir.display());
        }
        eprintln!("skipped: no .deb in {} (run scripts/package.sh)", dir.display());
    }
    found
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_deb_holds_the_app_the_cli_its_manual_and_completions_and_they_run() {
    let Some(deb) = deb() else { return };
    let depends = output(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Depends"));
    for lib in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libayatana-appindicator3-1"] {
        assert!(depends.contains(lib), "Depends lacks {lib}: {depends}");
    }
    // `dpkg-deb -c` lists like `ls -l`; the path is the last field (no leading `./`).
    let listing = output(Command::new("dpkg-deb").arg("-c").arg(&deb));
    let paths: Vec<&str> = listing.lines().filter_map(|l| l.split_whitespace().last()).map(|p| p.trim_start_matches("./")).collect();
    for path in [
        "usr/bin/authtray",
        "usr/bin/authtray-app",
        "usr/share/applications/authtray.desktop",
        "usr/share/man/man1/authtray.1.gz",
        "usr/share/bash-completion/completions/authtray",
        "usr/share/zsh/vendor-completions/_authtray",
        "usr/share/fish/vendor_completions.d/authtray.fish",
        "usr/share/icons/hicolor/128x128/apps/authtray-app.png",
    ] {
        assert!(paths.contains(&path), "{path} is not in the .deb:\n{listing}");
    }

    // Installed into a scratch root, the CLI runs and knows its version and commit.
    let root = tempfile::tempdir().unwrap();
    output(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(root.path()));
    let cli = root.path().join("usr/bin/authtray");
    let version = output(Command::new(&cli).arg("--version"));
    assert!(version.starts_with(&format!("authtray {}", env!("CARGO_PKG_VERSION"))), "{version}");
    assert!(version.contains('('), "a release build names its commit: {version}");
    for bin in [&cli, &root.path().join("usr/bin/authtray-app")] {
        let libs = output(Command::new("ldd").arg(bin));
        assert!(!libs.contains("not found"), "{} needs a library this system lacks:\n{libs}", bin.display());
    }

    // Against a gateway store, the packaged CLI reads it as the built one does.
    let s = Sandbox::offline(OPENCLAW_JSON);
    s.write_store(&format!(
        r#"{{"version":1,"profiles":{{"anthropic:manual":{{"type":"token","provider":"anthropic","token":"{}","expires":{}}}}}}}"#,
        setup_token('P'),
        now_ms() + 30 * 86_400_000
    ));
    let mut packaged = Command::new(&cli);
    packaged
        .args(["status", "--json", "--generation", "openclaw-json"])
        .env_clear()
        .env("HOME", s.home())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    let out = run(packaged, None, Duration::from_secs(30));
    assert_eq!(out.code, 0, "{out:?}");
    assert_no_secret(&out, &setup_token('P'));
    assert_eq!(authtray_profile(&out.json(), "anthropic:manual")["status"], "ok");

    // The menu entry starts the tray app with one of the icons the package installs.
    let entry = std::fs::read_to_string(root.path().join("usr/share/applications/authtray.desktop")).unwrap_or_default();
    assert!(entry.lines().any(|l| l == "Exec=authtray-app") && entry.lines().any(|l| l == "Icon=authtray-app"), "{entry}");

    // The completions it installs load in bash.
    let script = root.path().join("usr/share/bash-completion/completions/authtray");
    let complete = output(Command::new("bash").arg("-c").arg(format!("source '{}' && complete -p authtray", script.display())));
    assert!(complete.contains("authtray"), "{complete}");
    let man = output(Command::new("gzip").arg("-dc").arg(root.path().join("usr/share/man/man1/authtray.1.gz")));
    assert!(man.contains(".TH authtray"), "the manual page: {}", &man[..man.len().min(200)]);

    // The packaged tray app, under Xvfb with a tray host: its icon shows and it stays up.
    if desktop_tools().is_some() {
        let mut d = Desktop::start(&s.home().join("desktop"), Parts::FULL);
        d.start_app_from(&root.path().join("usr/bin/authtray-app"), s.home(), &[("OPENCLAW_STATE_DIR", &s.state_dir().to_string_lossy())]);
        d.tray_icon();
        d.wait_for("the packaged app's menu", Duration::from_secs(30), || d.app_log().contains("tray menu").then_some(()));
        assert!(d.app_alive(), "the packaged app died:\n{}", d.app_log());
        d.screenshot(&artefacts("package").join("packaged-tray.png"));
    }
}

/// The text only a build with authtray-core's `test-hooks` feature holds (the crash tests' pause
/// point variable, `fsx::PAUSE_AT_VAR`).
const TEST_HOOKS_MARKER: &str = authtray_core::fsx::PAUSE_AT_VAR;

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A workspace build turns on `test-hooks` (the e2e crate needs the pause points);
/// `scripts/package.sh` builds the shipped binaries per package so they never have them.
#[test]
fn the_packaged_binaries_carry_no_test_hooks() {
    let Some(deb) = deb() else { return };
    let root = tempfile::tempdir().unwrap();
    output(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(root.path()));
    for bin in ["usr/bin/authtray", "usr/bin/authtray-app"] {
        let bytes = std::fs::read(root.path().join(bin)).unwrap_or_else(|e| panic!("{bin} in {}: {e}", deb.display()));
        assert!(
            !holds(&bytes, TEST_HOOKS_MARKER),
            "{bin} in {} has authtray-core's test-hooks ({TEST_HOOKS_MARKER:?}): build it with -p, not the workspace",
            deb.display()
        );
    }

    // The control: the marker does name the feature's code. The debug `authtray` the e2e suites
    // drive comes from the workspace build (`scripts/test.sh`), so it has the pause points.
    let beside = std::env::current_exe().ok().and_then(|e| Some(e.parent()?.parent()?.join("authtray")));
    if !required() && std::env::var_os("AUTHTRAY_BIN").is_none() && !beside.is_some_and(|b| b.is_file()) {
        eprintln!("control skipped: no debug authtray built beside this test");
        return;
    }
    let debug = authtray_bin();
    let debug_holds = holds(&std::fs::read(&debug).unwrap(), TEST_HOOKS_MARKER);
    if required() {
        assert!(
            debug_holds,
            "{} lacks {TEST_HOOKS_MARKER:?}: it was built without test-hooks (`cargo build --workspace` turns them \
             on), or the marker no longer names the pause points",
            debug.display()
        );
    } else if !debug_holds {
        eprintln!("control skipped: {} was built without test-hooks", debug.display());
    }
}
