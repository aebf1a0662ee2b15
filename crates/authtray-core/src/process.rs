//! Running helper programs (`security`, the gateway CLI) with a deadline, without ever
//! letting their output reach our own stdout.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished child produced.
#[derive(Debug)]
pub(crate) struct Finished {
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
pub(crate) enum RunError {
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
    /// It wrote more than [`MAX_OUTPUT_BYTES`] to one stream and was killed with its group.
    #[error(
        "{program} wrote more than {} MiB to its {stream} and was stopped: no answer authtray asks for is that large, so the \
         program (or the host it reaches) is misbehaving; check it by hand before trying again",
        limit / (1024 * 1024)
    )]
    TooMuchOutput {
        /// The program.
        program: String,
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The limit it passed, in bytes.
        limit: usize,
    },
}

/// How much a child may write to stdout, and separately to stderr. The largest legitimate
/// answer (a gateway's `models status --json` with many agents) is a few hundred KiB; without
/// a bound a hostile remote host could make us buffer until memory runs out.
pub(crate) const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// After the child exits, how long its output pipes may stay open. Only a process the child
/// left behind keeps them open that long; it is then killed with the child's process group.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// Runs `cmd` with `stdin` fed to it, killing it after `timeout`, or as soon as it writes more
/// than [`MAX_OUTPUT_BYTES`] to stdout or to stderr.
///
/// The child runs in its own process group, so that at the deadline the whole group is
/// killed, including anything it started in the background. Such a leftover may also hold our
/// output pipes after the child exits: then its group is killed too, and what the child wrote
/// is returned. No wait here is unbounded: even a grandchild that escaped the group (setsid)
/// and keeps a pipe open only costs [`PIPE_GRACE`] twice.
pub(crate) fn run(cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Finished, RunError> {
    run_limited(cmd, stdin, timeout, MAX_OUTPUT_BYTES)
}

fn run_limited(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration, limit: usize) -> Result<Finished, RunError> {
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
    let out = child.stdout.take().map(|p| Collector::spawn(p, limit));
    let err = child.stderr.take().map(|p| Collector::spawn(p, limit));
    let overflow = |out: &Option<Collector>, err: &Option<Collector>| {
        let over = |c: &Option<Collector>| c.as_ref().is_some_and(Collector::overflowed);
        let stream = if over(out) {
            "stdout"
        } else if over(err) {
            "stderr"
        } else {
            return None;
        };
        Some(RunError::TooMuchOutput { program: program.clone(), stream, limit })
    };
    let code = loop {
        if let Some(e) = overflow(&out, &err) {
            group.kill();
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
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
    // Something the child left behind may have done the flooding after the child exited.
    if let Some(e) = overflow(&out, &err) {
        group.kill();
        return Err(e);
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

/// Reads a pipe to its end on a thread, into a buffer that can be taken before the end. Past
/// `limit` bytes it keeps nothing more, marks the overflow and stops reading (closing the pipe,
/// so a writer that ignores the overflow gets SIGPIPE while `run` kills its group).
struct Collector {
    buf: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    overflowed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    finished: std::sync::mpsc::Receiver<()>,
}

impl Collector {
    fn spawn<R: Read + Send + 'static>(mut r: R, limit: usize) -> Collector {
        use std::sync::atomic::{AtomicBool, Ordering};
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let overflowed = std::sync::Arc::new(AtomicBool::new(false));
        let (tx, finished) = std::sync::mpsc::channel();
        let shared = std::sync::Arc::clone(&buf);
        let flag = std::sync::Arc::clone(&overflowed);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match r.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        let mut b = shared.lock().unwrap_or_else(|p| p.into_inner());
                        if b.len() + n > limit {
                            flag.store(true, Ordering::SeqCst);
                            break;
                        }
                        b.extend_from_slice(&chunk[..n]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
        Collector { buf, overflowed, finished }
    }

    /// Whether the child wrote more than the limit.
    fn overflowed(&self) -> bool {
        self.overflowed.load(std::sync::atomic::Ordering::SeqCst)
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
        assert!(!alive(pid), "the background sleep (pid {pid}) survived the deadline");
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

    /// Whether `pid` still runs (a zombie waiting for its parent counts as gone).
    fn alive(pid: i32) -> bool {
        // SAFETY: signal 0 only asks whether the pid exists.
        let exists = unsafe { libc::kill(pid, 0) } == 0;
        exists && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
    }

    #[test]
    fn a_flood_on_stdout_is_cut_off_and_its_group_killed() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        let mut c = Command::new("sh");
        // 100 MiB, far past the limit, while a sibling in the group would hold us 30 s.
        c.arg("-c").arg(format!("sleep 30 & echo $! > {}; head -c 104857600 /dev/zero; wait", pidfile.display()));
        let took = bounded(|| {
            let err = run(c, None, Duration::from_secs(20)).unwrap_err();
            assert!(matches!(err, RunError::TooMuchOutput { stream: "stdout", limit: MAX_OUTPUT_BYTES, .. }), "{err}");
            let msg = err.to_string();
            assert!(msg.contains("more than 16 MiB to its stdout") && msg.contains("was stopped"), "{msg}");
        });
        assert!(took < Duration::from_secs(10), "took {took:?} to stop a flood");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!alive(pid), "the flooding child's group (pid {pid}) survived");
    }

    #[test]
    fn a_flood_on_stderr_from_a_child_that_ignores_sigpipe_is_cut_off() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        let mut c = Command::new("sh");
        // With SIGPIPE ignored, closing the pipe alone would not stop it: the kill must.
        c.arg("-c").arg(format!("trap '' PIPE; echo $$ > {}; while :; do head -c 1048576 /dev/zero; done >&2", pidfile.display()));
        let took = bounded(|| {
            let err = run(c, None, Duration::from_secs(20)).unwrap_err();
            assert!(matches!(err, RunError::TooMuchOutput { stream: "stderr", .. }), "{err}");
        });
        assert!(took < Duration::from_secs(10), "took {took:?} to stop a flood");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        assert!(!alive(pid), "the flooding shell (pid {pid}) survived");
    }

    #[test]
    fn output_up_to_the_limit_is_kept_and_one_byte_more_is_refused() {
        let sh = |script: &str| {
            let mut c = Command::new("sh");
            c.args(["-c", script]);
            c
        };
        let f = run_limited(sh("printf 0123456789; printf abcdefghij >&2"), None, Duration::from_secs(5), 10).expect("at the limit");
        assert_eq!((f.stdout.as_slice(), f.stderr.as_slice()), (&b"0123456789"[..], &b"abcdefghij"[..]));
        let err = run_limited(sh("printf 0123456789x"), None, Duration::from_secs(5), 10).unwrap_err();
        assert!(matches!(err, RunError::TooMuchOutput { stream: "stdout", limit: 10, .. }), "{err}");
        let err = run_limited(sh("printf 0123456789x >&2"), None, Duration::from_secs(5), 10).unwrap_err();
        assert!(matches!(err, RunError::TooMuchOutput { stream: "stderr", limit: 10, .. }), "{err}");
    }

    #[test]
    fn a_leftover_flooding_after_the_child_exits_is_refused() {
        let mut c = Command::new("sh");
        // The shell is gone at once; what it left behind floods the pipe it still holds.
        c.args(["-c", "(sleep 0.1; head -c 100000 /dev/zero) & exit 0"]);
        let err = run_limited(c, None, Duration::from_secs(10), 1000).unwrap_err();
        assert!(matches!(err, RunError::TooMuchOutput { stream: "stdout", .. }), "{err}");
    }

    /// Waits up to 2 s for `pid` to be gone (the kill is delivered, the exit takes a moment).
    fn gone(pid: i32) -> bool {
        let start = Instant::now();
        while alive(pid) {
            if start.elapsed() > Duration::from_secs(2) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    #[test]
    fn a_leftover_holding_only_stdout_is_killed_and_the_output_kept() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        let mut c = Command::new("sh");
        // stderr reaches its end when the shell exits; stdout stays open in the background sleep.
        c.arg("-c").arg(format!("sleep 30 2>/dev/null & echo $! > {}; echo done; echo note >&2; exit 0", pidfile.display()));
        let took = bounded(|| {
            let f = run(c, None, Duration::from_secs(15)).expect("runs");
            assert_eq!((f.code, f.stdout.as_slice(), f.stderr.as_slice()), (Some(0), &b"done\n"[..], &b"note\n"[..]));
        });
        assert!(took < Duration::from_secs(10), "waited {took:?} for a leftover process");
        let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        assert!(gone(pid), "the leftover holding stdout (pid {pid}) survived");
    }

    /// A grandchild that left the child's group (setsid) is not ended by the group kill: after
    /// the kill its pipe gets a second grace to reach its end, and then we return what we have.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_grandchild_outside_the_group_costs_two_graces_and_no_more() {
        let d = tempfile::tempdir().unwrap();
        let pidfile = d.path().join("pid");
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("setsid sh -c 'echo $$ > {}; exec sleep 10' 2>/dev/null & echo done", pidfile.display()));
        let start = Instant::now();
        let f = run(c, None, Duration::from_secs(15)).expect("runs");
        let took = start.elapsed();
        let escaped: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        // SAFETY: the pid is the sleep this test started; it left our group, so we end it.
        unsafe {
            libc::kill(escaped, libc::SIGKILL);
        }
        assert_eq!(f.stdout, b"done\n");
        assert!(took >= 2 * PIPE_GRACE, "gave up after {took:?}, before the second grace after the kill");
        assert!(took < Duration::from_secs(10), "waited {took:?} for a process outside the group");
    }

    /// A reader that gives its steps one by one, then its end.
    struct Steps(std::collections::VecDeque<std::io::Result<&'static [u8]>>);

    impl Read for Steps {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.pop_front() {
                None => Ok(0),
                Some(Ok(b)) => {
                    buf[..b.len()].copy_from_slice(b);
                    Ok(b.len())
                }
                Some(Err(e)) => Err(e),
            }
        }
    }

    #[test]
    fn an_interrupted_read_is_retried_and_any_other_error_ends_the_stream() {
        use std::io::{Error, ErrorKind};
        let collect = |steps: Vec<std::io::Result<&'static [u8]>>| {
            let c = Collector::spawn(Steps(steps.into()), 100);
            assert!(c.wait_until(Instant::now() + Duration::from_secs(2)), "the collector did not finish");
            assert!(!c.overflowed());
            c.take()
        };
        assert_eq!(collect(vec![Ok(b"ab"), Err(Error::from(ErrorKind::Interrupted)), Ok(b"cd")]), b"abcd");
        assert_eq!(collect(vec![Ok(b"ab"), Err(Error::other("EIO")), Ok(b"cd")]), b"ab");
    }

    /// Set in the copy of the test binary that [`group_zero_signals_nothing`] runs.
    const GROUP_ZERO_PROBE: &str = "AUTHTRAY_TEST_GROUP_ZERO_PROBE";

    /// `Group(0)` stands for no child: kill(2) with pid 0 would signal our own process group.
    /// Checked in a copy of this test binary that leads a process group of its own, so that a
    /// regression kills that copy only, never the test runner.
    #[test]
    fn group_zero_signals_nothing() {
        if std::env::var_os(GROUP_ZERO_PROBE).is_some() {
            Group(0).kill();
            return;
        }
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args(["--exact", "process::tests::group_zero_signals_nothing", "--test-threads=1"]).env(GROUP_ZERO_PROBE, "1");
        let f = run(c, None, Duration::from_secs(10)).expect("runs");
        let out = String::from_utf8_lossy(&f.stdout);
        assert_eq!(f.code, Some(0), "the probe was killed or failed: {out}");
        assert!(out.contains("1 passed"), "{out}");
    }

    #[test]
    fn kills_slow_children() {
        let mut c = Command::new("sleep");
        c.arg("5");
        let err = run(c, None, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    }
}
