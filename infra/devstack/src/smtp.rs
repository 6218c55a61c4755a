//! Inbound email as SES receives it: an SMTP listener that stores each
//! message where the template's receipt rule puts it (S3 action) and
//! invokes the rule's function with an SES event (Lambda action), so any
//! mail client or `swaks` can write to the helpdesk.
//!
//! Scanning is simulated: a message carrying the EICAR test string gets a
//! virus verdict of `FAIL`; everything else passes.

use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::cloud::Cloud;
use crate::lambda::Pool;
use crate::template::ReceiptRule;

/// The antivirus test file every scanner flags.
const EICAR: &str = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
/// SES refuses larger messages.
const MAX_MESSAGE_BYTES: usize = 40 * 1024 * 1024;

pub struct SmtpServer {
    pub rule: ReceiptRule,
    pub pool: Arc<Pool>,
    pub cloud: Cloud,
}

impl SmtpServer {
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let server = self.clone();
            tokio::spawn(async move {
                if let Err(e) = server.session(socket).await {
                    tracing::warn!(error = %format!("{e:#}"), "SMTP session failed");
                }
            });
        }
    }

    async fn session(&self, socket: TcpStream) -> anyhow::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write
            .write_all(b"220 devstack ESMTP (SES receiving)\r\n")
            .await?;
        let mut from = String::new();
        let mut recipients: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                "250-devstack\r\n250-8BITMIME\r\n250 SIZE 41943040".into()
            } else if upper.starts_with("HELO") {
                "250 devstack".into()
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&command[10..]);
                recipients.clear();
                "250 OK".into()
            } else if upper.starts_with("RCPT TO:") {
                recipients.push(address(&command[8..]));
                "250 OK".into()
            } else if upper == "DATA" {
                if recipients.is_empty() {
                    "503 RCPT first".into()
                } else {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let raw = read_data(&mut lines).await?;
                    if raw.len() > MAX_MESSAGE_BYTES {
                        "552 Message too large".into()
                    } else {
                        let id = self.receive(&from, &recipients, raw).await?;
                        recipients.clear();
                        format!("250 Ok {id}")
                    }
                }
            } else if upper == "RSET" {
                recipients.clear();
                "250 OK".into()
            } else if upper == "NOOP" {
                "250 OK".into()
            } else if upper == "QUIT" {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                "502 Command not implemented".into()
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
    }

    /// Stores the message and runs the rule's function (synchronously, so
    /// that a client's `250` means the helpdesk has seen the mail).
    async fn receive(
        &self,
        from: &str,
        recipients: &[String],
        raw: Vec<u8>,
    ) -> anyhow::Result<String> {
        let id = ulid::Ulid::new().to_string().to_lowercase();
        let key = format!("{}{id}", self.rule.prefix);
        let infected = String::from_utf8_lossy(&raw).contains(EICAR);
        let aligned = header_from(&raw).is_some_and(|h| domain(&h) == domain(from));
        // SES records the envelope sender as it stores the message.
        let mut raw = raw;
        raw.splice(0..0, format!("Return-Path: <{from}>\r\n").into_bytes());
        self.cloud
            .s3
            .put_object()
            .bucket(&self.rule.bucket)
            .key(&key)
            .body(raw.into())
            .send()
            .await
            .context("storing the message in the inbound bucket")?;
        let now = Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let verdict = |s: &str| json!({ "status": s });
        let event = json!({"Records": [{
            "eventSource": "aws:ses",
            "eventVersion": "1.0",
            "ses": {
                "mail": {
                    "timestamp": now,
                    "source": from,
                    "messageId": id,
                    "destination": recipients,
                    "headersTruncated": false,
                    "headers": [],
                    "commonHeaders": {"from": [from], "to": recipients},
                },
                "receipt": {
                    "timestamp": now,
                    "processingTimeMillis": 1,
                    "recipients": recipients,
                    "spamVerdict": verdict("PASS"),
                    "virusVerdict": verdict(if infected { "FAIL" } else { "PASS" }),
                    // Without DNS, the twin judges DMARC by alignment alone:
                    // the envelope sender's domain must be the From's.
                    "spfVerdict": verdict("PASS"),
                    "dkimVerdict": verdict("GRAY"),
                    "dmarcVerdict": verdict(if aligned { "PASS" } else { "FAIL" }),
                    "action": {"type": "Lambda", "functionArn": self.pool.invoked_arn(), "invocationType": "Event"},
                },
            },
        }]});
        let outcome = self.pool.invoke(Bytes::from(event.to_string())).await;
        if !matches!(outcome, crate::lambda::Outcome::Response(_)) {
            tracing::warn!(message = %id, "the inbound function failed");
        }
        Ok(id)
    }
}

/// The address of the message's From header.
fn header_from(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            l.split_once(':')
                .filter(|(name, _)| name.eq_ignore_ascii_case("from"))
        })
        .map(|(_, value)| address(value))
}

fn domain(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

fn address(raw: &str) -> String {
    let raw = raw.trim();
    let inner = raw
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(raw, |(a, _)| a);
    inner.trim().to_lowercase()
}

/// The message up to the lone dot, with dot-stuffing undone.
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> anyhow::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            anyhow::bail!("connection closed during DATA");
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(raw);
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        if raw.len() <= MAX_MESSAGE_BYTES {
            raw.extend_from_slice(content);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn addresses_are_taken_from_angle_brackets() {
        assert_eq!(address("<Ana@Example.com> SIZE=100"), "ana@example.com");
        assert_eq!(address(" ana@example.com"), "ana@example.com");
        assert_eq!(address("<>"), "");
    }

    #[test]
    fn the_from_header_is_read_for_alignment() {
        let raw = b"Subject: x\r\nFrom: Ana <Ana@Example.com>\r\n\r\nFrom: not a header\r\n";
        assert_eq!(header_from(raw).as_deref(), Some("ana@example.com"));
        assert_eq!(domain("ana@example.com"), "example.com");
        assert_eq!(header_from(b"Subject: x\r\n\r\nFrom: body"), None);
    }

    #[tokio::test]
    async fn data_ends_at_the_lone_dot_and_unstuffs() {
        let input: &[u8] = b"Subject: x\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n";
        let mut reader = tokio::io::BufReader::new(input);
        let raw = read_data(&mut reader).await.unwrap();
        assert_eq!(raw, b"Subject: x\r\n\r\n.leading dot\r\nbody\r\n");
    }
}
