//! Response bodies: whole (pages, small answers) or streamed from the
//! media store (media and export downloads). A streamed body decrypts one
//! chunk at a time on the blocking pool (never on an async worker: a
//! 64 KiB decryption there would stall every connection the worker
//! serves) and holds at most a few chunks in memory, however large the
//! file and however many download at once.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Frame, SizeHint};
use tokio::sync::mpsc;

use custodian_core::evidence::store::{Reader, CHUNK};

/// Decrypted chunks waiting for the connection: the bound is what keeps
/// a slow client from making the daemon buffer the file.
const QUEUED_CHUNKS: usize = 2;

pub enum Outgoing {
    Whole(Full<Bytes>),
    /// Chunks from [`produce`]; `remaining` is what the response's length
    /// promised and not yet sent: a body that ends short is an error, so
    /// the client sees a cut download, never a complete-looking one.
    Streamed {
        chunks: mpsc::Receiver<Result<Bytes, std::io::Error>>,
        remaining: u64,
    },
}

impl From<Full<Bytes>> for Outgoing {
    fn from(body: Full<Bytes>) -> Self {
        Self::Whole(body)
    }
}

impl Outgoing {
    /// Plaintext bytes `start..end` of `reader` (`end` at most its
    /// length), decrypting only the chunks that hold them. Must be called
    /// on the runtime (it spawns the producer).
    pub fn stream(reader: Reader, start: u64, end: u64) -> Self {
        let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
        if start < end {
            tokio::spawn(produce(reader, start, end, tx));
        }
        Self::Streamed {
            chunks: rx,
            remaining: end.saturating_sub(start),
        }
    }
}

/// Decrypts the chunks of `start..end` one by one on the blocking pool and
/// queues them; waits while the queue is full (a slow client), stops when
/// the body is dropped (a client gone) or a chunk fails to authenticate.
async fn produce(
    mut reader: Reader,
    start: u64,
    end: u64,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let chunk = CHUNK as u64;
    for index in start / chunk..=(end - 1) / chunk {
        let decrypted = tokio::task::spawn_blocking(move || {
            let plain = reader.chunk(index);
            (reader, plain)
        })
        .await;
        let plain = match decrypted {
            Ok((r, Ok(plain))) => {
                reader = r;
                plain
            }
            Ok((_, Err(e))) => {
                // The client sees a cut body (shorter than its length),
                // never unauthenticated bytes.
                tracing::warn!(target: "download", error = %e, "download stopped");
                let _ = tx.send(Err(std::io::Error::other(e))).await;
                return;
            }
            Err(e) => {
                tracing::warn!(target: "download", error = %e, "download stopped: the decryption task failed");
                let _ = tx.send(Err(std::io::Error::other(e))).await;
                return;
            }
        };
        let base = index * chunk;
        let lo = start.saturating_sub(base) as usize;
        let hi = ((end - base).min(plain.len() as u64)) as usize;
        if lo >= hi {
            continue;
        }
        if tx.send(Ok(Bytes::from(plain).slice(lo..hi))).await.is_err() {
            // The client went away.
            return;
        }
    }
}

