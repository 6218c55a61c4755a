//! What a reply says, and what it quotes.
//!
//! A mail splits into the author's text and a tail: the quoted history
//! (an "On … wrote:" attribution in the languages and programs customers
//! use, possibly wrapped or starting with a date; an Outlook header block
//! in any of its languages; `>` lines at the end) and the signature. Both
//! parts are kept, so nothing is lost: the tail is shown as "quoted text".
//!
//! When in doubt, text stays with the author: a reply written below the
//! quote or between quoted lines keeps everything; an attribution is only
//! trusted over unmarked text when it carries a date or an address; a
//! signature delimiter followed by more than a signature's worth of lines
//! is not a signature; forwarded mail is all content.
//!
//! The shape follows the fragment approach of GitHub's email_reply_parser
//! and Mailgun's talon (no kept Rust crate covers the languages and
//! wrapped attributions here).

use crate::email::subject::ticket_tag;

/// A reply split into what its author wrote and what it quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// The quoted history and signature, empty when there is none.
    pub quoted: String,
}

/// The verb of an attribution ("… wrote:", "… schrieb Name <a@b>:").
const WROTE: &[&str] = &[
    "wrote",
    "writes",
    "schrieb",
    "a écrit",
    "escribió",
    "schreef",
    "escreveu",
    "ha scritto",
    "skrev",
    "kirjoitti",
    "napisał",
    "napsal",
    "написал",
    "написала",
    "yazdı",
    "írta",
    "写道",
    "작성",
];

/// Words that open one: "On …", "Am …".
const ON: &[&str] = &[
    "On ", "Am ", "Le ", "El ", "Op ", "Em ", "Il ", "Den ", "På ", "W dniu ", "Dnia ", "Dne ",
];

/// What Outlook and others put between the reply and the history.
const ORIGINAL_MESSAGE: &[&str] = &[
    "original message",
    "ursprüngliche nachricht",
    "originalnachricht",
    "message d'origine",
    "mensaje original",
    "messaggio originale",
    "oorspronkelijk bericht",
    "mensagem original",
    "ursprungligt meddelande",
    "oprindelig meddelelse",
    "opprinnelig melding",
    "wiadomość oryginalna",
    "исходное сообщение",
    "alkuperäinen viesti",
];

/// Markers of a forwarded mail: its whole text is the content.
const FORWARDED: &[&str] = &[
    "forwarded message",
    "weitergeleitete nachricht",
    "message transféré",
    "mensaje reenviado",
    "mensagem encaminhada",
    "messaggio inoltrato",
    "doorgestuurd bericht",
    "vidarebefordrat meddelande",
    "videresendt meddelelse",
    "begin forwarded message",
    "anfang der weitergeleiteten nachricht",
    "début du message réexpédié",
];

/// Subject prefixes of a forward.
const FORWARD_PREFIXES: &[&str] = &[
    "fwd:", "fw:", "wg:", "tr:", "rv:", "enc:", "doorst:", "vs:", "vb:", "pd:", "i:",
];

/// Labels of a header block, by what they name, in the languages of
/// Outlook desktop and web, Gmail's forwards and others.
const FROM_LABELS: &[&str] = &[
    "from",
    "von",
    "de",
    "da",
    "van",
    "från",
    "fra",
    "od",
    "от",
    "kimden",
    "lähettäjä",
    "feladó",
    "expéditeur",
    "差出人",
    "发件人",
    "寄件者",
    "보낸 사람",
];
const OTHER_LABELS: &[&str] = &[
    // Sent, date
    "sent",
    "date",
    "gesendet",
    "datum",
    "envoyé",
    "enviado",
    "enviada",
    "enviada em",
    "enviado em",
    "enviado el",
    "fecha",
    "data",
    "inviato",
    "verzonden",
    "skickat",
    "sendt",
    "wysłane",
    "wysłano",
    "отправлено",
    "дата",
    "gönderildi",
    "tarih",
    "lähetetty",
    "odesláno",
    "elküldve",
    "送信日時",
    "发送时间",
    "日期",
    "보낸 날짜",
    // To, cc
    "to",
    "an",
    "à",
    "a",
    "para",
    "aan",
    "till",
    "til",
    "do",
    "кому",
    "kime",
    "vastaanottaja",
    "komu",
    "címzett",
    "cc",
    "kopie",
    "宛先",
    "收件人",
    "받는 사람",
    // Subject
    "subject",
    "betreff",
    "objet",
    "asunto",
    "assunto",
    "oggetto",
    "onderwerp",
    "ämne",
    "emne",
    "temat",
    "тема",
    "konu",
    "aihe",
    "předmět",
    "tárgy",
    "件名",
    "主题",
    "主題",
    "제목",
];

