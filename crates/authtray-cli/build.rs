//! Stamps release builds with the commit they were built from (`authtray --version`).

fn main() {
    println!("cargo:rerun-if-env-changed=AUTHTRAY_COMMIT");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let commit = std::env::var("AUTHTRAY_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        if !release {
            return None;
        }
        let out = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|c| !c.is_empty())
    });
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let long = match commit {
        Some(c) => format!("{version} ({c})"),
        None => version,
    };
    println!("cargo:rustc-env=AUTHTRAY_LONG_VERSION={long}");
}
