//! The media store: outside any served path, files encrypted at rest with
//! their own key (ChaCha20-Poly1305 in the STREAM construction, 64 KiB
//! chunks, so truncation and reordering are detected), named at random:
//! a name derived from the content would let anyone holding the disk
//! confirm that a known file is kept, without any key (the SHA-256 is in
//! the database only). Objects can be read chunk by chunk, any chunk on
//! its own, so downloads stream and ranges decrypt only what they need.
//! Uploads are written to `quarantine/` and move
//! to `objects/` only once accepted; whatever is left in quarantine (an
//! interrupted upload) or unknown in `objects/` is swept after a while.

use std::path::{Path, PathBuf};
use std::time::Duration;

use custodian_seal::{Opener, Sealer, NONCE_PREFIX, TAG};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use zeroize::Zeroizing;

use super::uploads::{HEAD_BYTES, TAIL_BYTES};

const MAGIC: &[u8; 16] = b"CUSTODIAN-MEDIA1";
/// Plaintext bytes in every chunk but the last.
pub const CHUNK: usize = 64 * 1024;
const HEADER: u64 = (MAGIC.len() + NONCE_PREFIX) as u64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
    #[error("media store: {0} failed to decrypt (damaged or not ours)")]
    Corrupt(String),
    #[error("media store: no randomness: {0}")]
    Random(#[source] getrandom::Error),
    /// A writer used after `finish`: a fault of ours, not of the file.
    #[error("media store: the file was written after it was finished")]
    Finished,
}

/// A read that ended early means a truncated (damaged) object; any other
/// I/O error is kept as it is.
fn short(e: std::io::Error, corrupt: impl Fn() -> StoreError) -> StoreError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        corrupt()
    } else {
        StoreError::Io(e)
    }
}

pub struct Store {
    quarantine: PathBuf,
    objects: PathBuf,
    /// Uploads in progress: never swept, however long they take.
    active: Active,
}

type Active = std::sync::Arc<std::sync::Mutex<std::collections::HashSet<PathBuf>>>;

/// Marks a quarantined path as in use until dropped.
struct InUse {
    path: PathBuf,
    active: Active,
}

