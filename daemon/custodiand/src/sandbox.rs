//! The in-process sandbox, entered right after the privilege drop and
//! before any thread exists (both Landlock and seccomp apply to the calling
//! thread and what it starts later):
//!
//! - Landlock: code and the few system files a running daemon reads are
//!   read-only; the media store (and the operator socket's directory, to
//!   remove the socket at exit) are the only writable places; everything
//!   else, configuration and credentials included, cannot be opened.
//! - seccomp: an allow-list of the system calls the daemon makes; any
//!   other fails with EPERM.
//!
//! Both are then checked from inside, as the privilege drop is: opening
//! `/etc/passwd` must fail, and `personality(2)`, which any process may
//! normally call, must be refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use landlock::{
    path_beneath_rules, Access, AccessFs, BitFlags, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetStatus, ABI,
};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("Landlock: {0}")]
    Landlock(String),
    #[error("seccomp: {0}")]
    Seccomp(String),
    #[error("sandbox self-check failed: {0}")]
    Verify(String),
}

/// What was achieved, for the start-up log line.
#[derive(Debug, Clone, Copy)]
pub struct Entered {
    /// Landlock fully enforced (false on kernels without it: logged).
    pub landlock: bool,
    pub seccomp: bool,
}

/// Read-only: code (shared libraries, NSS modules loaded by name lookups)
/// and what DNS resolution and the runtime read.
const READ_ONLY: &[&str] = &[
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/localtime",
    "/proc",
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
    "/dev/urandom",
];

const READ_WRITE_DEVICES: &[&str] = &["/dev/null"];

fn existing(paths: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
    paths.into_iter().filter(|p| p.exists()).collect()
}

fn landlock(writable: &[PathBuf]) -> Result<bool, SandboxError> {
    let abi = ABI::V5;
    let err = |e: landlock::RulesetError| SandboxError::Landlock(e.to_string());
    let read = AccessFs::from_read(abi);
    let write: BitFlags<AccessFs> = AccessFs::from_all(abi) & !BitFlags::from(AccessFs::Execute);
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(err)?
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(
            existing(READ_ONLY.iter().map(PathBuf::from)),
            read,
        ))
        .map_err(err)?
        .add_rules(path_beneath_rules(
            existing(READ_WRITE_DEVICES.iter().map(PathBuf::from)),
            AccessFs::ReadFile | AccessFs::WriteFile,
        ))
        .map_err(err)?
        .add_rules(path_beneath_rules(
            existing(writable.iter().cloned()),
            write,
        ))
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    Ok(status.ruleset == RulesetStatus::FullyEnforced)
}

