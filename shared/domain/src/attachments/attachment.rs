//! Attachments: what may be uploaded, under which name, and how it is
//! offered for download. Files never pass through a function: clients put
//! them to S3 with a presigned request and fetch them with another.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::kernel::events::Actor;
use crate::kernel::ids::{AttachmentId, CommentId, TenantId, TicketId, UploadId};
use crate::kernel::validation::Invalid;

/// Per-file size limit (25 MB).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// Files one comment may carry.
pub const MAX_FILES_PER_COMMENT: usize = 20;
/// How long a presigned upload is valid.
pub const UPLOAD_TTL: SignedDuration = SignedDuration::from_mins(15);
/// How long a presigned download is valid.
pub const DOWNLOAD_TTL: SignedDuration = SignedDuration::from_mins(5);
const MAX_FILENAME_CHARS: usize = 255;

/// Extensions of files that run when opened.
const DENIED_EXTENSIONS: &[&str] = &[
    "exe",
    "dll",
    "com",
    "bat",
    "cmd",
    "msi",
    "msp",
    "scr",
    "pif",
    "cpl",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "ps1",
    "psm1",
    "sh",
    "bash",
    "jar",
    "app",
    "apk",
    "hta",
    "lnk",
    "reg",
    "scf",
    "inf",
    "gadget",
    "msc",
    "application",
    "dmg",
    "pkg",
    "deb",
    "rpm",
];

/// Declared types of the same.
const DENIED_TYPES: &[&str] = &[
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-ms-installer",
    "application/x-msi",
    "application/x-sh",
    "application/x-shellscript",
    "application/javascript",
    "text/javascript",
    "application/x-javascript",
    "application/java-archive",
    "application/vnd.microsoft.portable-executable",
    "application/x-executable",
    "application/x-dosexec",
    "application/hta",
    "application/vnd.android.package-archive",
    "application/x-apple-diskimage",
];

/// A file name as given (for display) and the ASCII name derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub display: String,
    pub ascii: String,
}

/// Keeps the last path component, without control characters, bounded;
/// refuses what is left empty or is only dots.
pub fn parse_filename(raw: &str) -> Result<FileName, Invalid> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let display: String = last
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_FILENAME_CHARS)
        .collect();
    if display.is_empty() || display.chars().all(|c| c == '.') {
        return Err(Invalid::new("invalid_filename", "a file name is required"));
    }
    let mut ascii: String = display
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    ascii = ascii
        .trim_start_matches('.')
        .trim_end_matches('.')
        .chars()
        .take(100)
        .collect();
    let stem = ascii.rsplit_once('.').map_or(ascii.as_str(), |(s, _)| s);
    if !stem.chars().any(|c| c.is_ascii_alphanumeric()) {
        ascii = format!(
            "file{}",
            extension(&display)
                .map(|e| format!(".{e}"))
                .unwrap_or_default()
        );
    }
    Ok(FileName { display, ascii })
}

/// The extension a file opens with: Windows drops trailing dots and spaces,
/// so `setup.exe.` is `setup.exe`.
fn extension(name: &str) -> Option<String> {
    name.trim_end_matches(['.', ' '])
        .rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

/// `type/subtype`, lower-cased, without parameters.
pub fn parse_content_type(raw: &str) -> Result<String, Invalid> {
    let essence = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) => Ok(essence),
        _ => Err(Invalid::new(
            "invalid_content_type",
            "a media type such as image/png",
        )),
    }
}

/// Refuses files that execute, by extension and by declared type.
pub fn check_allowed(name: &FileName, content_type: &str) -> Result<(), Invalid> {
    let ext = extension(&name.display);
    if ext
        .as_deref()
        .is_some_and(|e| DENIED_EXTENSIONS.contains(&e))
        || DENIED_TYPES.contains(&content_type)
    {
        return Err(Invalid::new(
            "file_type_not_allowed",
            "executables and scripts cannot be attached",
        ));
    }
    Ok(())
}

