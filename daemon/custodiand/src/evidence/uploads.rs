//! Which uploads are accepted (`policy/uploads.toml`): the type is read
//! from the bytes, checked against the allow-list, against a structural
//! check of the format's ending (truncated files), against markup in the
//! first kilobytes (polyglots), and against what the name and the browser
//! claimed.

use serde::Deserialize;

const UPLOADS_TOML: &str = include_str!("../../../../policy/uploads.toml");

/// Hard ceiling for the upload route; the policy's limit must be below it.
pub const ROUTE_LIMIT: usize = 128 * 1024 * 1024;

/// How many leading bytes are kept for the type decision.
pub const HEAD_BYTES: usize = 8 * 1024;
/// How many trailing bytes are kept for the structural check.
pub const TAIL_BYTES: usize = 64;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedType {
    pub mime: String,
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UploadPolicy {
    pub max_bytes: u64,
    pub types: Vec<AllowedType>,
}

impl UploadPolicy {
    pub fn builtin() -> Result<Self, String> {
        let p: Self =
            toml::from_str(UPLOADS_TOML).map_err(|e| format!("policy/uploads.toml: {e}"))?;
        if p.max_bytes as usize > ROUTE_LIMIT - 64 * 1024 {
            return Err("policy/uploads.toml: max-bytes is above the upload route's limit".into());
        }
        Ok(p)
    }
}

/// Why an upload was refused, in words for the person uploading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is larger than the {0} bytes this appliance accepts.")]
    TooLarge(u64),
    #[error("This kind of file is not accepted{0}. Accepted: images (JPEG, PNG, GIF, WebP), PDF, MP4/WebM video, MP3/Ogg/WAV audio.")]
    NotAllowed(String),
    #[error("The file contains markup or script (HTML, SVG, XML), which is never accepted as evidence media. Convert it (for example print a web page to PDF) and upload that.")]
    ActiveContent,
    #[error("The file is incomplete or damaged: it does not end the way a {0} file must.")]
    Truncated(&'static str),
    #[error("The file's name says .{ext}, but its content is {actual}. Rename it or upload the right file.")]
    ExtensionMismatch { ext: String, actual: String },
    #[error("Your browser said the file is {declared}, but its content is {actual}.")]
    DeclaredMismatch { declared: String, actual: String },
}

fn looks_like_markup(head: &[u8]) -> bool {
    let window = &head[..head.len().min(1024)];
    let text: String = window
        .iter()
        .filter(|b| b.is_ascii() && !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    [
        "<script",
        "<html",
        "<!doctype",
        "<svg",
        "<?xml",
        "<body",
        "<iframe",
        "javascript:",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Whether the file ends the way its format must (a cut-off upload does not).
fn ends_well(mime: &str, tail: &[u8]) -> Result<(), Refusal> {
    let trimmed = {
        let mut t = tail;
        while let Some((last, rest)) = t.split_last() {
            if last.is_ascii_whitespace() || *last == 0 {
                t = rest;
            } else {
                break;
            }
        }
        t
    };
    let ok = match mime {
        "image/png" => tail.ends_with(&[0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]),
        "image/jpeg" => tail.ends_with(&[0xff, 0xd9]),
        "image/gif" => tail.ends_with(&[0x3b]),
        "application/pdf" => trimmed.ends_with(b"%%EOF"),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::Truncated(match mime {
            "image/png" => "PNG",
            "image/jpeg" => "JPEG",
            "image/gif" => "GIF",
            _ => "PDF",
        }))
    }
}

/// The accepted type of a file, given its first bytes (up to
/// [`HEAD_BYTES`]), its last bytes (up to [`TAIL_BYTES`]), its size, its
/// name and the type the browser declared.
pub fn verdict<'p>(
    policy: &'p UploadPolicy,
    head: &[u8],
    tail: &[u8],
    size: u64,
    file_name: &str,
    declared: &str,
) -> Result<&'p AllowedType, Refusal> {
    if size == 0 {
        return Err(Refusal::Empty);
    }
    if size > policy.max_bytes {
        return Err(Refusal::TooLarge(policy.max_bytes));
    }
    if looks_like_markup(head) {
        return Err(Refusal::ActiveContent);
    }
    let sniffed = infer::get(head);
    let Some(kind) = sniffed else {
        return Err(Refusal::NotAllowed(String::new()));
    };
    let Some(allowed) = policy.types.iter().find(|t| t.mime == kind.mime_type()) else {
        return Err(Refusal::NotAllowed(format!(" ({})", kind.mime_type())));
    };
    ends_well(&allowed.mime, tail)?;
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !allowed.extensions.contains(&ext) {
        return Err(Refusal::ExtensionMismatch {
            ext,
            actual: allowed.mime.clone(),
        });
    }
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // Browsers send application/octet-stream when they do not know; any
    // other claim must match.
    if !declared.is_empty() && declared != "application/octet-stream" && declared != allowed.mime {
        return Err(Refusal::DeclaredMismatch {
            declared,
            actual: allowed.mime.clone(),
        });
    }
    Ok(allowed)
}

/// A file name fit to show and to put in Content-Disposition: no path, no
/// quotes or control characters, bounded.
pub fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut v = vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
        ];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&[0; 17]);
        v.extend_from_slice(&[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
        v
    }

    fn check(bytes: &[u8], name: &str, declared: &str) -> Result<String, Refusal> {
        let p = UploadPolicy::builtin().expect("policy");
        let tail = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        verdict(
            &p,
            &bytes[..bytes.len().min(HEAD_BYTES)],
            tail,
            bytes.len() as u64,
            name,
            declared,
        )
        .map(|t| t.mime.clone())
    }

    #[test]
    fn policy_parses_and_fits_the_route() {
        let p = UploadPolicy::builtin().expect("policy");
        assert!(p
            .types
            .iter()
            .all(|t| !t.mime.contains("svg") && !t.mime.contains("html")));
    }

    #[test]
    fn the_bytes_decide() {
        assert_eq!(
            check(&png(), "photo.PNG", "image/png"),
            Ok("image/png".into())
        );
        assert_eq!(
            check(&png(), "photo.png", "application/octet-stream"),
            Ok("image/png".into())
        );
        assert!(matches!(
            check(&png(), "photo.jpg", "image/png"),
            Err(Refusal::ExtensionMismatch { .. })
        ));
        assert!(matches!(
            check(&png(), "photo.png", "image/jpeg"),
            Err(Refusal::DeclaredMismatch { .. })
        ));
        let exe = [b"MZ".as_slice(), &[0x90; 200]].concat();
        assert!(matches!(
            check(&exe, "cat.jpg", "image/jpeg"),
            Err(Refusal::NotAllowed(_))
        ));
        assert_eq!(check(b"", "a.png", "image/png"), Err(Refusal::Empty));
        assert_eq!(
            check(b"<svg onload=alert(1)>", "a.png", "image/png"),
            Err(Refusal::ActiveContent)
        );
        let polyglot = [b"GIF89a".as_slice(), b"<script>alert(1)</script>", &[0x3b]].concat();
        assert_eq!(
            check(&polyglot, "a.gif", "image/gif"),
            Err(Refusal::ActiveContent)
        );
        let cut = &png()[..30];
        assert_eq!(
            check(cut, "a.png", "image/png"),
            Err(Refusal::Truncated("PNG"))
        );
        let zip = [b"PK\x03\x04".as_slice(), &[0; 100]].concat();
        assert!(matches!(
            check(&zip, "a.zip", "application/zip"),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\x\\a\"b;.png"), "ab.png");
        assert_eq!(safe_name(".htaccess"), "htaccess");
        assert_eq!(safe_name("\u{202e}gnp.exe"), "gnp.exe");
        assert_eq!(safe_name(""), "file");
    }
}
