//! A received message, read once from its raw MIME (any encoding and
//! charset mail-parser knows; HTML-only mail converted to text).

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

/// The largest message SES stores and the inbound function reads.
pub const MAX_RAW_BYTES: usize = 40 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    /// Lower-cased address.
    pub email: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Shown inline in the HTML (a `cid:` image).
    pub inline: bool,
}

/// What the email channel reads of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub subject: String,
    /// `Return-Path` as given; `<>` is the null path of bounces.
    pub return_path: Option<String>,
    /// Lower-cased `name: value` of the headers the classification reads.
    pub headers: Vec<(String, String)>,
    /// `type/subtype` of the whole message.
    pub content_type: String,
    /// The text of the message (converted from HTML when it has no text part).
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<MailAttachment>,
}

impl InboundMail {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Headers kept for classification (autoresponder and list markers).
const KEPT_HEADERS: &[&str] = &[
    "auto-submitted",
    "precedence",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-auto-reply",
    "x-mailer",
    "list-id",
    "list-unsubscribe",
    "x-failed-recipients",
    "feedback-id",
];

fn mailboxes(address: Option<&Address<'_>>) -> Vec<MailAddress> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .filter_map(|a| {
            a.address().map(|email| MailAddress {
                email: email.trim().to_lowercase(),
                name: a
                    .name()
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
            })
        })
        .collect()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Reads a raw message; `None` if it is not a message at all.
pub fn parse(raw: &[u8]) -> Option<InboundMail> {
    let message = MessageParser::default().parse(raw)?;
    let mut headers = Vec::new();
    for h in message.headers() {
        let name = h.name().to_ascii_lowercase();
        if KEPT_HEADERS.contains(&name.as_str()) {
            let value = message
                .header_raw(h.name())
                .map(|v| v.trim().to_owned())
                .unwrap_or_default();
            headers.push((name, value));
        }
    }
    let content_type = message
        .content_type()
        .map(|c| match c.subtype() {
            Some(sub) => format!("{}/{}", c.ctype(), sub).to_ascii_lowercase(),
            None => c.ctype().to_ascii_lowercase(),
        })
        .unwrap_or_else(|| "text/plain".into());
    let text = message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default();
    let html = message.body_html(0).map(|h| h.into_owned());
    let attachments = message
        .attachments()
        .map(|part| MailAttachment {
            filename: part.attachment_name().unwrap_or("attachment").to_owned(),
            content_type: part
                .content_type()
                .map(|c| match c.subtype() {
                    Some(sub) => format!("{}/{}", c.ctype(), sub).to_ascii_lowercase(),
                    None => c.ctype().to_ascii_lowercase(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes: part.contents().to_vec(),
            inline: part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")),
        })
        .collect();
    Some(InboundMail {
        message_id: message.message_id().map(str::to_owned),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        from: mailboxes(message.from()).into_iter().next(),
        to: mailboxes(message.to()),
        cc: mailboxes(message.cc()),
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        return_path: message
            .header_raw("Return-Path")
            .map(|v| v.trim().to_owned()),
        headers,
        content_type,
        text,
        html,
        attachments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_utf8_reads_as_text() {
        let raw = b"From: Ana Lopez <Ana@Example.com>\r\nTo: support@acme.example\r\nCc: Bob <bob@example.com>\r\nSubject: =?UTF-8?Q?Caf=C3=A9_broken?=\r\nMessage-ID: <abc@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe caf=C3=A9 machine =E2=82=AC2 is broken.\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.subject, "Café broken");
        assert_eq!(m.text.trim(), "The café machine €2 is broken.");
        assert_eq!(m.message_id.as_deref(), Some("abc@mail.example.com"));
        assert_eq!(
            m.from,
            Some(MailAddress {
                email: "ana@example.com".into(),
                name: Some("Ana Lopez".into())
            })
        );
        assert_eq!(m.cc[0].email, "bob@example.com");
    }

    #[test]
    fn base64_in_a_legacy_charset_decodes() {
        // "Grüße aus Köln" in ISO-8859-1, base64.
        let raw = b"From: k@example.de\r\nSubject: Hallo\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nR3L832UgYXVzIEv2bG4=\r\n";
        assert_eq!(parse(raw).unwrap().text.trim(), "Grüße aus Köln");
        // Shift_JIS needs the full encoding tables.
        let sjis = b"From: t@example.jp\r\nSubject: x\r\nContent-Type: text/plain; charset=shift_jis\r\n\r\n\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\r\n";
        assert_eq!(parse(sjis).unwrap().text.trim(), "こんにちは");
    }

    #[test]
    fn html_only_mail_becomes_text_and_threading_headers_are_read() {
        let raw = b"From: a@example.com\r\nSubject: Re: [#12] Printer\r\nIn-Reply-To: <m1@switchboard>\r\nReferences: <m0@x> <m1@switchboard>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Thanks, <b>that worked</b>!</p><p>Ana</p></body></html>\r\n";
        let m = parse(raw).unwrap();
        assert!(m.text.contains("Thanks, that worked!"), "{:?}", m.text);
        assert!(m.html.is_some());
        assert_eq!(m.in_reply_to, vec!["m1@switchboard"]);
        assert_eq!(m.references, vec!["m0@x", "m1@switchboard"]);
    }

    #[test]
    fn attachments_and_report_types_are_seen() {
        let raw = b"From: a@example.com\r\nSubject: photo\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"screen.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
        let m = parse(raw).unwrap();
        assert_eq!(m.text.trim(), "See attached.");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].filename, "screen.png");
        assert_eq!(m.attachments[0].content_type, "image/png");
        assert_eq!(m.attachments[0].bytes, b"\x89PNG\r\n\x1a\n");
        let report = b"From: MAILER-DAEMON@example.com\r\nReturn-Path: <>\r\nSubject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--r--\r\n";
        let m = parse(report).unwrap();
        assert_eq!(m.content_type, "multipart/report");
        assert_eq!(m.return_path.as_deref(), Some("<>"));
    }
}
