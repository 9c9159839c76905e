//! The cipher of stored media and exports: ChaCha20-Poly1305 in the STREAM
//! construction (big-endian 32-bit counter and a last-chunk flag), so a
//! moved, cut, swapped or truncated chunk fails to open.
//!
//! A crate of its own for one reason: the cipher's generic code is
//! compiled where it is instantiated, and the workspace builds this crate
//! optimised in the dev profile too. Decrypting a 100 MiB video in an
//! unoptimised custodiand took minutes; tests stream many of them.
#![forbid(unsafe_code)]

use chacha20poly1305::aead::stream::{EncryptorBE32, NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::ChaCha20Poly1305;

/// Key length in bytes.
pub const KEY: usize = 32;
/// The nonce prefix STREAM takes (the cipher's 12 bytes less the
/// 4-byte counter and the 1-byte last flag).
pub const NONCE_PREFIX: usize = 7;
/// Bytes a sealed chunk is longer than its plaintext.
pub const TAG: usize = 16;

/// A chunk did not open (damaged, moved, cut, or a wrong key), or would
/// not seal. It carries nothing: which object failed is the caller's to
/// say.
#[derive(Debug, thiserror::Error)]
#[error("a chunk failed to authenticate")]
pub struct Refused;

/// Seals chunks in order; the last one with [`Sealer::last`].
pub struct Sealer(EncryptorBE32<ChaCha20Poly1305>);

impl Sealer {
    pub fn new(key: &[u8; KEY], prefix: &[u8; NONCE_PREFIX]) -> Self {
        let cipher = ChaCha20Poly1305::new(key.into());
        Self(EncryptorBE32::from_aead(cipher, prefix.into()))
    }

    pub fn next(&mut self, plain: &[u8]) -> Result<Vec<u8>, Refused> {
        self.0.encrypt_next(plain).map_err(|_| Refused)
    }

    pub fn last(self, plain: &[u8]) -> Result<Vec<u8>, Refused> {
        self.0.encrypt_last(plain).map_err(|_| Refused)
    }
}

/// Opens any chunk by its position, in any order (for ranges).
pub struct Opener(StreamBE32<ChaCha20Poly1305>);

impl Opener {
    /// `None` when the key is not [`KEY`] bytes or the prefix not
    /// [`NONCE_PREFIX`].
    pub fn new(key: &[u8], prefix: &[u8]) -> Option<Self> {
        if key.len() != KEY || prefix.len() != NONCE_PREFIX {
            return None;
        }
        let cipher = ChaCha20Poly1305::new(key.into());
        Some(Self(StreamBE32::from_aead(cipher, prefix.into())))
    }

    /// Opens the chunk at `position` in place: `sealed` becomes its
    /// plaintext (the tag cut off).
    pub fn open_in_place(
        &self,
        position: u32,
        last: bool,
        sealed: &mut Vec<u8>,
    ) -> Result<(), Refused> {
        self.0
            .decrypt_in_place(position, last, &[], sealed)
            .map_err(|_| Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_open_only_in_their_place_and_with_their_flag() {
        let (key, prefix) = ([7u8; KEY], [3u8; NONCE_PREFIX]);
        let mut s = Sealer::new(&key, &prefix);
        let first = s.next(b"first chunk").expect("seal");
        let last = s.last(b"last").expect("seal");
        assert_eq!(first.len(), b"first chunk".len() + TAG);
        let o = Opener::new(&key, &prefix).expect("opener");
        let mut a = first.clone();
        o.open_in_place(0, false, &mut a).expect("open");
        assert_eq!(a, b"first chunk");
        let mut b = last.clone();
        o.open_in_place(1, true, &mut b).expect("open");
        assert_eq!(b, b"last");
        // Moved, flagged as last, or under another key: refused.
        assert!(o.open_in_place(1, false, &mut first.clone()).is_err());
        assert!(o.open_in_place(0, true, &mut first.clone()).is_err());
        let other = Opener::new(&[8u8; KEY], &prefix).expect("opener");
        assert!(other.open_in_place(0, false, &mut first.clone()).is_err());
        assert!(Opener::new(&[0u8; 31], &prefix).is_none());
    }
}
