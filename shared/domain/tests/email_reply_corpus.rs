//! The reply corpus (`data/replies.txt`): real shapes of replies from
//! Gmail, Outlook desktop, web and mobile, Apple Mail, Thunderbird and
//! Yahoo in a dozen languages, top- and bottom-posted, answered inline,
//! forwarded and signed. Each keeps exactly the author's text, and what
//! it cuts is kept as the quoted part: together they are the whole mail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use switchboard_domain::email::reply::split;

struct Case {
    name: String,
    subject: String,
    text: String,
    kept: String,
}

fn corpus() -> Vec<Case> {
    let raw = include_str!("data/replies.txt");
    let mut cases = Vec::new();
    for block in raw.split("\n=== ").skip(1) {
        let (head, rest) = block.split_once('\n').unwrap();
        let (name, subject) = head.split_once(" | ").unwrap_or((head, ""));
        let (text, kept) = rest
            .split_once("\n--- kept\n")
            .unwrap_or_else(|| panic!("{name}: no `--- kept` line"));
        cases.push(Case {
            name: name.trim().to_owned(),
            subject: subject.trim().to_owned(),
            text: text.to_owned(),
            kept: kept.trim().to_owned(),
        });
    }
    cases
}

/// The non-blank lines of a text, in order.
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn the_corpus_is_large_and_varied_enough() {
    let cases = corpus();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let programs = ["Gmail", "Outlook", "Apple Mail", "Thunderbird", "Yahoo"];
    for p in programs {
        assert!(cases.iter().any(|c| c.name.contains(p)), "no {p} case");
    }
}

#[test]
fn every_reply_keeps_exactly_its_authors_text() {
    let mut wrong = Vec::new();
    for case in corpus() {
        let reply = split(&case.text, &case.subject);
        if reply.text != case.kept {
            wrong.push(format!(
                "{}\n--- kept\n{}\n--- expected\n{}",
                case.name, reply.text, case.kept
            ));
        }
    }
    assert!(wrong.is_empty(), "\n\n{}", wrong.join("\n\n"));
}

#[test]
fn nothing_is_lost_what_is_cut_is_the_quoted_part() {
    for case in corpus() {
        let reply = split(&case.text, &case.subject);
        let mut both = lines(&reply.text);
        both.extend(lines(&reply.quoted));
        assert_eq!(both, lines(&case.text), "{}", case.name);
    }
}
