//! Which uploads are accepted (`policy/uploads.toml`): the type is read
//! from the bytes, checked against the allow-list, against a structural
//! check of the format's ending (truncated files), against markup in the
//! first kilobytes (polyglots), and against what the name and the browser
//! claimed.

use serde::Deserialize;

use crate::error::Problem;

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
    pub fn builtin() -> Result<Self, crate::error::PolicyFileError> {
        use crate::error::PolicyFileError;
        let p: Self = toml::from_str(UPLOADS_TOML).map_err(|source| PolicyFileError::Parse {
            file: "uploads.toml",
            source,
        })?;
        if p.max_bytes as usize > ROUTE_LIMIT - 64 * 1024 {
            return Err(PolicyFileError::Invalid {
                file: "uploads.toml",
                why: "max-bytes is above the upload route's limit".into(),
            });
        }
        Ok(p)
    }
}

/// Why an upload was refused. The person reads it as its [`Refusal::problem`]
/// (in their language); the English here is for the journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is larger than the {0} bytes this appliance accepts.")]
    TooLarge(u64),
    /// What the bytes were found to be, when they are a type at all.
    #[error("This kind of file is not accepted ({}).", .0.unwrap_or("unknown"))]
    NotAllowed(Option<&'static str>),
    #[error("The file contains markup or script (HTML, SVG, XML), which is never accepted as evidence media. Convert it (for example print a web page to PDF) and upload that.")]
    ActiveContent,
    #[error("The file is incomplete or damaged: it does not end the way a {0} file must.")]
    Truncated(&'static str),
    #[error("The file's name says .{ext}, but its content is {actual}. Rename it or upload the right file.")]
    ExtensionMismatch { ext: String, actual: String },
    #[error("Your browser said the file is {declared}, but its content is {actual}.")]
    DeclaredMismatch { declared: String, actual: String },
}

impl Refusal {
    /// The refusal as the person reads it (`upload-…` in problems.ftl);
    /// its `Display` is for the journal.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new("upload-empty"),
            Self::TooLarge(max) => Problem::new("upload-too-large").with("max", *max),
            Self::NotAllowed(Some(mime)) => {
                Problem::new("upload-not-allowed-found").with("found", *mime)
            }
            Self::NotAllowed(None) => Problem::new("upload-not-allowed"),
            Self::ActiveContent => Problem::new("upload-active-content"),
            Self::Truncated(format) => Problem::new("upload-truncated").with("format", *format),
            Self::ExtensionMismatch { ext, actual } => Problem::new("upload-extension-mismatch")
                .with("ext", ext.clone())
                .with("actual", actual.clone()),
            Self::DeclaredMismatch { declared, actual } => Problem::new("upload-declared-mismatch")
                .with("declared", declared.clone())
                .with("actual", actual.clone()),
        }
    }
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
        return Err(Refusal::NotAllowed(None));
    };
    let Some(allowed) = policy.types.iter().find(|t| t.mime == kind.mime_type()) else {
        return Err(Refusal::NotAllowed(Some(kind.mime_type())));
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

/// Longest stored file name, in bytes of UTF-8 (what common file
/// systems allow for one name).
pub const NAME_MAX_BYTES: usize = 255;

/// Longest tail after the last dot that is kept as the extension when a
/// long name is cut; a longer one is just part of the name.
const EXTENSION_MAX_BYTES: usize = 16;

/// Characters that change how text around them is displayed without being
/// seen: bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and marks (U+200E, U+200F, U+061C). `evil\u{202e}gpj.exe`
/// would show as `evilexe.jpg`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// The name a person gave a file, kept as they wrote it (any script, in
/// NFC so that the same name is always the same string) but fit to show
/// and to send back: only its last path component, without control
/// characters or bidirectional controls, without leading dots (no hidden
/// files) and at most [`NAME_MAX_BYTES`] bytes, cut on a character
/// boundary before the extension so that the type check still sees it.
pub fn safe_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .nfc()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace());
    let bounded = bounded(cleaned, NAME_MAX_BYTES);
    if bounded.is_empty() {
        "file".into()
    } else {
        bounded
    }
}

/// `name` cut to at most `max` bytes on a character boundary, keeping a
/// short extension whole.
fn bounded(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() < EXTENSION_MAX_BYTES => {
            (stem, &name[stem.len()..])
        }
        _ => (name, ""),
    };
    let room = max - ext.len();
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem[..cut].trim_end())
}

/// An ASCII stand-in for `name` for clients that do not read `filename*`:
/// letters, digits and `.-_ ()` kept, every other run replaced by `_`,
/// never a quote or backslash.
fn ascii_fallback(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let (stem, ext) = match out.rsplit_once('.') {
        Some((stem, ext)) => (stem.to_owned(), format!(".{ext}")),
        None => (out.clone(), String::new()),
    };
    let stem = stem.trim_matches(|c: char| c == '_' || c == ' ' || c == '.');
    if stem.is_empty() {
        format!("file{ext}")
    } else {
        format!("{stem}{ext}")
    }
}