impl hyper::body::Body for Outgoing {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Whole(body) => Pin::new(body)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Self::Streamed { chunks, remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                match chunks.poll_recv(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Some(Ok(data))) => {
                        *remaining = remaining.saturating_sub(data.len() as u64);
                        Poll::Ready(Some(Ok(Frame::data(data))))
                    }
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(None) => Poll::Ready(Some(Err(std::io::Error::other(
                        "the file ended before its length",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Whole(body) => body.is_end_stream(),
            Self::Streamed { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Whole(body) => body.size_hint(),
            Self::Streamed { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// A single byte range asked for by `Range`, resolved against `len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// No usable range (absent, several ranges, or not bytes): the whole.
    Whole,
    /// `start..end`, end exclusive.
    Part(u64, u64),
    /// Nothing of the file lies in the range (416).
    Unsatisfiable,
}

/// Parses `Range: bytes=a-b | a- | -n` (RFC 9110 §14.1.2). Several ranges
/// are answered with the whole file, which the RFC allows (§14.2: a server
/// may ignore `Range`); so are syntactically invalid ones (`4-2`, `x-1`).
pub(crate) fn range(header: Option<&str>, len: u64) -> Range {
    // The unit is case-insensitive (§14.1).
    let Some(spec) = header.map(str::trim).and_then(|h| {
        let (unit, spec) = h.split_at_checked(6)?;
        unit.eq_ignore_ascii_case("bytes=").then_some(spec)
    }) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let parse = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (parse(a), parse(b)) {
        (Some(start), end) if end.is_some() || b.is_empty() => {
            if end.is_some_and(|e| e < start) {
                return Range::Whole;
            }
            if start >= len {
                return Range::Unsatisfiable;
            }
            let end = end.map_or(len, |e| e.saturating_add(1).min(len));
            Range::Part(start, end)
        }
        (None, Some(suffix)) if a.is_empty() => {
            if suffix == 0 || len == 0 {
                Range::Unsatisfiable
            } else {
                Range::Part(len - suffix.min(len), len)
            }
        }
        _ => Range::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_as_rfc_9110_says() {
        assert_eq!(range(None, 10), Range::Whole);
        assert_eq!(range(Some("bytes=0-0"), 10), Range::Part(0, 1));
        assert_eq!(range(Some("bytes=2-4"), 10), Range::Part(2, 5));
        assert_eq!(range(Some("bytes=5-"), 10), Range::Part(5, 10));
        assert_eq!(range(Some("bytes=5-100"), 10), Range::Part(5, 10));
        assert_eq!(range(Some("bytes=-3"), 10), Range::Part(7, 10));
        assert_eq!(range(Some("bytes=-30"), 10), Range::Part(0, 10));
        assert_eq!(range(Some("bytes=10-"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=-0"), 10), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=4-2"), 10), Range::Whole);
        assert_eq!(range(Some("bytes=0-1,4-5"), 10), Range::Whole);
        assert_eq!(range(Some("items=0-1"), 10), Range::Whole);
        assert_eq!(range(Some("bytes=x-1"), 10), Range::Whole);
        assert_eq!(range(Some("bytes=-"), 10), Range::Whole);
        assert_eq!(range(Some("Bytes=1-1"), 10), Range::Part(1, 2));
        assert_eq!(range(Some("bytes=0-"), 0), Range::Unsatisfiable);
        assert_eq!(range(Some("bytes=-5"), 0), Range::Unsatisfiable);
        assert_eq!(
            range(Some("bytes=99999999999999999999-"), 10),
            Range::Whole,
            "a number too large for u64 is not a range"
        );
    }

    /// Streams `start..end` of `reader` through the body as hyper would.
    async fn collect(reader: Reader, start: u64, end: u64) -> Result<Vec<u8>, std::io::Error> {
        use http_body_util::BodyExt;
        use hyper::body::Body as _;
        let body = Outgoing::stream(reader, start, end);
        assert_eq!(body.size_hint().exact(), Some(end - start));
        Ok(body.collect().await?.to_bytes().to_vec())
    }

    #[tokio::test]
    async fn streams_exactly_the_range_and_decrypts_only_its_chunks() {
        use custodian_core::evidence::store::Store;
        let mut tag = [0u8; 8];
        getrandom::getrandom(&mut tag).expect("random");
        let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("custodian-body-{tag}"));
        let store = Store::open(&dir).expect("store");
        let chunk = CHUNK as u64;
        let len = 4 * chunk + 100;
        let data: Vec<u8> = (0..len).map(|i| (i * 13 % 251) as u8).collect();
        let mut up = store.begin().await.expect("begin");
        up.write(&data).await.expect("write");
        let done = up.finish().await.expect("finish");
        let key = done.key.clone();
        let name = store.keep(done).await.expect("keep");
        let path = store.object_path(&name).expect("path");
        let open = || Reader::open(path.clone(), key.as_ref()).expect("open");
        for (start, end) in [
            (0, len),
            (0, 1),
            (chunk - 10, chunk + 10),
            (2 * chunk, 3 * chunk),
            (len - 1, len),
            (3 * chunk + 5, len),
        ] {
            let got = collect(open(), start, end).await.expect("stream");
            assert!(got == data[start as usize..end as usize], "{start}..{end}");
        }
        assert!(collect(open(), 7, 7).await.expect("empty").is_empty());

        // Damage the first chunk on disk: a range that does not need it
        // still streams (it was never decrypted); one that does is cut.
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("object");
        f.seek(SeekFrom::Start(100)).expect("seek");
        f.write_all(b"damage").expect("damage");
        drop(f);
        let tail = collect(open(), 2 * chunk + 1, len).await.expect("tail");
        assert!(tail == data[(2 * chunk + 1) as usize..]);
        assert!(
            collect(open(), 0, len).await.is_err(),
            "a damaged chunk was sent"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
