//! The search query language: what each form means, and how a query that
//! cannot be read is refused (position, token, code).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::civil::date;
use switchboard_domain::search::query::{
    Clause, Condition, DateBound, DateField, Filter, MAX_CLAUSES, Person, Query, QueryError,
    TeamRef, Term, parse,
};
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Tag, TicketType};

fn word(text: &str) -> Term {
    Term::Word {
        text: text.into(),
        prefix: false,
    }
}

fn typing(text: &str) -> Term {
    Term::Word {
        text: text.into(),
        prefix: true,
    }
}

fn clause(terms: &[Term]) -> Clause {
    Clause {
        any: terms.to_vec(),
    }
}

fn conditions(q: &Query) -> Vec<(Condition, bool)> {
    q.filters
        .iter()
        .map(|f| (f.condition.clone(), f.negated))
        .collect()
}

fn refused(raw: &str) -> QueryError {
    match parse(raw) {
        Err(e) => e,
        Ok(q) => panic!("{raw:?} was read as {q:?}"),
    }
}

#[test]
fn words_are_all_required_lower_cased_and_the_last_one_is_being_typed() {
    let q = parse("Refund Credit car").unwrap();
    assert_eq!(
        q.text,
        vec![
            clause(&[word("refund")]),
            clause(&[word("credit")]),
            clause(&[typing("car")])
        ]
    );
    // A space after it: the last word is whole.
    let q = parse("refund credit card ").unwrap();
    assert_eq!(q.text[2], clause(&[word("card")]));
    assert!(parse("").unwrap() == Query::default());
    assert!(parse("   ").unwrap().is_filters_only());
}

#[test]
fn phrases_exclusions_and_or_groups() {
    let q = parse(r#""credit card" -paypal printer OR scanner OR "fax machine" "#).unwrap();
    assert_eq!(
        q.text,
        vec![
            clause(&[Term::Phrase("credit card".into())]),
            clause(&[
                word("printer"),
                word("scanner"),
                Term::Phrase("fax machine".into())
            ]),
        ]
    );
    assert_eq!(q.excluded, vec![word("paypal")]);
    // Punctuation inside a word makes a phrase of its parts.
    assert_eq!(
        parse("e-mail ").unwrap().text,
        vec![clause(&[Term::Phrase("e mail".into())])]
    );
    // Lower-case `or` is a word.
    assert_eq!(parse("this or that ").unwrap().text.len(), 3);
}

#[test]
fn filters_name_ticket_fields_people_dates_and_custom_fields() {
    let me = "usr_01JD3Z4X8Q5N2M7K9V6B1C0A2F";
    let q = parse(&format!(
        "Status:open priority:HIGH type:incident channel:email assignee:me requester:{me} \
         team:none tag:vip -tag:spam has:attachment #1042 number:7 created>2026-01-31 \
         updated<7d solved>30h field.plan:Gold team:\"Second line\" assignee:Ana@Example.com"
    ))
    .unwrap();
    assert!(q.is_filters_only());
    assert_eq!(
        conditions(&q),
        vec![
            (Condition::Status(Status::Open), false),
            (Condition::Priority(Priority::High), false),
            (Condition::Type(TicketType::Incident), false),
            (Condition::Channel(Channel::Email), false),
            (Condition::Assignee(Person::Me), false),
            (Condition::Requester(Person::Id(me.parse().unwrap())), false),
            (Condition::Team(TeamRef::Nobody), false),
            (Condition::Tag(Tag::parse("vip").unwrap()), false),
            (Condition::Tag(Tag::parse("spam").unwrap()), true),
            (Condition::HasAttachment, false),
            (Condition::Number(1042), false),
            (Condition::Number(7), false),
            (
                Condition::Date {
                    field: DateField::Created,
                    after: true,
                    bound: DateBound::Day(date(2026, 1, 31))
                },
                false
            ),
            (
                Condition::Date {
                    field: DateField::Updated,
                    after: false,
                    bound: DateBound::DaysAgo(7)
                },
                false
            ),
            (
                Condition::Date {
                    field: DateField::Solved,
                    after: true,
                    bound: DateBound::HoursAgo(30)
                },
                false
            ),
            (
                Condition::Field {
                    key: "plan".into(),
                    value: "Gold".into()
                },
                false
            ),
            (Condition::Team(TeamRef::Name("Second line".into())), false),
            (
                Condition::Assignee(Person::Email(
                    switchboard_domain::accounts::user::Email::parse("ana@example.com").unwrap()
                )),
                false
            ),
        ]
    );
    let negated = parse("-status:closed refund").unwrap();
    assert_eq!(
        negated.filters,
        vec![Filter {
            condition: Condition::Status(Status::Closed),
            negated: true
        }]
    );
    assert_eq!(negated.text, vec![clause(&[typing("refund")])]);
}

#[test]
fn text_that_only_looks_like_a_filter_is_searched() {
    // A URL, a time, a reply prefix, a quoted filter: words.
    let q = parse(r#"https://example.com/a 10:30 re:invoice "status:open" "#).unwrap();
    assert!(q.filters.is_empty());
    assert_eq!(
        q.text.last().unwrap(),
        &clause(&[Term::Phrase("status open".into())])
    );
}

#[test]
fn a_query_that_cannot_be_read_is_refused_with_where_and_what() {
    for (raw, position, token, code) in [
        ("refund statu:open", 7, "statu:open", "unknown_filter"),
        ("asignee:me", 0, "asignee:me", "unknown_filter"),
        ("status:done", 0, "status:done", "invalid_value"),
        ("refund priority:", 7, "priority:", "invalid_value"),
        (
            "created:2026-01-01",
            0,
            "created:2026-01-01",
            "invalid_operator",
        ),
        ("status>open", 0, "status>open", "invalid_operator"),
        ("updated<yesterday", 0, "updated<yesterday", "invalid_value"),
        (
            "created>2026-02-30",
            0,
            "created>2026-02-30",
            "invalid_value",
        ),
        ("assignee:someone", 0, "assignee:someone", "invalid_value"),
        ("requester:none", 0, "requester:none", "invalid_value"),
        ("has:wings", 0, "has:wings", "invalid_value"),
        ("tag:a/b", 0, "tag:a/b", "invalid_value"),
        ("number:12a", 0, "number:12a", "invalid_value"),
        ("refund OR", 7, "OR", "invalid_or"),
        ("OR refund", 0, "OR", "invalid_or"),
        ("a OR OR b", 5, "OR", "invalid_or"),
        ("a OR status:open", 5, "status:open", "invalid_or"),
        (
            "ünïcode \"credit card",
            8,
            "\"credit card",
            "unterminated_phrase",
        ),
        (
            "team:\"Second line",
            0,
            "team:\"Second line",
            "unterminated_phrase",
        ),
    ] {
        let e = refused(raw);
        assert_eq!(
            (e.position, e.token.as_str(), e.code),
            (position, token, code),
            "{raw:?}: {e}"
        );
    }
}

#[test]
fn queries_are_bounded() {
    assert_eq!(refused(&"a".repeat(501)).code, "too_long");
    let many = (0..=MAX_CLAUSES)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>();
    assert_eq!(refused(&many.join(" ")).code, "too_many_terms");
    assert!(parse(&many[..MAX_CLAUSES].join(" ")).is_ok());
}
