//! Running helper programs (`security`, the gateway CLI) with a deadline, without ever
//! letting their output reach our own stdout.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
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

/// After the child exits, how long its output pipes may stay open. Only a process the child
/// left behind keeps them open that long; it is then killed with the child's process group.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// Runs `cmd` with `stdin` fed to it, killing it after `timeout`.
///
/// The child runs in its own process group, so that at the deadline the whole group is
/// killed, including anything it started in the background. Such a leftover may also hold our
/// output pipes after the child exits: then its group is killed too, and what the child wrote
/// is returned. No wait here is unbounded: even a grandchild that escaped the group (setsid)
/// and keeps a pipe open only costs [`PIPE_GRACE`] twice.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Finished, RunError> {
    let program = Path::new(cmd.get_program()).display().to_string();
    let start = Instant::now();
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn { program: program.clone(), source })?;
    let group = Group(child.id() as libc::pid_t);
    if let (Some(input), Some(mut pipe)) = (stdin.map(<[u8]>::to_vec), child.stdin.take()) {
        // On its own thread: a child that writes before it reads must not deadlock with us.
        // A child that exits without reading its input gives EPIPE; that is its business.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let out = child.stdout.take().map(Collector::spawn);
    let err = child.stderr.take().map(Collector::spawn);
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if start.elapsed() >= timeout => {
                group.kill();
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Timeout { program, timeout });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(source) => {
                group.kill();
                return Err(RunError::Spawn { program, source });
            }
        }
    };
    let until = (Instant::now() + PIPE_GRACE).min(start + timeout.max(PIPE_GRACE));
    let done = |c: &Option<Collector>| c.as_ref().is_none_or(|c| c.wait_until(until));
    if !(done(&out) & done(&err)) {
        // Something the child left behind holds the pipes: end it; keep what the child wrote.
        group.kill();
        let until = Instant::now() + PIPE_GRACE;
        let _ = out.as_ref().map(|c| c.wait_until(until));
        let _ = err.as_ref().map(|c| c.wait_until(until));
    }
    let take = |c: Option<Collector>| c.map(Collector::take).unwrap_or_default();
    Ok(Finished { code, stdout: take(out), stderr: take(err), elapsed: start.elapsed() })
}

/// The child's process group (its pid, since it leads its own group).
struct Group(libc::pid_t);

impl Group {
    fn kill(&self) {
        if self.0 > 0 {
            // SAFETY: kill(2) on a negative pid signals that group; ESRCH (gone) is fine.
            unsafe {
                libc::kill(-self.0, libc::SIGKILL);
            }
        }
    }
}

/// Reads a pipe to its end on a thread, into a buffer that can be taken before the end.
struct Collector {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    finished: std::sync::mpsc::Receiver<()>,
}

impl Collector {
    fn spawn<R: Read + Send + 'static>(mut r: R) -> Collector {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (tx, finished) = std::sync::mpsc::channel();
        let shared = std::sync::Arc::clone(&buf);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match r.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => shared.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
        Collector { buf, finished }
    }

    /// Whether the pipe reached its end by `until`.
    fn wait_until(&self, until: Instant) -> bool {
        use std::sync::mpsc::RecvTimeoutError;
        match self.finished.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            Err(RecvTimeoutError::Timeout) => false,
        }
    }

    fn take(self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock().unwrap_or_else(|p| p.into_inner()))
    }
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

    /// A deadline test with room: the leftovers below sleep 30 s, and the bound is 5 s.
    fn bounded(f: impl FnOnce()) -> Duration {
        let start = Instant::now();
        f();
        start.elapsed()
    }

    #[test]
    fn a_leftover_holding_the_pipes_does_not_hold_us() {
        let mut c = Command::new("sh");
        // The background sleep inherits stdout and stderr and outlives the shell.
        c.args(["-c", "sleep 30 & echo done; echo note >&2; exit 4"]);
        let took = bounded(|| {
            let f = run(c, None, Duration::from_secs(15)).expect("runs");
            assert_eq!((f.code, f.stdout.as_slice(), f.stderr.as_slice()), (Some(4), &b"done\n"[..], &b"note\n"[..]));
        });
        assert!(took < Duration::from_secs(5), "waited {took:?} for a leftover process");
    }

    #[test]
    fn the_deadline_kills_the_whole_group() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("sleep 30 & echo $! > {}; wait", pidfile.display()));
        let took = bounded(|| {
            let err = run(c, None, Duration::from_millis(500)).unwrap_err();
            assert!(matches!(err, RunError::Timeout { .. }), "{err}");
        });
        assert!(took < Duration::from_secs(5), "waited {took:?} past a 0.5 s deadline");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // SAFETY: signal 0 only asks whether the pid exists.
        let alive =
            unsafe { libc::kill(pid, 0) } == 0 && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "));
        assert!(!alive, "the background sleep (pid {pid}) survived the deadline");
    }

    #[test]
    fn a_child_that_writes_before_reading_gets_its_input() {
        let mut c = Command::new("sh");
        // 200 KiB out before reading: more than a pipe holds, so input must not block output.
        c.args(["-c", "head -c 204800 /dev/zero; cat >/dev/null; echo read"]);
        let input = vec![b'x'; 204_800];
        let f = run(c, Some(&input), Duration::from_secs(15)).expect("runs");
        assert_eq!(f.stdout.len(), 204_800 + 5);
    }

    #[test]
    fn kills_slow_children() {
        let mut c = Command::new("sleep");
        c.arg("5");
        let err = run(c, None, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    }
}
