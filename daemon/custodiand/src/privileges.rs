//! The one-way transition from the starting account (root, in production)
//! to the daemon's own account with no capability at all.
//!
//! This must run while the process has a single thread: `capset` acts on the
//! calling thread only, so a thread started earlier would keep root's
//! capabilities. The boot sequence therefore calls it before the async
//! runtime exists.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};

use caps::CapSet;
use nix::errno::Errno;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::stat::{umask, Mode};
use nix::unistd::{getresgid, getresuid, setgroups, setresgid, setresuid, Gid, Group, Uid, User};

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("server.user {0:?} does not exist; create it (e.g. `useradd --system --no-create-home --shell /usr/sbin/nologin {0}`) or set server.user")]
    NoSuchUser(String),
    #[error("server.group {0:?} does not exist; create it or remove server.group to use the user's primary group")]
    NoSuchGroup(String),
    #[error("server.user {0:?} is root; the daemon must run as an unprivileged account")]
    TargetIsRoot(String),
    #[error("started as uid {current}, which can switch to no other account; start as root or as server.user {target:?} (uid {target_uid})")]
    CannotSwitch {
        current: u32,
        target: String,
        target_uid: u32,
    },
    #[error("privilege drop failed at {step}: {source}")]
    Step {
        step: &'static str,
        source: std::io::Error,
    },
    #[error("privilege drop could not be verified: {0}")]
    Verify(String),
}

/// The account the daemon becomes.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
}

impl Target {
    pub fn resolve(user: &str, group: Option<&str>) -> Result<Self, PrivilegeError> {
        let u = User::from_name(user)
            .ok()
            .flatten()
            .ok_or_else(|| PrivilegeError::NoSuchUser(user.to_owned()))?;
        if u.uid.is_root() {
            return Err(PrivilegeError::TargetIsRoot(user.to_owned()));
        }
        let gid = match group {
            None => u.gid,
            Some(g) => {
                Group::from_name(g)
                    .ok()
                    .flatten()
                    .ok_or_else(|| PrivilegeError::NoSuchGroup(g.to_owned()))?
                    .gid
            }
        };
        if gid.as_raw() == 0 {
            return Err(PrivilegeError::TargetIsRoot(format!("{user} (group 0)")));
        }
        Ok(Self {
            name: user.to_owned(),
            uid: u.uid,
            gid,
        })
    }
}

/// What the drop achieved, for the start-up log line.
#[derive(Debug, Clone, Copy)]
pub struct Dropped {
    pub uid: u32,
    pub gid: u32,
    pub privileged_bind_refused: bool,
}

fn step<T>(
    step: &'static str,
    r: Result<T, impl Into<std::io::Error>>,
) -> Result<T, PrivilegeError> {
    r.map_err(|e| PrivilegeError::Step {
        step,
        source: e.into(),
    })
}

fn caps_step(
    name: &'static str,
    r: Result<(), caps::errors::CapsError>,
) -> Result<(), PrivilegeError> {
    r.map_err(|e| PrivilegeError::Step {
        step: name,
        source: std::io::Error::other(e.to_string()),
    })
}