impl InUse {
    fn new(path: PathBuf, active: &Active) -> Self {
        if let Ok(mut set) = active.lock() {
            set.insert(path.clone());
        }
        Self {
            path,
            active: std::sync::Arc::clone(active),
        }
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        if let Ok(mut set) = self.active.lock() {
            set.remove(&self.path);
        }
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(StoreError::Random)?;
    Ok(b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn private_dir(p: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(p)
}

impl Store {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let s = Self {
            quarantine: root.join("quarantine"),
            objects: root.join("objects"),
            active: Active::default(),
        };
        private_dir(&s.quarantine)?;
        private_dir(&s.objects)?;
        Ok(s)
    }

    /// Starts an upload with a fresh key.
    pub async fn begin(&self) -> Result<Incoming, StoreError> {
        let path = self
            .quarantine
            .join(format!("{}.part", hex(&random::<16>()?)));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await?;
        let key = Zeroizing::new(random::<32>()?);
        let prefix = random::<NONCE_PREFIX>()?;
        let mut incoming = Incoming {
            in_use: Some(InUse::new(path.clone(), &self.active)),
            path,
            file,
            enc: Some(Sealer::new(&key, &prefix)),
            buf: Vec::with_capacity(CHUNK),
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(HEAD_BYTES),
            tail: Vec::with_capacity(TAIL_BYTES * 2),
            key,
            kept: false,
        };
        incoming.file.write_all(MAGIC).await?;
        incoming.file.write_all(&prefix).await?;
        Ok(incoming)
    }

    /// Moves an accepted upload into the store; returns its object name.
    /// The name is random in the shape older releases gave (hash-sized,
    /// dash, 16 digits), so the database's check and old objects, named
    /// by their plaintext SHA-256, stay valid and readable.
    pub async fn keep(&self, mut done: Finished) -> Result<String, StoreError> {
        let name = format!("{}-{}", hex(&random::<32>()?), hex(&random::<8>()?));
        tokio::fs::rename(&done.path, self.objects.join(&name)).await?;
        done.kept = true;
        Ok(name)
    }

    /// Removes an object (used when recording it failed).
    pub async fn forget(&self, object: &str) {
        if valid_object_name(object) {
            let _ = tokio::fs::remove_file(self.objects.join(object)).await;
        }
    }

    /// The whole plaintext of `object`, for the store's own tests: the
    /// daemon never holds a whole object, it streams [`Reader`] chunks.
    #[cfg(test)]
    async fn read(&self, object: &str, key: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut reader = Reader::open(self.object_path(object)?, key)?;
        let mut out = Vec::with_capacity(usize::try_from(reader.len()).unwrap_or(0));
        for i in 0..reader.chunks() {
            out.extend(reader.chunk(i)?);
        }
        Ok(out)
    }

    /// Where `object` is kept; an invalid name (never one of ours) is
    /// refused, so no name from a row can reach outside `objects/`.
    pub fn object_path(&self, object: &str) -> Result<PathBuf, StoreError> {
        if !valid_object_name(object) {
            return Err(StoreError::Corrupt(object.into()));
        }
        Ok(self.objects.join(object))
    }

    /// Removes quarantined files and unknown objects older than `age`.
    /// Returns how many were removed.
    pub fn sweep(&self, age: Duration, known: &dyn Fn(&str) -> bool) -> usize {
        let old = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| crate::clock::now().duration_since(t).ok())
                .is_some_and(|d| d >= age)
        };
        let mut removed = 0;
        let busy = |name: &str| {
            self.active
                .lock()
                .map(|set| set.contains(&self.quarantine.join(name)))
                .unwrap_or(true)
        };
        for (dir, is_orphan) in [
            (
                &self.quarantine,
                &(|n: &str| !busy(n)) as &dyn Fn(&str) -> bool,
            ),
            (&self.objects, &|name: &str| !known(name)),
        ] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if old(&e.path()) && is_orphan(&name) && std::fs::remove_file(e.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Names in `objects/` (for the sweep's lookup).
    pub fn object_names(&self) -> Vec<String> {
        std::fs::read_dir(&self.objects)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn valid_object_name(name: &str) -> bool {
    name.len() == 64 + 1 + 16
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-')
}

/// An object opened for reading. Each chunk is authenticated with its
/// position and whether it is the last, so a chunk read on its own is as
/// trustworthy as a whole read: moved, cut or swapped chunks fail.
pub struct Reader {
    object: String,
    file: std::fs::File,
    stream: Opener,
    chunks: u64,
    plain_len: u64,
}

impl Reader {
    /// Opens the object at `path` (from [`Store::object_path`]) for
    /// reading chunk by chunk. Blocking file I/O: call it on the blocking
    /// pool. Only the header and the length are checked here; each chunk
    /// is authenticated when read.
    pub fn open(path: PathBuf, key: &[u8]) -> Result<Self, StoreError> {
        use std::io::Read;
        let object = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if key.len() != 32 {
            return Err(StoreError::Corrupt(object));
        }
        let corrupt = || StoreError::Corrupt(object.clone());
        let mut file = std::fs::File::open(&path)?;
        let file_len = file.metadata()?.len();
        let mut header = [0u8; HEADER as usize];
        file.read_exact(&mut header)
            .map_err(|e| short(e, corrupt))?;
        let (magic, prefix) = header.split_at(MAGIC.len());
        if magic != MAGIC.as_slice() {
            return Err(corrupt());
        }
        let body = file_len - HEADER;
        let sealed = (CHUNK + TAG) as u64;
        let chunks = body.div_ceil(sealed).max(1);
        // The last chunk holds at least its tag; anything else was cut.
        if body < (chunks - 1) * sealed + TAG as u64 || chunks > u64::from(u32::MAX) {
            return Err(corrupt());
        }
        Ok(Self {
            stream: Opener::new(key, prefix).ok_or_else(corrupt)?,
            chunks,
            plain_len: body - chunks * TAG as u64,
            object,
            file,
        })
    }

    /// Plaintext length.
    pub fn len(&self) -> u64 {
        self.plain_len
    }

    pub fn is_empty(&self) -> bool {
        self.plain_len == 0
    }

    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// The plaintext of chunk `index` (blocking file I/O).
    pub fn chunk(&mut self, index: u64) -> Result<Vec<u8>, StoreError> {
        use std::io::{Read, Seek, SeekFrom};
        let corrupt = || StoreError::Corrupt(self.object.clone());
        let position = u32::try_from(index).map_err(|_| corrupt())?;
        if index >= self.chunks {
            return Err(corrupt());
        }
        let last = index + 1 == self.chunks;
        let start = HEADER + index * (CHUNK + TAG) as u64;
        let len = if last {
            self.plain_len - index * CHUNK as u64 + TAG as u64
        } else {
            (CHUNK + TAG) as u64
        };
        let mut sealed = vec![0u8; usize::try_from(len).map_err(|_| corrupt())?];
        self.file.seek(SeekFrom::Start(start))?;
        self.file
            .read_exact(&mut sealed)
            .map_err(|e| short(e, corrupt))?;
        // In place: one buffer per chunk, the tag cut off by decryption.
        self.stream
            .open_in_place(position, last, &mut sealed)
            .map_err(|_| corrupt())?;
        Ok(sealed)
    }
}

/// An upload being received. Dropped without [`Incoming::finish`] (a
/// refusal, a cut connection), its file is removed at once.
pub struct Incoming {
    /// Handed to [`Finished`], so the file stays protected until kept.
    in_use: Option<InUse>,
    path: PathBuf,
    file: tokio::fs::File,
    enc: Option<Sealer>,
    buf: Vec<u8>,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
    key: Zeroizing<[u8; 32]>,
    kept: bool,
}

impl Incoming {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes seen so far (for an early type decision).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    pub async fn write(&mut self, mut data: &[u8]) -> Result<(), StoreError> {
        self.size += data.len() as u64;
        self.hasher.update(data);
        if self.head.len() < HEAD_BYTES {
            let n = (HEAD_BYTES - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..n]);
        }
        self.tail
            .extend_from_slice(&data[data.len().saturating_sub(TAIL_BYTES)..]);
        if self.tail.len() > TAIL_BYTES {
            self.tail.drain(..self.tail.len() - TAIL_BYTES);
        }
        while !data.is_empty() {
            // A full chunk is encrypted only once more data follows: the
            // last chunk must be sealed as the last.
            if self.buf.len() == CHUNK {
                let enc = self.enc.as_mut().ok_or(StoreError::Finished)?;
                let sealed = enc
                    .next(self.buf.as_slice())
                    .map_err(|_| StoreError::Corrupt("encryption".into()))?;
                self.file.write_all(&sealed).await?;
                self.buf.clear();
            }
            let n = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    pub async fn finish(mut self) -> Result<Finished, StoreError> {
        let enc = self.enc.take().ok_or(StoreError::Finished)?;
        let sealed = enc
            .last(self.buf.as_slice())
            .map_err(|_| StoreError::Corrupt("encryption".into()))?;
        self.file.write_all(&sealed).await?;
        self.file.sync_all().await?;
        self.buf.fill(0);
        self.kept = true;
        Ok(Finished {
            _in_use: self.in_use.take(),
            path: self.path.clone(),
            sha256: hex(&self.hasher.clone().finalize()),
            size: self.size,
            head: std::mem::take(&mut self.head),
            tail: std::mem::take(&mut self.tail),
            key: self.key.clone(),
            kept: false,
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.buf.fill(0);
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A complete upload in quarantine, not yet accepted. Dropped without
/// [`Store::keep`], its file is removed.
pub struct Finished {
    _in_use: Option<InUse>,
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    pub key: Zeroizing<[u8; 32]>,
    kept: bool,
}

impl Drop for Finished {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_tamper_and_cleanup() {
        let dir = std::env::temp_dir().join(format!(
            "custodian-store-{}",
            hex(&random::<8>().expect("r"))
        ));
        let store = Store::open(&dir).expect("open");
        for size in [1usize, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let mut up = store.begin().await.expect("begin");
            for part in data.chunks(1000) {
                up.write(part).await.expect("write");
            }
            let done = up.finish().await.expect("finish");
            assert_eq!(done.sha256, hex(&Sha256::digest(&data)));
            let key = done.key.clone();
            let name = store.keep(done).await.expect("keep");
            let on_disk = std::fs::read(dir.join("objects").join(&name)).expect("file");
            if size >= 16 {
                assert!(
                    !on_disk.windows(16).any(|w| w == &data[..16]),
                    "plaintext on disk"
                );
            }
            assert_eq!(
                store.read(&name, key.as_ref()).await.expect("read"),
                data,
                "size {size}"
            );
            // Cut off the last chunk: detected.
            if size > CHUNK {
                std::fs::write(
                    dir.join("objects").join(&name),
                    &on_disk[..on_disk.len() - 100],
                )
                .expect("cut");
                assert!(store.read(&name, key.as_ref()).await.is_err());
            }
            assert!(store.read(&name, &[0u8; 32]).await.is_err(), "wrong key");
        }
        // An upload in progress is never swept, however old.
        let mut slow = store.begin().await.expect("begin");
        slow.write(b"slow").await.expect("write");
        assert_eq!(store.sweep(Duration::ZERO, &|_| true), 0);
        drop(slow);
        // Abandoned uploads leave nothing behind.
        let mut up = store.begin().await.expect("begin");
        up.write(b"partial").await.expect("write");
        drop(up);
        assert_eq!(
            std::fs::read_dir(dir.join("quarantine"))
                .expect("q")
                .count(),
            0
        );
        // The sweep removes unknown objects only.
        let names = store.object_names();
        let keep = names[0].clone();
        let removed = store.sweep(Duration::ZERO, &|n| n == keep);
        assert_eq!(removed, names.len() - 1);
        assert_eq!(store.object_names(), vec![keep]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
