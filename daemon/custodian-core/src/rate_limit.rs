//! Per-address limits: which addresses count as one client, and the
//! fixed-window counter of anonymous endpoints (sign-in, CSP reports).
//!
//! One IPv6 customer usually holds a whole /64 and can pick any address in
//! it, so a limit per /128 is no limit at all: IPv6 peers are counted by
//! their /64, IPv4 peers by their address, and an IPv4-mapped IPv6
//! address (`::ffff:192.0.2.1`, what a dual-stack socket reports) is the
//! IPv4 address it carries.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The unit a per-address limit counts: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressKey {
    V4(u32),
    /// The upper 64 bits of the address.
    V6(u64),
}

impl AddressKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(u32::from(v4)),
                None => Self::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// Windows tracked at most. When full, the oldest window of a client that
/// is still under its limit is forgotten first (that client only regains
/// what it had left); a throttled client is forgotten only when every
/// tracked client is throttled, and then the one closest to the end of its
/// window.
pub const MAX_TRACKED: usize = 65_536;

struct Window {
    start: Instant,
    used: u32,
}

struct Table {
    windows: HashMap<AddressKey, Window>,
    /// Every tracked window by start, oldest first (to drop expired ones).
    by_start: BTreeSet<(Instant, AddressKey)>,
    /// Eviction order: windows under the limit (`false`) before throttled
    /// ones, oldest first within each.
    by_eviction: BTreeSet<(bool, Instant, AddressKey)>,
}

