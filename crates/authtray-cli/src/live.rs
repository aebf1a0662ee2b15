//! The long-running commands: `watch` (live mirroring in a terminal or a service manager) and
//! `serve` (the web UI). Both stop cleanly on Ctrl-C or SIGTERM.

use std::io::Write;

use authtray_core::env::Env;
use authtray_core::live::{Live, LiveConfig, Update};
use authtray_core::ops::Options;

use crate::cli::ServeArgs;

/// Listens for Ctrl-C and SIGTERM from now on, and returns what waits for either. Called before
/// the command says it is ready: a signal that came earlier would otherwise meet no handler, and
/// one a background shell set to be ignored would then be lost and the command never stop.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
}

/// `authtray watch`.
pub fn watch(json: bool, options: Options) -> std::io::Result<()> {
    let rt = runtime()?;
    // Before the first update is printed: see `stop_signals`.
    let stopped = {
        let _in_runtime = rt.enter();
        stop_signals()?
    };
    let config = LiveConfig::new(Env::from_process(), options);
    let live = Live::start(config, move |u| print_update(u, json));
    rt.block_on(stopped);
    drop(live);
    eprintln!("authtray watch: stopped");
    Ok(())
}

fn print_update(u: &Update, json: bool) {
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({ "cause": u.cause, "alerts": u.alerts, "snapshot": &*u.snapshot });
        let _ = writeln!(out, "{doc}");
    } else {
        let time = chrono::Local::now().format("%H:%M:%S");
        let cause = serde_json::to_value(u.cause).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let mut parts = vec![u.snapshot.glance.headline.clone()];
        if let Some(sync) = u.snapshot.last_sync.as_ref().filter(|_| {
            matches!(
                u.cause,
                authtray_core::live::Cause::Start | authtray_core::live::Cause::LoginChanged | authtray_core::live::Cause::SyncNow
            )
        }) {
            for a in &sync.agents {
                match &a.error {
                    Some(e) => parts.push(format!("mirror to {} failed: {e}", a.agent)),
                    None => parts.push(format!("{} {}: {:?}", a.agent, a.profile_id, a.action).to_lowercase()),
                }
            }
        }
        if let Some(e) = &u.snapshot.last_sync_error {
            parts.push(format!("mirror failed: {}", e.details));
        }
        if let Some(p) = &u.snapshot.problem {
            parts.push(p.clone());
        }
        if u.cause == authtray_core::live::Cause::Targets {
            parts.extend(u.snapshot.glance.targets.iter().map(|l| l.text.clone()));
        }
        let _ = writeln!(out, "{time} {cause}: {}", parts.join(" · "));
        for a in &u.alerts {
            let _ = writeln!(out, "{time} alert: {} — {}", a.summary, a.body);
        }
    }
    let _ = out.flush();
}

/// `authtray serve`.
pub fn serve(args: ServeArgs, options: Options) -> std::io::Result<()> {
    if !args.bind.is_loopback() {
        if !args.insecure_bind {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "--bind {}: the UI speaks plain HTTP, so its secret, the session and any pasted token would cross the network readable by anyone on the way. \
                     Keep the default 127.0.0.1 and use an SSH tunnel (ssh -L PORT:127.0.0.1:PORT host), or add --insecure-bind if you accept that",
                    args.bind
                ),
            ));
        }
        eprintln!(
            "warning: serving on {} over plain HTTP: the link's secret, the session id and pasted tokens cross the network unencrypted",
            args.bind
        );
    }
    // serve's own runtime checks for the descriptors tokio needs first (a clear error, not a panic).
    let rt = authtray_serve::runtime()?;
    rt.block_on(async move {
        let config = authtray_serve::ServeConfig {
            options,
            env: Env::from_process(),
            addr: args.bind,
            port: args.port,
            session_idle: authtray_serve::SESSION_IDLE,
        };
        let bound = authtray_serve::bind(config).await?;
        let stopped = stop_signals()?;
        let url = bound.url().to_string();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{url}")?;
            out.flush()?;
        }
        eprintln!("authtray serve: open the URL above (it works once); Ctrl-C stops");
        // Kept until we stop: the browser may read it late.
        let _opened = if args.open { open_privately(&url) } else { None };
        bound.run(stopped).await?;
        eprintln!("authtray serve: stopped");
        Ok(())
    })
}

/// Opens `url` in the browser without putting it on a command line: the opener and the
/// browser get the path of a 0600 page in a 0700 directory that sends the browser on. Any local
/// user can read a process's arguments (`/proc/<pid>/cmdline`, `ps`); only we can read the file.
/// The directory is removed when the returned guard is dropped.
fn open_privately(url: &str) -> Option<tempfile::TempDir> {
    let attempt = || -> std::io::Result<tempfile::TempDir> {
        let dir =
            tempfile::Builder::new().prefix("authtray-open-").permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700)).tempdir()?;
        let page = dir.path().join("open-authtray.html");
        let escaped = url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        let html = format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={escaped}\"><link rel=\"icon\" href=\"data:,\">\
             <title>authtray</title><p><a href=\"{escaped}\">Open authtray</a></p></html>\n"
        );
        authtray_core::fsx::write_atomic(&page, html.as_bytes()).map_err(|e| std::io::Error::other(e.to_string()))?;
        open::that_detached(&page)?;
        Ok(dir)
    };
    match attempt() {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("warning: could not open a browser ({e}); open the URL by hand");
            None
        }
    }
}
