//! What kind of mail arrived, before any threading: auto-replies and
//! bounces must never open or reopen a ticket nor cause a mail (that is how
//! mail loops start), and mail SES flags as a virus or spam is held back.

use super::message::InboundMail;

/// SES's scan results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verdict {
    #[default]
    Pass,
    Fail,
    Gray,
    ProcessingFailed,
    Disabled,
}

impl Verdict {
    pub fn parse(raw: &str) -> Self {
        match raw.to_ascii_uppercase().as_str() {
            "FAIL" => Verdict::Fail,
            "GRAY" => Verdict::Gray,
            "PROCESSING_FAILED" => Verdict::ProcessingFailed,
            "DISABLED" => Verdict::Disabled,
            _ => Verdict::Pass,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdicts {
    pub spam: Verdict,
    pub virus: Verdict,
    pub spf: Verdict,
    pub dkim: Verdict,
    /// `Gray` when the sender's domain publishes no DMARC policy.
    pub dmarc: Verdict,
}

impl Verdicts {
    /// Why the From address is not proven, if it is not: DMARC failed, or
    /// (for a domain without a policy) both SPF and DKIM did.
    pub fn unproven_sender(&self) -> Option<&'static str> {
        if self.dmarc == Verdict::Fail {
            Some("DMARC failed")
        } else if self.spf == Verdict::Fail && self.dkim == Verdict::Fail {
            Some("SPF and DKIM failed")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classification {
    /// Written by a person: thread it or open a ticket.
    Deliver,
    /// Sent by a machine on someone's behalf (out of office, autoresponder,
    /// list mail): recorded, nothing else.
    AutoReply { reason: String },
    /// A delivery failure report: the failed recipients are marked bouncing.
    Bounce { recipients: Vec<String> },
    /// A virus or spam verdict of `FAIL`: kept for admins, no ticket.
    Quarantine { reason: String },
}

impl Classification {
    /// A stable word for logs and the decision record.
    pub fn code(&self) -> &'static str {
        match self {
            Classification::Deliver => "deliver",
            Classification::AutoReply { .. } => "auto_reply",
            Classification::Bounce { .. } => "bounce",
            Classification::Quarantine { .. } => "quarantine",
        }
    }
}

/// Subjects autoresponders use when they set no header (seen in the wild).
const AUTO_SUBJECT_PREFIXES: &[&str] = &[
    "auto:",
    "automatic reply",
    "autoreply",
    "auto-reply",
    "out of office",
    "out of the office",
    "abwesenheitsnotiz",
    "automatische antwort",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
];

pub fn classify(mail: &InboundMail, verdicts: &Verdicts) -> Classification {
    if let Some(bounce) = bounce(mail) {
        return bounce;
    }
    if let Some(reason) = auto_reply(mail) {
        return Classification::AutoReply { reason };
    }
    if verdicts.virus == Verdict::Fail {
        return Classification::Quarantine {
            reason: "virus verdict FAIL".into(),
        };
    }
    if verdicts.spam == Verdict::Fail {
        return Classification::Quarantine {
            reason: "spam verdict FAIL".into(),
        };
    }
    Classification::Deliver
}

fn bounce(mail: &InboundMail) -> Option<Classification> {
    let report = mail.content_type == "multipart/report";
    let null_path = mail
        .return_path
        .as_deref()
        .is_some_and(|p| p.trim() == "<>");
    let daemon = mail.from.as_ref().is_some_and(|f| {
        f.email.starts_with("mailer-daemon@") || f.email.starts_with("postmaster@")
    });
    if !(report || (null_path && daemon)) {
        return None;
    }
    let recipients = mail
        .header("x-failed-recipients")
        .map(|v| {
            v.split(',')
                .map(|a| a.trim().to_lowercase())
                .filter(|a| a.contains('@'))
                .collect()
        })
        .unwrap_or_default();
    Some(Classification::Bounce { recipients })
}

fn auto_reply(mail: &InboundMail) -> Option<String> {
    if let Some(v) = mail.header("auto-submitted")
        && !v.trim().eq_ignore_ascii_case("no")
    {
        return Some(format!("Auto-Submitted: {v}"));
    }
    if let Some(v) = mail.header("precedence")
        && ["bulk", "junk", "list", "auto_reply"].contains(&v.trim().to_ascii_lowercase().as_str())
    {
        return Some(format!("Precedence: {v}"));
    }
    if mail.header("x-auto-response-suppress").is_some() {
        return Some("X-Auto-Response-Suppress".into());
    }
    for h in [
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-auto-reply",
    ] {
        if mail.header(h).is_some() {
            return Some(format!("{h} header"));
        }
    }
    if mail.header("list-id").is_some() || mail.header("list-unsubscribe").is_some() {
        return Some("mailing list".into());
    }
    if mail
        .return_path
        .as_deref()
        .is_some_and(|p| p.trim() == "<>")
    {
        return Some("null return path".into());
    }
    let subject = mail.subject.to_lowercase();
    AUTO_SUBJECT_PREFIXES
        .iter()
        .find(|p| subject.starts_with(*p))
        .map(|p| format!("subject starts with {p:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::message::parse;

    fn mail(headers: &str, body: &str) -> InboundMail {
        let raw = format!(
            "From: ana@example.com\r\nTo: support@acme.example\r\n{headers}\r\n\r\n{body}\r\n"
        );
        parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn people_writing_are_delivered() {
        let m = mail("Subject: Printer on fire", "Help");
        assert_eq!(classify(&m, &Verdicts::default()), Classification::Deliver);
        let m = mail("Subject: Re: ok\r\nAuto-Submitted: no", "Thanks");
        assert_eq!(classify(&m, &Verdicts::default()), Classification::Deliver);
    }

    #[test]
    fn autoresponders_are_recognised_by_any_of_their_marks() {
        for headers in [
            "Subject: Re: x\r\nAuto-Submitted: auto-replied",
            "Subject: x\r\nPrecedence: bulk",
            "Subject: x\r\nPrecedence: list",
            "Subject: x\r\nX-Auto-Response-Suppress: All",
            "Subject: x\r\nX-Autoreply: yes",
            "Subject: x\r\nList-Id: <news.example.com>",
            "Subject: Automatic reply: Printer on fire",
            "Subject: Out of Office: back Monday",
            "Subject: Abwesenheitsnotiz: Urlaub",
        ] {
            let m = mail(headers, "I am away");
            assert!(
                matches!(
                    classify(&m, &Verdicts::default()),
                    Classification::AutoReply { .. }
                ),
                "{headers}"
            );
        }
    }

    #[test]
    fn bounces_name_the_failed_recipients() {
        let raw = "From: MAILER-DAEMON@mx.example.com\r\nReturn-Path: <>\r\nX-Failed-Recipients: Gone@Example.com\r\nSubject: Undelivered Mail\r\nContent-Type: text/plain\r\n\r\nNo such user\r\n";
        let m = parse(raw.as_bytes()).unwrap();
        assert_eq!(
            classify(&m, &Verdicts::default()),
            Classification::Bounce {
                recipients: vec!["gone@example.com".into()]
            }
        );
        let report = "From: postmaster@example.com\r\nSubject: x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r--\r\n";
        assert!(matches!(
            classify(&parse(report.as_bytes()).unwrap(), &Verdicts::default()),
            Classification::Bounce { .. }
        ));
    }

    #[test]
    fn failed_scans_are_quarantined() {
        let m = mail("Subject: invoice", "open me");
        let virus = Verdicts {
            virus: Verdict::parse("FAIL"),
            spam: Verdict::Pass,
            ..Verdicts::default()
        };
        assert_eq!(classify(&m, &virus).code(), "quarantine");
        let spam = Verdicts {
            virus: Verdict::Pass,
            spam: Verdict::parse("fail"),
            ..Verdicts::default()
        };
        assert_eq!(classify(&m, &spam).code(), "quarantine");
        let gray = Verdicts {
            virus: Verdict::parse("GRAY"),
            spam: Verdict::parse("PASS"),
            ..Verdicts::default()
        };
        assert_eq!(classify(&m, &gray).code(), "deliver");
    }
}
