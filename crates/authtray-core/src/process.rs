//! Running helper programs (`security`, the gateway CLI) with a deadline, without ever
//! letting their output reach our own stdout.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished child produced.
#[derive(Debug)]
pub struct Finished {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// Everything it wrote to stdout (may contain secrets: never print it raw).
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
    /// Wall time it took.
    pub elapsed: Duration,
}

/// Why a child could not be run to completion.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program could not be started.
    #[error("could not start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// It did not finish in time and was killed.
    #[error("{program} did not answer within {} s and was stopped", timeout.as_secs_f32())]
    Timeout {
        /// The program.
        program: String,
        /// The deadline.
        timeout: Duration,
    },
}

/// Runs `cmd` with `stdin` fed to it, killing it after `timeout`.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Finished, RunError> {
    let program = Path::new(cmd.get_program()).display().to_string();
    let start = Instant::now();
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn { program: program.clone(), source })?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A child that exits without reading its input gives EPIPE; that is its business.
        let _ = pipe.write_all(input);
    }
    let out = child.stdout.take().map(spawn_reader);
    let err = child.stderr.take().map(spawn_reader);
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Timeout { program, timeout });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(source) => return Err(RunError::Spawn { program, source }),
        }
    };
    let collect = |h: Option<std::thread::JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(Finished { code, stdout: collect(out), stderr: collect(err), elapsed: start.elapsed() })
}

fn spawn_reader<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_exit_code() {
        let mut c = Command::new("sh");
        c.args(["-c", "cat; echo err >&2; exit 3"]);
        let f = run(c, Some(b"hello"), Duration::from_secs(5)).expect("runs");
        assert_eq!(f.code, Some(3));
        assert_eq!(f.stdout, b"hello");
        assert_eq!(f.stderr, b"err\n");
    }

    #[test]
    fn kills_slow_children() {
        let mut c = Command::new("sleep");
        c.arg("5");
        let err = run(c, None, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    }
}
