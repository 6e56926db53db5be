//! A spawned suite process seen as a process group: signalling it and reaping its leader.
//!
//! The leader is waited for on a blocking thread with `waitid(WNOWAIT)` first, so it stays a
//! zombie while greenloop kills what is left of its group: a zombie's pid, and so the group id,
//! cannot be reused by an unrelated process. Only then is it reaped with `wait4`, which also
//! gives the leader's own peak memory (tokio never sees this child, so it cannot reap it first).

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;
use tokio::task::JoinHandle;

/// How the group leader ended, as the kernel reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}

/// The leader after it has been reaped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reaped {
    /// How it ended.
    pub status: Status,
    /// When greenloop saw it exit.
    pub exited_at: Instant,
    /// `ru_maxrss` of the leader and the descendants it waited for, in bytes. It is never
    /// below greenloop's own peak at spawn time: see [`spawner_peak_rss`].
    pub max_rss_bytes: Option<u64>,
}

/// A running process group whose leader greenloop spawned. Dropping it kills the group.
#[derive(Debug)]
pub(crate) struct Group {
    pgid: Pid,
    /// Set once the leader is reaped; held while signalling so no signal can reach a reused id.
    reaped: Arc<Mutex<bool>>,
}

impl Group {
    /// Starts watching the group led by `pid` (spawned with `process_group(0)`); the returned
    /// task ends once the leader exited, the rest of its group was killed, and it was reaped.
    pub fn watch(pid: u32) -> io::Result<(Self, JoinHandle<io::Result<Reaped>>)> {
        let raw = i32::try_from(pid).map_err(io::Error::other)?;
        let pgid = Pid::from_raw(raw);
        let reaped = Arc::new(Mutex::new(false));
        let watcher = {
            let reaped = Arc::clone(&reaped);
            tokio::task::spawn_blocking(move || wait_kill_reap(pgid, &reaped))
        };
        Ok((Self { pgid, reaped }, watcher))
    }

    /// Sends `signal` to every process in the group, unless the leader is already reaped.
    pub fn signal(&self, signal: Signal) {
        let reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        if !*reaped {
            // ESRCH only means the group is already empty.
            let _ = killpg(self.pgid, signal);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Reached early only when `run` is abandoned (its future dropped, or an error): the
        // suite must not outlive it. The watcher thread still reaps the leader.
        self.signal(Signal::SIGKILL);
    }
}

/// Waits for the leader to exit, kills its leftover group, then reaps it.
fn wait_kill_reap(pgid: Pid, reaped: &Mutex<bool>) -> io::Result<Reaped> {
    loop {
        match waitid(Id::Pid(pgid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT) {
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
            Ok(_) => break,
        }
    }
    let exited_at = Instant::now();
    let mut reaped = reaped.lock().unwrap_or_else(PoisonError::into_inner);
    // Anything still in the group after the leader exited is a leak (a background server, a
    // grandchild holding the output pipe): it must not outlive the suite.
    let _ = killpg(pgid, Signal::SIGKILL);
    let (raw_status, usage) = loop {
        match wait4(pgid.as_raw()) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => break result?,
        }
    };
    *reaped = true;
    let status = match WaitStatus::from_raw(pgid, raw_status)? {
        WaitStatus::Signaled(_, signal, _) => Status::Signal(signal as i32),
        WaitStatus::Exited(_, code) => Status::Code(code),
        other => {
            return Err(io::Error::other(format!(
                "unexpected wait status {other:?}"
            )));
        }
    };
    // Linux reports ru_maxrss in KiB.
    let max_rss_bytes = u64::try_from(usage.ru_maxrss)
        .ok()
        .filter(|&kib| kib > 0)
        .map(|kib| kib * 1024);
    Ok(Reaped {
        status,
        exited_at,
        max_rss_bytes,
    })
}

/// greenloop's own peak resident memory so far (`VmHWM`), in bytes.
///
/// Linux folds the spawning process's peak into the child's `ru_maxrss`: the child is created
/// sharing (vfork) or copying (fork) greenloop's memory, and `exec` records that memory's peak
/// in the child's maximum. Read just after the spawn, this is an upper bound on what leaked in,
/// so a child's `ru_maxrss` above it is the child's own.
pub(crate) fn spawner_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Reaps the exited child `pid`, returning its raw wait status and resource usage.
#[expect(
    unsafe_code,
    reason = "wait4 is the only call that returns one child's own rusage; nix does not wrap it"
)]
fn wait4(pid: libc::pid_t) -> io::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers, for which all-zero bytes are a valid
    // value; `wait4` only writes through the two pointers, which point to live locals of the
    // right types for the duration of the call.
    let (result, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let result = libc::wait4(pid, &mut status, 0, &mut usage);
        (result, usage)
    };
    if result == pid {
        Ok((status, usage))
    } else {
        Err(io::Error::last_os_error())
    }
}