/// A fixed-window counter per [`AddressKey`], bounded to [`MAX_TRACKED`]
/// windows.
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    capacity: usize,
    table: Mutex<Table>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, MAX_TRACKED)
    }

    fn with_capacity(limit: u32, window: Duration, capacity: usize) -> Self {
        Self {
            limit,
            window,
            capacity: capacity.max(1),
            table: Mutex::new(Table {
                windows: HashMap::new(),
                by_start: BTreeSet::new(),
                by_eviction: BTreeSet::new(),
            }),
        }
    }

    /// True if `ip` may make one more request now.
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.allow_at(AddressKey::of(ip), crate::clock::instant())
    }

    fn allow_at(&self, key: AddressKey, now: Instant) -> bool {
        let mut t = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let t = &mut *t;
        // Expired windows go first: they hold nothing worth keeping.
        while let Some(&(start, k)) = t.by_start.first() {
            if now.duration_since(start) < self.window {
                break;
            }
            t.by_start.pop_first();
            if let Some(w) = t.windows.remove(&k) {
                t.by_eviction.remove(&(w.used >= self.limit, w.start, k));
            }
        }
        if !t.windows.contains_key(&key) {
            while t.windows.len() >= self.capacity {
                let Some((_, start, k)) = t.by_eviction.pop_first() else {
                    break;
                };
                t.by_start.remove(&(start, k));
                t.windows.remove(&k);
            }
            t.windows.insert(
                key,
                Window {
                    start: now,
                    used: 0,
                },
            );
            t.by_start.insert((now, key));
            t.by_eviction.insert((false, now, key));
        }
        let Some(w) = t.windows.get_mut(&key) else {
            return false;
        };
        if w.used >= self.limit {
            return false;
        }
        w.used += 1;
        if w.used >= self.limit {
            // Now throttled: it moves behind every client still under its limit.
            t.by_eviction.remove(&(false, w.start, key));
            t.by_eviction.insert((true, w.start, key));
        }
        true
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        let t = self.table.lock().unwrap_or_else(|p| p.into_inner());
        t.windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn limits_each_address_separately() {
        let r = RateLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        assert!(r.allow(a) && r.allow(a));
        assert!(!r.allow(a));
        assert!(r.allow(b));
    }

    #[test]
    fn keys_are_ipv4_addresses_and_ipv6_slash_64s() {
        let v4: IpAddr = Ipv4Addr::new(192, 0, 2, 7).into();
        let mapped: IpAddr = Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped().into();
        assert_eq!(AddressKey::of(v4), AddressKey::of(mapped));
        let a: IpAddr = "2001:db8:1:2::1".parse::<Ipv6Addr>().expect("v6").into();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff"
            .parse::<Ipv6Addr>()
            .expect("v6")
            .into();
        let other: IpAddr = "2001:db8:1:3::1".parse::<Ipv6Addr>().expect("v6").into();
        assert_eq!(AddressKey::of(a), AddressKey::of(b));
        assert_ne!(AddressKey::of(a), AddressKey::of(other));
        assert_ne!(
            AddressKey::of(Ipv4Addr::new(192, 0, 2, 8).into()),
            AddressKey::of(v4)
        );
    }

    fn in_one_slash_64(i: u32) -> IpAddr {
        let base = u128::from("2001:db8:aa:bb::".parse::<Ipv6Addr>().expect("v6"));
        IpAddr::V6(Ipv6Addr::from(
            base | u128::from(i) << 16 | u128::from(i & 0xffff),
        ))
    }

    #[test]
    fn seventy_thousand_addresses_in_one_slash_64_share_one_budget() {
        let r = RateLimiter::new(30, Duration::from_secs(300));
        let allowed = (0..70_000u32)
            .filter(|i| r.allow(in_one_slash_64(*i)))
            .count();
        assert_eq!(allowed, 30, "one /64 is one client");
        assert_eq!(r.tracked(), 1);
        // Throttled, and it stays throttled from any address of the /64.
        assert!(!r.allow(in_one_slash_64(0)));
        assert!(!r.allow(in_one_slash_64(123_456)));
        // Its IPv4-mapped form of an IPv4 peer is that peer.
        let v4 = Ipv4Addr::new(198, 51, 100, 9);
        for _ in 0..30 {
            assert!(r.allow(v4.into()));
        }
        assert!(!r.allow(v4.to_ipv6_mapped().into()));
    }

    #[test]
    fn a_flood_of_other_keys_evicts_the_oldest_not_the_throttled() {
        let r = RateLimiter::new(5, Duration::from_secs(300));
        let t0 = crate::clock::instant();
        let throttled = AddressKey::V4(u32::from(Ipv4Addr::new(203, 0, 113, 1)));
        for _ in 0..5 {
            assert!(r.allow_at(throttled, t0));
        }
        assert!(!r.allow_at(throttled, t0));
        // 70,000 other clients (distinct /64s), each once, later.
        for i in 0..70_000u64 {
            let key = AddressKey::V6(0x2001_0db8_0000_0000 | i);
            assert!(r.allow_at(key, t0 + Duration::from_millis(1 + i / 100)));
        }
        assert!(r.tracked() <= MAX_TRACKED);
        let later = t0 + Duration::from_secs(1);
        assert!(!r.allow_at(throttled, later), "still throttled");
        // The newest of the flood are still counted, the oldest forgotten.
        assert!(r.allow_at(AddressKey::V6(0x2001_0db8_0000_0000 | 69_999), later));
        assert_eq!(r.tracked(), MAX_TRACKED);
        // After its window the throttled client may try again.
        assert!(r.allow_at(throttled, t0 + Duration::from_secs(300)));
    }

    #[test]
    fn a_table_of_throttled_clients_forgets_the_oldest_first() {
        let r = RateLimiter::with_capacity(1, Duration::from_secs(60), 2);
        let t0 = crate::clock::instant();
        let (a, b, c) = (AddressKey::V4(1), AddressKey::V4(2), AddressKey::V4(3));
        assert!(r.allow_at(a, t0));
        assert!(r.allow_at(b, t0 + Duration::from_secs(1)));
        assert!(r.allow_at(c, t0 + Duration::from_secs(2)));
        assert!(!r.allow_at(b, t0 + Duration::from_secs(3)), "b kept");
        assert!(!r.allow_at(c, t0 + Duration::from_secs(3)), "c kept");
    }
}