pub fn check_size(size: u64, limit: u64) -> Result<u64, Invalid> {
    match size {
        0 => Err(Invalid::new("empty_file", "the file is empty")),
        s if s > limit => Err(Invalid::new(
            "file_too_large",
            format!("at most {limit} bytes"),
        )),
        s => Ok(s),
    }
}

/// `Content-Disposition: attachment` with an ASCII fallback and the exact
/// name RFC 6266 / RFC 8187 style (`filename*=UTF-8''…`).
pub fn content_disposition(name: &FileName) -> String {
    let fallback: String = name
        .display
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.display.as_bytes() {
        let c = *b as char;
        if c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// An upload the API has presigned and not yet attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub id: UploadId,
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub uploaded_by: Actor,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub expires_at: Timestamp,
}

/// A file attached to a ticket (and to a comment, whose visibility it
/// shares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: AttachmentId,
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub comment_id: Option<CommentId>,
    /// Customers see it (it is not on an internal note).
    pub public: bool,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub uploaded_by: Actor,
    pub created_at: Timestamp,
}

/// A request the client makes itself (to S3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    /// Headers to send exactly as given (they are signed).
    pub headers: Vec<(String, String)>,
    pub expires_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters_and_keep_their_look() {
        let n = parse_filename("../../etc/passwd").unwrap();
        assert_eq!(n.display, "passwd");
        let n = parse_filename("C:\\Users\\ana\\report.pdf").unwrap();
        assert_eq!(n.display, "report.pdf");
        let n = parse_filename("  Résumé \"final\"\u{0007}.pdf ").unwrap();
        assert_eq!(n.display, "Résumé \"final\".pdf");
        assert_eq!(n.ascii, "R_sum___final_.pdf");
        let n = parse_filename("invoice\u{202e}fdp.exe").unwrap();
        assert_eq!(
            n.display, "invoicefdp.exe",
            "no right-to-left override tricks"
        );
        let n = parse_filename("日本語.txt").unwrap();
        assert_eq!(n.ascii, "file.txt");
        for bad in ["", "   ", "..", "a/", "dir\\.."] {
            assert!(parse_filename(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_filename(&"a".repeat(400)).unwrap().display.len(), 255);
    }

    #[test]
    fn executables_are_refused_by_name_or_declared_type() {
        let name = |s: &str| parse_filename(s).unwrap();
        assert!(check_allowed(&name("setup.EXE"), "application/octet-stream").is_err());
        for sneaky in ["x.exe.", "x.js.", "x.exe. . ", "x.bat..."] {
            assert!(
                check_allowed(&name(sneaky), "application/octet-stream").is_err(),
                "{sneaky} opens as an executable"
            );
        }
        assert_eq!(name("report.pdf.").ascii, "report.pdf");
        assert!(check_allowed(&name("invoice.pdf.js"), "application/pdf").is_err());
        assert!(check_allowed(&name("notes.txt"), "application/x-msdownload").is_err());
        assert!(check_allowed(&name("photo.png"), "image/png").is_ok());
        assert!(check_allowed(&name("README"), "text/plain").is_ok());
    }

    #[test]
    fn content_types_and_sizes_are_checked() {
        assert_eq!(
            parse_content_type("Image/PNG; charset=x").unwrap(),
            "image/png"
        );
        for bad in ["", "png", "image/", "/png", "image/p ng", "a/b/c"] {
            assert!(parse_content_type(bad).is_err(), "{bad:?}");
        }
        assert!(check_size(0, 10).is_err());
        assert!(check_size(11, 10).is_err());
        assert_eq!(check_size(10, 10), Ok(10));
    }

    #[test]
    fn downloads_carry_an_rfc_6266_disposition() {
        let n = parse_filename("Résumé \"final\".pdf").unwrap();
        assert_eq!(
            content_disposition(&n),
            "attachment; filename=\"R_sum_ _final_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
