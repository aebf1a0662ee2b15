//! Progress of slow steps (the gateway CLI takes up to ~20 s) as lines on stderr, shown when
//! stderr is a terminal (or `AUTHTRAY_PROGRESS=always`), never mixed into stdout.

use std::io::IsTerminal;
use std::sync::Arc;

use authtray_core::gateway::cli::{Progress, ProgressFn};

/// A progress reporter for this process, or `None` when nobody would see it.
pub fn reporter() -> Option<ProgressFn> {
    let show = match std::env::var("AUTHTRAY_PROGRESS").as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => std::io::stderr().is_terminal(),
    };
    show.then(|| {
        Arc::new(|p: &Progress| match p {
            Progress::Started { command } => eprintln!("… waiting for `{command}` (the gateway CLI can take up to 20 s)"),
            Progress::Finished { command, elapsed } => eprintln!("… `{command}` done in {:.1} s", elapsed.as_secs_f64()),
        }) as ProgressFn
    })
}