/// Mobile and webmail signatures.
const SIGNED: &[&str] = &[
    "Sent from my ",
    "Sent from Outlook",
    "Sent from Mail for Windows",
    "Sent from Yahoo Mail",
    "Sent via ",
    "Get Outlook for ",
    "Gesendet von meinem ",
    "Gesendet mit ",
    "Von meinem iPhone gesendet",
    "Envoyé de mon ",
    "Envoyé depuis ",
    "Enviado desde mi ",
    "Enviado do meu ",
    "Enviado de meu ",
    "Inviato da ",
    "Verzonden vanaf mijn ",
    "Verstuurd vanaf mijn ",
    "Skickat från min ",
    "Sendt fra min ",
    "Wysłane z mojego ",
    "Отправлено с ",
    "iPhoneから送信",
];

/// Lines a signature may have after its delimiter.
const SIGNATURE_LINES: usize = 10;
/// Lines after a mobile signature: none, it ends the text.
const MOBILE_SIGNATURE_LINES: usize = 0;
/// An attribution longer than this is a paragraph.
const MAX_ATTRIBUTION: usize = 300;

fn quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// A line of an attribution names a writer and ends with a colon;
/// `strong` when it opens like one and carries a date or an address, so
/// it can be trusted over unmarked history.
fn attribution(text: &str) -> Option<bool> {
    let l = text.trim_start_matches(['>', ' ']).trim();
    if l.chars().count() > MAX_ATTRIBUTION || !(l.ends_with(':') || l.ends_with('：')) {
        return None;
    }
    let lower = l.to_lowercase();
    let verb = WROTE.iter().any(|w| lower.contains(w));
    let opens = ON.iter().any(|p| l.starts_with(p)) || l.starts_with(|c: char| c.is_ascii_digit());
    let dated = l.chars().any(|c| c.is_ascii_digit());
    let addressed = l.contains('@');
    // Gmail in Japanese: "2026年11月20日(金) 10:00 Support <a@b>:", no verb.
    let bare = dated && addressed && l.ends_with(">:");
    match (verb || bare, opens && (dated || addressed)) {
        (true, strong) => Some(strong || bare),
        (false, _) => None,
    }
}

/// An attribution starting at line `i`: its lines and whether it is strong.
/// Gmail wraps long ones over two or three lines; only a line that opens
/// like an attribution is joined with the next.
fn attribution_at(lines: &[&str], i: usize) -> Option<(usize, bool)> {
    if let Some(strong) = attribution(lines[i]) {
        return Some((1, strong));
    }
    let first = lines[i].trim_start_matches(['>', ' ']).trim();
    let opens =
        ON.iter().any(|p| first.starts_with(p)) || first.starts_with(|c: char| c.is_ascii_digit());
    if !opens || first.ends_with(['.', '!', '?']) {
        return None;
    }
    let mut joined = first.to_owned();
    for n in 2..=3 {
        let next = lines.get(i + n - 1)?;
        if blank(next) {
            return None;
        }
        joined.push(' ');
        joined.push_str(next.trim_start_matches(['>', ' ']).trim());
        if let Some(strong) = attribution(&joined) {
            return Some((n, strong));
        }
    }
    None
}

/// `Label: value` with a known label, the label lowercased.
fn label(line: &str) -> Option<String> {
    let l = line.trim().trim_start_matches(['*', ' ']);
    let at = l.find([':', '：'])?;
    let name = l[..at].trim().trim_end_matches('*').trim().to_lowercase();
    (name.chars().count() <= 25).then_some(name)
}

/// A From line followed by at least two more header lines.
fn header_block(lines: &[&str], i: usize) -> bool {
    if !label(lines[i]).is_some_and(|l| FROM_LABELS.contains(&l.as_str())) {
        return false;
    }
    let others = lines
        .iter()
        .skip(i + 1)
        .take(6)
        .filter(|l| label(l).is_some_and(|l| OTHER_LABELS.contains(&l.as_str())))
        .count();
    others >= 2
}

/// `-----Original Message-----` and the like: the words between dashes.
fn separator(line: &str) -> Option<String> {
    let l = line.trim();
    let inner = l.trim_matches(|c: char| c == '-' || c == '_' || c == ' ');
    let dashed = l.starts_with("---") && l.ends_with("---") && !inner.is_empty();
    let apple = l.ends_with(':') && !l.contains('@');
    (dashed || apple).then(|| inner.trim_end_matches(':').trim().to_lowercase())
}

enum Start {
    /// Quoted history starts here (line), by a header of this many lines;
    /// `strong` headers may introduce unmarked history.
    History { at: usize, len: usize, strong: bool },
    /// The mail is a forward: its text is all content.
    Forward,
}

