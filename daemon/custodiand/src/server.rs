//! The public HTTPS accept loop and the per-connection limits that keep one
//! client (or one address) from starving the others.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::activity::{Activity, ActivityIo};
use crate::config::LimitsConfig;
use custodian_core::health::Stats;
use custodian_core::rate_limit::AddressKey;
use custodian_web::app::App;
use custodian_web::routes;

/// Counts open connections per client: an IPv4 address or an IPv6 /64
/// (the same [`AddressKey`] as the request limits), so that one IPv6
/// customer cannot open the cap once per address of its prefix.
#[derive(Default)]
struct PerIp {
    open: Mutex<HashMap<AddressKey, usize>>,
}

struct PerIpGuard {
    table: Arc<PerIp>,
    key: AddressKey,
}

impl PerIp {
    fn try_claim(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<PerIpGuard> {
        let key = AddressKey::of(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PerIpGuard {
            table: Arc::clone(self),
            key,
        })
    }
}

impl Drop for PerIpGuard {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

pub struct Server {
    pub listener: TcpListener,
    pub tls: Arc<rustls::ServerConfig>,
    pub limits: LimitsConfig,
    pub app: Arc<App>,
}

impl Server {
    /// Serves until `shutdown` turns true, then lets in-flight requests finish
    /// for up to the configured grace period.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, stats: Arc<Stats>) {
        let limits = Arc::new(self.limits);
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        let per_ip = Arc::new(PerIp::default());
        let acceptor = TlsAcceptor::from(self.tls);
        loop {
            let accepted = tokio::select! {
                r = self.listener.accept() => r,
                _ = shutdown.changed() => break,
            };
            let (stream, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                stats.refused_connections.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let Some(ip_guard) = per_ip.try_claim(peer.ip(), limits.max_connections_per_ip) else {
                stats.refused_connections.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let conn = Connection {
                app: Arc::clone(&self.app),
                acceptor: acceptor.clone(),
                limits: Arc::clone(&limits),
                shutdown: shutdown.clone(),
                stats: Arc::clone(&stats),
                peer,
            };
            tokio::spawn(conn.serve(stream, slot, ip_guard));
        }
        // Close the listening socket at once so that new clients are refused
        // rather than left waiting in the backlog.
        drop(self.listener);
        // Every connection task holds a slot; when all slots are free again,
        // every in-flight request has finished.
        let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
        if tokio::time::timeout(limits.shutdown_grace(), slots.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("shutdown grace period ended with connections still open");
        }
    }
}

struct Connection {
    app: Arc<App>,
    acceptor: TlsAcceptor,
    limits: Arc<LimitsConfig>,
    shutdown: watch::Receiver<bool>,
    stats: Arc<Stats>,
    peer: SocketAddr,
}

impl Connection {
    async fn serve(
        mut self,
        stream: tokio::net::TcpStream,
        _slot: OwnedSemaphorePermit,
        _ip: PerIpGuard,
    ) {
        let _open = OpenGuard::new(Arc::clone(&self.stats));
        let tls = match tokio::time::timeout(
            self.limits.handshake_timeout(),
            self.acceptor.accept(stream),
        )
        .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(peer = %self.peer, "TLS handshake timed out");
                return;
            }
        };
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(ActivityIo::new(tls, Arc::clone(&activity)));
        let peer = self.peer;
        let request_timeout = self.limits.request_timeout();
        let in_flight = Arc::clone(&activity);
        let app = Arc::clone(&self.app);
        let service = service_fn(move |req| {
            let in_flight = Arc::clone(&in_flight);
            let app = Arc::clone(&app);
            async move {
                let _busy = in_flight.request_started();
                let res = tokio::time::timeout(request_timeout, routes::handle(req, peer, &app))
                    .await
                    .unwrap_or_else(|_| {
                        tracing::warn!(target: "unavailable", %peer, timeout_secs = request_timeout.as_secs(), "answered 503: the request did not finish within the request timeout");
                        routes::error(http::StatusCode::SERVICE_UNAVAILABLE).map(Into::into)
                    });
                Ok::<_, Infallible>(res)
            }
        });

        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_read_timeout())
            .max_buf_size(self.limits.max_header_bytes);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(self.limits.max_h2_streams)
            .max_header_list_size(u32::try_from(self.limits.max_header_bytes).unwrap_or(u32::MAX))
            .keep_alive_interval(Some(self.limits.idle_timeout()))
            .keep_alive_timeout(self.limits.header_read_timeout());
        let mut conn = pin!(builder.serve_connection(io, service));

        let idle = self.limits.idle_timeout();
        let grace = self.limits.shutdown_grace();
        let mut closing_since: Option<Instant> = None;
        loop {
            let deadline = match closing_since {
                // A client that ignores the close gets cut off after the grace.
                Some(t) => t + grace,
                None => activity.idle_deadline(idle),
            };
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                _ = self.shutdown.changed(), if closing_since.is_none() => {
                    conn.as_mut().graceful_shutdown();
                    closing_since = Some(Instant::now());
                }
                _ = tokio::time::sleep_until(deadline.into()) => {
                    if closing_since.is_some() {
                        break;
                    }
                    if activity.is_idle(idle) {
                        conn.as_mut().graceful_shutdown();
                        closing_since = Some(Instant::now());
                    }
                }
            }
        }
    }
}

struct OpenGuard(Arc<Stats>);

impl OpenGuard {
    fn new(stats: Arc<Stats>) -> Self {
        stats.open_connections.fetch_add(1, Ordering::Relaxed);
        Self(stats)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn the_connection_cap_counts_a_slash_64_and_a_mapped_ipv4_as_one_client() {
        let table = Arc::new(PerIp::default());
        let v6 = |s: &str| IpAddr::V6(s.parse::<Ipv6Addr>().expect("v6"));
        let first = table.try_claim(v6("2001:db8:5:6::1"), 2).expect("first");
        let second = table.try_claim(v6("2001:db8:5:6::2"), 2).expect("second");
        assert!(table.try_claim(v6("2001:db8:5:6:ffff::9"), 2).is_none());
        assert!(table.try_claim(v6("2001:db8:5:7::1"), 2).is_some());
        drop(first);
        assert!(table.try_claim(v6("2001:db8:5:6::3"), 2).is_some());
        drop(second);
        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        let _a = table.try_claim(v4.into(), 1).expect("v4");
        assert!(table.try_claim(v4.to_ipv6_mapped().into(), 1).is_none());
    }
}