/// The system calls custodiand makes once running (tokio, hyper, rustls,
/// tokio-postgres, glibc's resolver, journald, sd_notify, the media store).
fn allowed_syscalls() -> Vec<i64> {
    let mut v = vec![
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_readv,
        libc::SYS_writev,
        libc::SYS_pread64,
        libc::SYS_pwrite64,
        libc::SYS_openat,
        libc::SYS_close,
        libc::SYS_fstat,
        libc::SYS_newfstatat,
        libc::SYS_statx,
        libc::SYS_lseek,
        libc::SYS_fsync,
        libc::SYS_fdatasync,
        libc::SYS_ftruncate,
        libc::SYS_getdents64,
        libc::SYS_mkdirat,
        libc::SYS_unlinkat,
        libc::SYS_renameat,
        libc::SYS_renameat2,
        libc::SYS_faccessat,
        libc::SYS_faccessat2,
        libc::SYS_readlinkat,
        libc::SYS_fchmod,
        libc::SYS_utimensat,
        libc::SYS_statfs,
        libc::SYS_fstatfs,
        libc::SYS_getcwd,
        libc::SYS_fcntl,
        // The media store's in-use lock (evidence::media::IN_USE_FILE).
        libc::SYS_flock,
        libc::SYS_ioctl,
        libc::SYS_dup,
        libc::SYS_dup3,
        libc::SYS_pipe2,
        libc::SYS_eventfd2,
        libc::SYS_memfd_create,
        libc::SYS_epoll_create1,
        libc::SYS_epoll_ctl,
        libc::SYS_epoll_pwait,
        libc::SYS_epoll_pwait2,
        libc::SYS_ppoll,
        libc::SYS_socket,
        libc::SYS_socketpair,
        libc::SYS_connect,
        libc::SYS_accept4,
        libc::SYS_bind,
        libc::SYS_listen,
        libc::SYS_getsockname,
        libc::SYS_getpeername,
        libc::SYS_setsockopt,
        libc::SYS_getsockopt,
        libc::SYS_sendto,
        libc::SYS_recvfrom,
        libc::SYS_sendmsg,
        libc::SYS_recvmsg,
        libc::SYS_sendmmsg,
        libc::SYS_recvmmsg,
        libc::SYS_shutdown,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_mprotect,
        libc::SYS_madvise,
        libc::SYS_brk,
        libc::SYS_rt_sigaction,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigreturn,
        libc::SYS_sigaltstack,
        libc::SYS_clone,
        libc::SYS_clone3,
        libc::SYS_futex,
        libc::SYS_set_robust_list,
        libc::SYS_get_robust_list,
        libc::SYS_rseq,
        libc::SYS_sched_yield,
        libc::SYS_sched_getaffinity,
        libc::SYS_getrandom,
        libc::SYS_clock_gettime,
        libc::SYS_clock_getres,
        libc::SYS_clock_nanosleep,
        libc::SYS_nanosleep,
        libc::SYS_gettid,
        libc::SYS_getpid,
        libc::SYS_getppid,
        libc::SYS_tgkill,
        libc::SYS_exit,
        libc::SYS_exit_group,
        libc::SYS_restart_syscall,
        libc::SYS_prctl,
        libc::SYS_uname,
        libc::SYS_getuid,
        libc::SYS_geteuid,
        libc::SYS_getgid,
        libc::SYS_getegid,
        libc::SYS_getresuid,
        libc::SYS_getresgid,
        libc::SYS_prlimit64,
        libc::SYS_sysinfo,
        libc::SYS_membarrier,
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        libc::SYS_open,
        libc::SYS_stat,
        libc::SYS_lstat,
        libc::SYS_access,
        libc::SYS_readlink,
        libc::SYS_unlink,
        libc::SYS_rename,
        libc::SYS_mkdir,
        libc::SYS_poll,
        libc::SYS_epoll_wait,
        libc::SYS_dup2,
        libc::SYS_pipe,
        libc::SYS_arch_prctl,
        libc::SYS_getrlimit,
        libc::SYS_time,
        libc::SYS_gettimeofday,
    ]);
    v
}

fn seccomp() -> Result<(), SandboxError> {
    let err = |e: &dyn std::fmt::Display| SandboxError::Seccomp(e.to_string());
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = allowed_syscalls()
        .into_iter()
        .map(|s| (s, Vec::new()))
        .collect();
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e: seccompiler::BackendError| err(&e))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )
    .map_err(|e| err(&e))?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| err(&e))?;
    seccompiler::apply_filter(&program).map_err(|e| err(&e))
}

/// Enters the sandbox. `writable`: the directories the daemon writes.
pub fn enter(writable: &[PathBuf]) -> Result<Entered, SandboxError> {
    let landlock = landlock(writable)?;
    seccomp()?;
    verify(landlock)?;
    Ok(Entered {
        landlock,
        seccomp: true,
    })
}

fn verify(landlock: bool) -> Result<(), SandboxError> {
    if landlock {
        match std::fs::File::open(Path::new("/etc/passwd")) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => {
                return Err(SandboxError::Verify(format!(
                    "opening /etc/passwd was not refused: {other:?}"
                )))
            }
        }
    }
    match nix::sys::personality::get() {
        Err(nix::errno::Errno::EPERM) => Ok(()),
        other => Err(SandboxError::Verify(format!(
            "personality(2) was not refused: {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_compiles_for_this_architecture() {
        let list = allowed_syscalls();
        let unique: std::collections::BTreeSet<_> = list.iter().collect();
        assert_eq!(unique.len(), list.len(), "no duplicates");
        assert!(!list.contains(&libc::SYS_personality));
        assert!(!list.contains(&libc::SYS_ptrace));
        assert!(
            !list.contains(&libc::SYS_execve),
            "nothing is ever executed"
        );
        assert!(!list.contains(&libc::SYS_setuid));
    }
}