fn history_start(lines: &[&str]) -> Option<Start> {
    for i in 0..lines.len() {
        if let Some(words) = separator(lines[i]) {
            if FORWARDED.iter().any(|f| words.starts_with(f)) {
                return Some(Start::Forward);
            }
            if ORIGINAL_MESSAGE.iter().any(|o| words.starts_with(o)) {
                return Some(Start::History {
                    at: i,
                    len: 1,
                    strong: true,
                });
            }
        }
        let rule = {
            let l = lines[i].trim();
            l.len() >= 10 && l.chars().all(|c| c == '_' || c == '-')
        };
        if rule && i + 1 < lines.len() && header_block(lines, i + 1) {
            return Some(Start::History {
                at: i,
                len: 2,
                strong: true,
            });
        }
        if header_block(lines, i) {
            return Some(Start::History {
                at: i,
                len: 1,
                strong: true,
            });
        }
        if let Some((len, strong)) = attribution_at(lines, i) {
            return Some(Start::History { at: i, len, strong });
        }
    }
    None
}

/// A forward of someone else's mail. One that carries a ticket's tag
/// forwards (or answers: Nordic `VS:` is both) the helpdesk's own mail.
fn is_forward(subject: &str) -> bool {
    let s = subject.trim().to_lowercase();
    FORWARD_PREFIXES.iter().any(|p| s.starts_with(p)) && ticket_tag(subject).is_none()
}

/// Where the author's text ends before the history at `at`: the history
/// is cut unless the author wrote below its quoted lines.
fn cut_for_history(lines: &[&str], at: usize, len: usize, strong: bool) -> Option<usize> {
    let after = &lines[at + len..];
    let Some(first) = after.iter().position(|l| !blank(l)) else {
        return Some(at);
    };
    if !quoted(after[first]) {
        // Unmarked history (Outlook, or HTML made text): only a header
        // that carries a date or an address is trusted with it.
        return strong.then_some(at);
    }
    // `>` history: text between or below its quoted lines is the author's
    // (inline answers, bottom-posting), unless it is only a signature.
    let unquoted: Vec<&str> = after
        .iter()
        .copied()
        .filter(|l| !blank(l) && !quoted(l))
        .collect();
    if unquoted.is_empty() || signature_only(&unquoted) {
        Some(at)
    } else {
        None
    }
}

fn signature_start(line: &str) -> Option<usize> {
    let t = line.trim_end();
    if t == "--" || t == "-- " || line == "-- " {
        return Some(SIGNATURE_LINES);
    }
    SIGNED
        .iter()
        .any(|s| line.trim().starts_with(s))
        .then_some(MOBILE_SIGNATURE_LINES)
}

fn signature_only(lines: &[&str]) -> bool {
    lines
        .first()
        .and_then(|l| signature_start(l))
        .is_some_and(|most| lines.len() - 1 <= most)
}

/// Splits a reply into its author's text and the quoted tail.
pub fn split(text: &str, subject: &str) -> Reply {
    let lines: Vec<&str> = text.lines().collect();
    let whole = || Reply {
        text: text.trim().to_owned(),
        quoted: String::new(),
    };
    if is_forward(subject) {
        return whole();
    }
    let mut end = match history_start(&lines) {
        Some(Start::Forward) => return whole(),
        Some(Start::History { at, len, strong }) => {
            cut_for_history(&lines, at, len, strong).unwrap_or(lines.len())
        }
        None => lines.len(),
    };
    // Trailing quotes go; those the author wrote between stay.
    while end > 0 && (blank(lines[end - 1]) || quoted(lines[end - 1])) {
        end -= 1;
    }
    // A signature: its delimiter and a few lines, at the end.
    if let Some(sig) = (0..end).find(|&i| {
        signature_start(lines[i])
            .is_some_and(|most| lines[i + 1..end].iter().filter(|l| !blank(l)).count() <= most)
    }) {
        end = sig;
    }
    let kept = lines[..end].join("\n").trim().to_owned();
    if kept.is_empty() {
        return whole();
    }
    Reply {
        text: kept,
        quoted: lines[end..].join("\n").trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_message_that_is_all_quote_is_kept_whole_and_plain_text_untouched() {
        let only_quote = "> just the quote\n> nothing else";
        assert_eq!(split(only_quote, "").text, only_quote);
        let plain = "Line one\n\nOn second thought, the scanner is broken too.";
        assert_eq!(split(plain, "").text, plain);
        let inline = "> Did you restart it?\nYes, twice.\n> Any lights?\nThe red one.";
        assert_eq!(split(inline, "").text, inline);
    }

    #[test]
    fn what_is_cut_is_kept_as_quoted() {
        let reply = split(
            "Yes.\n\nOn Mon, 20 Nov 2026 at 10:00, Ada <ada@acme.example> wrote:\n> Did it work?",
            "Re: [#4] Printer",
        );
        assert_eq!(reply.text, "Yes.");
        assert_eq!(
            reply.quoted,
            "On Mon, 20 Nov 2026 at 10:00, Ada <ada@acme.example> wrote:\n> Did it work?"
        );
    }
}
