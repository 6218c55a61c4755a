//! Keeping only what a reply says: the quoted history (introduced by an
//! "On … wrote:" line in the languages and mail programs customers use, an
//! Outlook header block, or `>` lines) and the signature are cut. The
//! original stays in S3; when nothing would be left, the text is kept.

/// The verb of an attribution line ("… wrote:", "… schrieb Name <a@b>:").
const WROTE: &[&str] = &[
    "wrote",
    "schrieb",
    "a écrit",
    "escribió",
    "schreef",
    "escreveu",
    "ha scritto",
    "skrev",
    "kirjoitti",
    "napisał",
    "написал",
    "yazdı",
];

/// Words that start one: "On …", "Am …".
const ON: &[&str] = &[
    "On ", "Am ", "Le ", "El ", "Op ", "Em ", "Il ", "Den ", "På ", "W dniu ", "Dnia ",
];

/// Outlook's separators.
const ORIGINAL_MESSAGE: &[&str] = &[
    "-----Original Message-----",
    "-----Ursprüngliche Nachricht-----",
    "-----Message d'origine-----",
    "-----Mensaje original-----",
    "-----Messaggio originale-----",
    "-----Oorspronkelijk bericht-----",
    "-----Mensagem original-----",
];

const FROM: &[&str] = &[
    "From:", "Von:", "De :", "De:", "Da:", "Van:", "Från:", "Od:",
];
const SENT: &[&str] = &[
    "Sent:",
    "Date:",
    "Gesendet:",
    "Datum:",
    "Envoyé :",
    "Envoyé:",
    "Date :",
    "Enviado:",
    "Fecha:",
    "Inviato:",
    "Data:",
    "Verzonden:",
    "Skickat:",
];

/// Mobile and webmail signatures.
const SIGNED: &[&str] = &[
    "Sent from my ",
    "Sent from Outlook",
    "Get Outlook for ",
    "Gesendet von meinem ",
    "Von meinem iPhone gesendet",
    "Envoyé de mon ",
    "Enviado desde mi ",
    "Inviato da ",
    "Verzonden vanaf mijn ",
];

fn names_a_writer(line: &str) -> bool {
    line.ends_with(':') && WROTE.iter().any(|w| line.contains(w))
}

fn is_attribution(line: &str, next: Option<&str>) -> bool {
    let l = line.trim();
    if !ON.iter().any(|p| l.starts_with(p)) {
        return false;
    }
    // Gmail wraps long attributions over two lines.
    names_a_writer(l) || next.is_some_and(|n| n.trim().len() < 120 && names_a_writer(n.trim()))
}

fn is_outlook_header(lines: &[&str], i: usize) -> bool {
    let l = lines[i].trim();
    if ORIGINAL_MESSAGE.iter().any(|p| l.starts_with(p)) {
        return true;
    }
    let underscores = l.len() >= 10 && l.chars().all(|c| c == '_');
    let from_at = if underscores { i + 1 } else { i };
    let Some(from) = lines.get(from_at) else {
        return false;
    };
    let from = from.trim_start_matches(['*', ' ']);
    FROM.iter().any(|p| from.starts_with(p))
        && lines.iter().skip(from_at + 1).take(4).any(|n| {
            SENT.iter()
                .any(|p| n.trim_start_matches(['*', ' ']).starts_with(p))
        })
}