/// Switches to `target` and removes every way back. Fails closed: the
/// caller must not serve when this returns an error.
pub fn drop_to(target: &Target) -> Result<Dropped, PrivilegeError> {
    umask(Mode::from_bits_truncate(0o027));
    let current = Uid::effective();
    if current.is_root() {
        step("setgroups", setgroups(&[]).map_err(errno_io))?;
        // Bounding, ambient and inheritable sets are cleared while we
        // still hold CAP_SETPCAP; after setresuid we could not.
        caps_step(
            "clear ambient capabilities",
            caps::clear(None, CapSet::Ambient),
        )?;
        caps_step(
            "clear bounding capabilities",
            caps::clear(None, CapSet::Bounding),
        )?;
        caps_step(
            "clear inheritable capabilities",
            caps::clear(None, CapSet::Inheritable),
        )?;
        step(
            "setresgid",
            setresgid(target.gid, target.gid, target.gid).map_err(errno_io),
        )?;
        step(
            "setresuid",
            setresuid(target.uid, target.uid, target.uid).map_err(errno_io),
        )?;
    } else if current != target.uid {
        return Err(PrivilegeError::CannotSwitch {
            current: current.as_raw(),
            target: target.name.clone(),
            target_uid: target.uid.as_raw(),
        });
    } else {
        // Already the right account (systemd's User=, a developer's
        // shell): still shed any file or ambient capabilities the binary
        // may have been given.
        clear_if_held(CapSet::Ambient, "clear ambient capabilities")?;
        clear_if_held(CapSet::Inheritable, "clear inheritable capabilities")?;
    }
    clear_if_held(CapSet::Effective, "clear effective capabilities")?;
    clear_if_held(CapSet::Permitted, "clear permitted capabilities")?;
    step(
        "PR_SET_NO_NEW_PRIVS",
        nix::sys::prctl::set_no_new_privs().map_err(errno_io),
    )?;
    // After setresuid: the kernel resets the dumpable flag on a credential
    // change, so setting it earlier would not last.
    step(
        "PR_SET_DUMPABLE",
        nix::sys::prctl::set_dumpable(false).map_err(errno_io),
    )?;
    // Under systemd (LimitCORE=0) the limit is already 0, and the unit's
    // system-call filter refuses setrlimit: only lower it when needed.
    if nix::sys::resource::getrlimit(Resource::RLIMIT_CORE).ok() != Some((0, 0)) {
        step(
            "RLIMIT_CORE",
            setrlimit(Resource::RLIMIT_CORE, 0, 0).map_err(errno_io),
        )?;
    }
    verify(target)
}

/// Clears a capability set unless it is already empty: a process that
/// holds nothing need not (and under systemd's `~@privileged` filter may
/// not) call capset.
fn clear_if_held(set: CapSet, name: &'static str) -> Result<(), PrivilegeError> {
    match caps::read(None, set) {
        Ok(held) if held.is_empty() => Ok(()),
        _ => caps_step(name, caps::clear(None, set)),
    }
}

fn errno_io(e: Errno) -> std::io::Error {
    std::io::Error::from(e)
}

/// Checks the result from the outside in: ids, capability sets, and that the
/// things root could do now fail.
fn verify(target: &Target) -> Result<Dropped, PrivilegeError> {
    let uids = getresuid().map_err(|e| PrivilegeError::Verify(e.to_string()))?;
    let gids = getresgid().map_err(|e| PrivilegeError::Verify(e.to_string()))?;
    if [uids.real, uids.effective, uids.saved] != [target.uid; 3]
        || [gids.real, gids.effective, gids.saved] != [target.gid; 3]
    {
        return Err(PrivilegeError::Verify(format!(
            "ids are uid {uids:?} gid {gids:?}, expected {} / {}",
            target.uid, target.gid
        )));
    }
    for set in [
        CapSet::Effective,
        CapSet::Permitted,
        CapSet::Inheritable,
        CapSet::Ambient,
    ] {
        let held = caps::read(None, set).map_err(|e| PrivilegeError::Verify(e.to_string()))?;
        if !held.is_empty() {
            return Err(PrivilegeError::Verify(format!(
                "{set:?} capabilities remain: {held:?}"
            )));
        }
    }
    if Uid::current().is_root()
        || setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0)).is_ok()
    {
        return Err(PrivilegeError::Verify("regaining uid 0 succeeded".into()));
    }
    if nix::sys::prctl::get_no_new_privs().ok() != Some(true) {
        return Err(PrivilegeError::Verify("no_new_privs is not set".into()));
    }
    if nix::sys::prctl::get_dumpable().ok() != Some(false) {
        return Err(PrivilegeError::Verify("process is still dumpable".into()));
    }
    let privileged_bind_refused = privileged_bind_refused()?;
    Ok(Dropped {
        uid: target.uid.as_raw(),
        gid: target.gid.as_raw(),
        privileged_bind_refused,
    })
}

/// Tries to bind a privileged port. `true` when the kernel refused; an error
/// when it was allowed. When the host lowered `ip_unprivileged_port_start`
/// below 1024 the check proves nothing and reports `false`.
fn privileged_bind_refused() -> Result<bool, PrivilegeError> {
    let start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(1024);
    if start <= 1 {
        return Ok(false);
    }
    for port in (1..start).rev().take(8) {
        match TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)) {
            Ok(_) => {
                return Err(PrivilegeError::Verify(format!(
                    "binding privileged port {port} still succeeds"
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(true),
            Err(_) => continue,
        }
    }
    Err(PrivilegeError::Verify(
        "could not test a privileged bind: every probed port was busy".into(),
    ))
}
