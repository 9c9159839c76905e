//! Sockets are created while the process may still be root, then handed to
//! the runtime after the privilege drop.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use crate::config::OpsListen;
use crate::privileges::Target;

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot bind the public listener {addr}: {source}; free the port, change server.listen, or start through custodiand.socket")]
    Public {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("systemd passed a socket that is not a listening TCP socket: {0}")]
    Activation(std::io::Error),
    #[error("cannot bind the operator listener {what}: {source}; change ops.listen")]
    Ops {
        what: String,
        source: std::io::Error,
    },
}

pub struct Bound {
    pub public: TcpListener,
    /// True when the socket came from systemd rather than our own bind.
    pub socket_activated: bool,
    pub ops: OpsSocket,
}

pub enum OpsSocket {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

pub fn bind(
    public: std::net::SocketAddr,
    ops: &OpsListen,
    target: &Target,
) -> Result<Bound, ListenError> {
    let mut fds = listenfd::ListenFd::from_env();
    let (public, socket_activated) =
        match fds.take_tcp_listener(0).map_err(ListenError::Activation)? {
            Some(l) => (l, true),
            None => (
                TcpListener::bind(public).map_err(|source| ListenError::Public {
                    addr: public,
                    source,
                })?,
                false,
            ),
        };
    public
        .set_nonblocking(true)
        .map_err(ListenError::Activation)?;
    let ops = bind_ops(ops, target)?;
    Ok(Bound {
        public,
        socket_activated,
        ops,
    })
}

fn bind_ops(ops: &OpsListen, target: &Target) -> Result<OpsSocket, ListenError> {
    let err = |what: String| move |source| ListenError::Ops { what, source };
    match ops {
        OpsListen::Tcp(addr) => {
            let l = TcpListener::bind(addr).map_err(err(addr.to_string()))?;
            l.set_nonblocking(true).map_err(err(addr.to_string()))?;
            Ok(OpsSocket::Tcp(l))
        }
        OpsListen::Unix(path) => {
            let what = path.display().to_string();
            remove_stale_socket(path).map_err(err(what.clone()))?;
            let l = UnixListener::bind(path).map_err(err(what.clone()))?;
            l.set_nonblocking(true).map_err(err(what.clone()))?;
            // Owner is the daemon's account, group may connect, others not.
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
                .map_err(err(what.clone()))?;
            if nix::unistd::geteuid().is_root() {
                nix::unistd::chown(path, Some(target.uid), Some(target.gid)).map_err(|e| {
                    ListenError::Ops {
                        what,
                        source: e.into(),
                    }
                })?;
            }
            Ok(OpsSocket::Unix(l, path.clone()))
        }
    }
}

/// Removes a socket left by an earlier run; refuses to remove anything that
/// is not a socket.
fn remove_stale_socket(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => std::fs::remove_file(path),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file that is not a socket is in the way",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}