/// The new text of a reply.
pub fn new_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for i in 0..lines.len() {
        if is_attribution(lines[i], lines.get(i + 1).copied()) || is_outlook_header(&lines, i) {
            end = i;
            break;
        }
    }
    let mut kept: Vec<&str> = lines[..end].to_vec();
    // Interleaved quotes stay only where the author wrote between them;
    // trailing ones go.
    while kept
        .last()
        .is_some_and(|l| l.trim().is_empty() || l.trim_start().starts_with('>'))
    {
        kept.pop();
    }
    if let Some(sig) = kept
        .iter()
        .position(|l| *l == "-- " || *l == "--" || SIGNED.iter().any(|s| l.trim().starts_with(s)))
    {
        kept.truncate(sig);
    }
    let result = kept.join("\n").trim().to_owned();
    if result.is_empty() {
        text.trim().to_owned()
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::new_text;

    /// Replies as mail programs write them: (program, reply, expected).
    const CORPUS: &[(&str, &str, &str)] = &[
        (
            "Gmail (en)",
            "Thanks, that fixed it!\n\nOn Mon, Nov 20, 2026 at 10:00 AM Support <support@acme.example> wrote:\n> Please restart the printer.\n>\n> Ada",
            "Thanks, that fixed it!",
        ),
        (
            "Gmail (en, wrapped attribution)",
            "Still broken.\n\nOn Mon, Nov 20, 2026 at 10:00 AM Acme Support Team <reply+abc@inbound.acme.example>\nwrote:\n\n> Please restart the printer.",
            "Still broken.",
        ),
        (
            "Gmail (de)",
            "Danke, hat funktioniert.\n\nAm Mo., 20. Nov. 2026 um 10:00 Uhr schrieb Support <support@acme.example>:\n> Bitte starten Sie den Drucker neu.",
            "Danke, hat funktioniert.",
        ),
        (
            "Gmail (fr)",
            "Merci beaucoup !\n\nLe lun. 20 nov. 2026 à 10:00, Support <support@acme.example> a écrit :\n> Redémarrez l'imprimante.",
            "Merci beaucoup !",
        ),
        (
            "Gmail (es)",
            "Sigue sin funcionar.\n\nEl lun, 20 nov 2026 a las 10:00, Support (<support@acme.example>) escribió:\n> Reinicie la impresora.",
            "Sigue sin funcionar.",
        ),
        (
            "Outlook (en)",
            "It works now.\n\nRegards,\nAna\n\n________________________________\nFrom: Support <support@acme.example>\nSent: Monday, November 20, 2026 10:00 AM\nTo: Ana Lopez <ana@example.com>\nSubject: [#12] Printer\n\nPlease restart the printer.",
            "It works now.\n\nRegards,\nAna",
        ),
        (
            "Outlook (de)",
            "Geht wieder.\n\n-----Ursprüngliche Nachricht-----\nVon: Support <support@acme.example>\nGesendet: Montag, 20. November 2026 10:00\nAn: Ana\nBetreff: [#12] Drucker\n\nBitte neu starten.",
            "Geht wieder.",
        ),
        (
            "Outlook (fr)",
            "Ça marche.\n\nDe : Support <support@acme.example>\nEnvoyé : lundi 20 novembre 2026 10:00\nÀ : Ana\nObjet : [#12] Imprimante\n\nRedémarrez.",
            "Ça marche.",
        ),
        (
            "Apple Mail (en)",
            "Perfect, thank you.\n\nSent from my iPhone\n\n> On 20 Nov 2026, at 10:00, Support <support@acme.example> wrote:\n>\n> Please restart the printer.",
            "Perfect, thank you.",
        ),
        (
            "Apple Mail (de)",
            "Alles gut.\n\n> Am 20.11.2026 um 10:00 schrieb Support <support@acme.example>:\n> \n> Bitte neu starten.",
            "Alles gut.",
        ),
        (
            "Thunderbird (en)",
            "Done, closing on our side.\n\n-- \nAna Lopez\nIT, Example Corp\n\nOn 11/20/26 10:00, Support wrote:\n> Please restart the printer.",
            "Done, closing on our side.",
        ),
        (
            "Thunderbird (de)",
            "Erledigt.\n\nAm 20.11.26 um 10:00 schrieb Support:\n> Bitte neu starten.",
            "Erledigt.",
        ),
        (
            "Thunderbird (nl)",
            "Het werkt weer.\n\nOp 20-11-2026 om 10:00 schreef Support:\n> Start de printer opnieuw.",
            "Het werkt weer.",
        ),
    ];

    #[test]
    fn replies_keep_only_their_new_text() {
        for (program, reply, expected) in CORPUS {
            assert_eq!(new_text(reply), *expected, "{program}");
        }
    }

    #[test]
    fn a_message_that_is_all_quote_is_kept_whole_and_plain_text_untouched() {
        let only_quote = "> just the quote\n> nothing else";
        assert_eq!(new_text(only_quote), only_quote);
        let plain = "Line one\n\nOn second thought, the scanner is broken too.";
        assert_eq!(new_text(plain), plain);
        let inline = "> Did you restart it?\nYes, twice.\n> Any lights?\nThe red one.";
        assert_eq!(new_text(inline), inline);
    }
}