/// The Content-Disposition value for a download of `name`: an attachment
/// with the name as written, percent-encoded UTF-8 in `filename*`
/// (RFC 6266, RFC 5987), beside an ASCII `filename` for old clients.
pub fn content_disposition(name: &str) -> String {
    let name = safe_name(name);
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        // RFC 5987 attr-char: sent as is; every other byte as %XX.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_fallback(&name)
    )
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

    fn jpeg() -> Vec<u8> {
        let mut v = vec![0xff, 0xd8, 0xff, 0xe0, 0, 0x10];
        v.extend_from_slice(b"JFIF\0");
        v.extend_from_slice(&[0; 64]);
        v.extend_from_slice(&[0xff, 0xd9]);
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
        assert_eq!(safe_name("C:\\x\\a\"b;.png"), "a\"b;.png");
        assert_eq!(safe_name(".htaccess"), "htaccess");
        assert_eq!(safe_name("  . .hidden.png"), "hidden.png");
        assert_eq!(safe_name("\u{202e}gnp.exe"), "gnp.exe");
        assert_eq!(safe_name("evil\u{202e}gpj.exe"), "evilgpj.exe");
        for c in [
            '\u{202a}', '\u{202d}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
        ] {
            assert_eq!(
                safe_name(&format!("a{c}b.png")),
                "ab.png",
                "{:04x}",
                c as u32
            );
        }
        assert_eq!(safe_name("a\u{0}b\r\n\u{7f}\u{85}c.png"), "abc.png");
        assert_eq!(safe_name(""), "file");
        assert_eq!(safe_name("..."), "file");
    }

    #[test]
    fn names_in_any_script_are_kept() {
        assert_eq!(safe_name("شاهد.jpg"), "شاهد.jpg");
        assert_eq!(safe_name("صورة (1).jpg"), "صورة (1).jpg");
        assert_eq!(safe_name("证据 – 東京.pdf"), "证据 – 東京.pdf");
        // NFC: a decomposed é becomes the one composed character.
        assert_eq!(safe_name("cafe\u{301}.png"), "caf\u{e9}.png");
        // The name and the type from the bytes still agree.
        assert!(check(&jpeg(), &safe_name("شاهد.jpg"), "image/jpeg").is_ok());
        assert!(matches!(
            check(&png(), &safe_name("شاهد.jpg"), "image/png"),
            Err(Refusal::ExtensionMismatch { .. })
        ));
    }

    #[test]
    fn long_names_are_cut_in_bytes_keeping_the_extension() {
        // 150 Arabic letters are 300 bytes: more than 100 characters is
        // fine, more than 255 bytes is cut on a character boundary.
        let long = format!("{}.jpg", "ش".repeat(150));
        let cut = safe_name(&long);
        assert!(cut.len() <= NAME_MAX_BYTES, "{}", cut.len());
        assert!(cut.len() >= NAME_MAX_BYTES - 1, "{}", cut.len());
        assert!(cut.ends_with(".jpg") && cut.starts_with("ششش"));
        assert_eq!(safe_name(&cut), cut, "idempotent");
        let ascii = format!("{}.png", "a".repeat(120));
        assert_eq!(safe_name(&ascii), ascii, "120 characters are accepted");
        // A name that is all extension-like tail is cut plainly.
        let no_ext = "é".repeat(200);
        assert!(safe_name(&no_ext).len() <= NAME_MAX_BYTES);
    }

    #[test]
    fn disposition_sends_the_name_encoded_beside_an_ascii_fallback() {
        assert_eq!(
            content_disposition("Photo 1.PNG"),
            "attachment; filename=\"Photo 1.PNG\"; filename*=UTF-8''Photo%201.PNG"
        );
        assert_eq!(
            content_disposition("شاهد.jpg"),
            "attachment; filename=\"file.jpg\"; filename*=UTF-8''%D8%B4%D8%A7%D9%87%D8%AF.jpg"
        );
        assert_eq!(
            content_disposition("صورة (1).jpg"),
            "attachment; filename=\"(1).jpg\"; filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%A9%20%281%29.jpg"
        );
        // Quotes, backslashes, semicolons and percent signs never reach
        // the header unencoded.
        assert_eq!(
            content_disposition("a\";b%c.png"),
            "attachment; filename=\"a_b_c.png\"; filename*=UTF-8''a%22%3Bb%25c.png"
        );
        assert!(content_disposition("\u{202e}شاهد\u{7}.jpg")
            .chars()
            .all(|c| c == '\t' || (c >= ' ' && c != '\u{7f}')));
    }
}
