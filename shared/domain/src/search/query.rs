//! The search query language.
//!
//! ```text
//! refund "credit card" -paypal             words (all of them), a phrase, a word left out
//! printer OR scanner                       either word
//! status:open priority:high type:incident  ticket fields (also channel:)
//! -status:closed  -tag:spam                any filter left out
//! assignee:me|none|<email>|usr_…           who works on it (team:none|team_…|<name>)
//! requester:<email>|usr_…  tag:vip         who asked; a tag
//! has:attachment  number:1042  #1042       files; a ticket number
//! created>2026-01-01  updated<7d  solved>2h  dates, or days or hours ago
//! field.plan:gold                          a custom field
//! ```
//!
//! Words are matched whole, except the last one of a query that does not end
//! in a space (the word being typed), which is matched as a prefix. Filter
//! names are case-insensitive; values keep their case where it matters
//! (custom fields). A query that cannot be read is refused with the position
//! and the token at fault, never guessed at.

use jiff::civil::Date;

use crate::accounts::user::Email;
use crate::kernel::error::FieldError;
use crate::kernel::ids::{TeamId, UserId};
use crate::tickets::ticket::{Channel, Priority, Status, Tag, TicketType};

/// The longest query read, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most terms and filters in one query.
pub const MAX_CLAUSES: usize = 32;

/// A parsed query: text to match and filters to apply, all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Each clause must match (a clause of several terms: any of them).
    pub text: Vec<Clause>,
    /// Terms that must not match.
    pub excluded: Vec<Term>,
    pub filters: Vec<Filter>,
}

impl Query {
    /// Only filters: a list index can answer it.
    pub fn is_filters_only(&self) -> bool {
        self.text.is_empty() && self.excluded.is_empty()
    }
}

/// The order of results: by relevance, or by a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSort {
    Relevance,
    Updated,
    Created,
}

impl SearchSort {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Updated => "updated",
            SearchSort::Created => "created",
        }
    }
}

/// Terms of which at least one must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub any: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word, lower-cased; `prefix` for the word being typed.
    Word { text: String, prefix: bool },
    /// Words in this order, lower-cased.
    Phrase(String),
}

/// A filter; `negated` for `-name:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub condition: Condition,
    pub negated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Status(Status),
    Priority(Priority),
    Type(TicketType),
    Channel(Channel),
    Assignee(Person),
    Requester(Person),
    Team(TeamRef),
    Tag(Tag),
    HasAttachment,
    Number(u64),
    Date {
        field: DateField,
        after: bool,
        bound: DateBound,
    },
    /// A custom field by key, and the value as typed.
    Field {
        key: String,
        value: String,
    },
}

/// Who a people filter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    Me,
    Nobody,
    Email(Email),
    Id(UserId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeamRef {
    Nobody,
    Id(TeamId),
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    Created,
    Updated,
    Solved,
}

/// A day, or a number of days or hours before now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    Day(Date),
    DaysAgo(u32),
    HoursAgo(u32),
}

/// Why a query cannot be read: where (a character offset), which token,
/// and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at {position}: `{token}`")]
pub struct QueryError {
    pub position: usize,
    pub token: String,
    pub code: &'static str,
    pub message: String,
}

impl QueryError {
    fn new(position: usize, token: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            position,
            token: token.to_owned(),
            code,
            message: message.into(),
        }
    }

    /// The error as `field`'s problem, with the position and the token.
    pub fn field_error(&self, field: &str) -> FieldError {
        let message = format!(
            "{} (at character {}: `{}`)",
            self.message, self.position, self.token
        );
        FieldError::new(field, self.code, message).at(self.position, &self.token)
    }
}

/// One token of the query and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token<'a> {
    at: usize,
    text: &'a str,
    /// A quoted phrase (its text without the quotes).
    quoted: bool,
    negated: bool,
}

/// Parses `raw`. An empty query is an empty [`Query`] (everything).
pub fn parse(raw: &str) -> Result<Query, QueryError> {
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::new(
            MAX_QUERY_CHARS,
            "",
            "too_long",
            format!("a query is at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let tokens = tokenize(raw)?;
    let typing = !raw.ends_with(char::is_whitespace);
    let mut query = Query::default();
    let mut i = 0;
    let mut clauses = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        clauses += 1;
        if clauses > MAX_CLAUSES {
            return Err(QueryError::new(
                token.at,
                token.text,
                "too_many_terms",
                format!("a query has at most {MAX_CLAUSES} terms and filters"),
            ));
        }
        if is_or(token) {
            return Err(dangling_or(token));
        }
        let last = i + 1 == tokens.len();
        if let Some(filter) = filter_of(token)? {
            query.filters.push(filter);
            i += 1;
            continue;
        }
        let term = term_of(token, last && typing);
        if token.negated {
            query.excluded.extend(term);
            i += 1;
            continue;
        }
        let mut any: Vec<Term> = term.into_iter().collect();
        i += 1;
        // `a OR b OR c`: one clause.
        while i < tokens.len() && is_or(&tokens[i]) {
            let or = &tokens[i];
            let Some(next) = tokens.get(i + 1) else {
                return Err(dangling_or(or));
            };
            if is_or(next) || next.negated || filter_of(next)?.is_some() {
                return Err(QueryError::new(
                    next.at,
                    next.text,
                    "invalid_or",
                    "OR joins words or phrases",
                ));
            }
            any.extend(term_of(next, i + 2 == tokens.len() && typing));
            i += 2;
        }
        if !any.is_empty() {
            query.text.push(Clause { any });
        }
    }
    Ok(query)
}

fn is_or(token: &Token<'_>) -> bool {
    !token.quoted && !token.negated && token.text == "OR"
}

fn dangling_or(token: &Token<'_>) -> QueryError {
    QueryError::new(
        token.at,
        token.text,
        "invalid_or",
        "OR stands between two words or phrases",
    )
}

/// Splits on whitespace, keeping quoted phrases whole (a filter's value
/// may be quoted too: `team:"Second line"`).
fn tokenize(raw: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = raw.char_indices().peekable();
    let position = |byte: usize| raw[..byte].chars().count();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let body_start = chars.peek().map_or(raw.len(), |&(i, _)| i);
        if chars.peek().is_some_and(|&(_, c)| c == '"') {
            chars.next();
            let inner = body_start + 1;
            let end = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some(_) => {}
                    None => {
                        return Err(QueryError::new(
                            position(start),
                            &raw[start..],
                            "unterminated_phrase",
                            "a phrase is closed with a double quote",
                        ));
                    }
                }
            };
            tokens.push(Token {
                at: position(start),
                text: &raw[inner..end],
                quoted: true,
                negated,
            });
            continue;
        }
        let mut end = raw.len();
        let mut in_quote = false;
        while let Some(&(i, c)) = chars.peek() {
            if c == '"' {
                in_quote = !in_quote;
            } else if c.is_whitespace() && !in_quote {
                end = i;
                break;
            }
            chars.next();
        }
        if in_quote {
            return Err(QueryError::new(
                position(start),
                &raw[start..end],
                "unterminated_phrase",
                "a phrase is closed with a double quote",
            ));
        }
        let text = &raw[body_start..end];
        if text.is_empty() {
            // A lone `-`: nothing to leave out.
            continue;
        }
        tokens.push(Token {
            at: position(start),
            text,
            quoted: false,
            negated,
        });
    }
    Ok(tokens)
}

/// The words of a token, lower-cased (punctuation splits them): one term,
/// or a phrase when the token is quoted or holds several words
/// (`e-mail`, `foo.bar`).
fn term_of(token: &Token<'_>, typing: bool) -> Option<Term> {
    let words: Vec<String> = token
        .text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    match words.len() {
        0 => None,
        1 if !token.quoted => words.into_iter().next().map(|text| Term::Word {
            text,
            prefix: typing,
        }),
        _ => Some(Term::Phrase(words.join(" "))),
    }
}

/// The filter a token is, if it is one.
fn filter_of(token: &Token<'_>) -> Result<Option<Filter>, QueryError> {
    if token.quoted {
        return Ok(None);
    }
    let text = token.text;
    let invalid =
        |code: &'static str, message: String| QueryError::new(token.at, token.text, code, message);
    if let Some(n) = text.strip_prefix('#')
        && !n.is_empty()
        && n.chars().all(|c| c.is_ascii_digit())
    {
        let number = n
            .parse()
            .map_err(|_| invalid("invalid_value", "a ticket number".into()))?;
        return Ok(Some(Filter {
            condition: Condition::Number(number),
            negated: token.negated,
        }));
    }
    let split = text.find([':', '>', '<']);
    let Some(at) = split else {
        return Ok(None);
    };
    let (name, rest) = text.split_at(at);
    let operator = &rest[..1];
    let value = rest[1..].trim_matches('"');
    let name = name.to_lowercase();
    // `https://…`, `re:` in prose: only known names are filters; a name
    // one or two letters off one (`statu:open`) is a typo to point out.
    if !is_filter_name(&name) {
        if let Some(meant) = FILTERS.iter().find(|f| near(&name, f)) {
            return Err(invalid(
                "unknown_filter",
                format!("`{name}` is not a filter: `{meant}`? (quote it to search for it)"),
            ));
        }
        return Ok(None);
    }
    if value.is_empty() {
        return Err(invalid("invalid_value", format!("`{name}` needs a value")));
    }
    let date = |field| -> Result<Condition, QueryError> {
        let after = match operator {
            ">" => true,
            "<" => false,
            _ => {
                return Err(invalid(
                    "invalid_operator",
                    format!("`{name}` takes > or <, as in {name}>2026-01-01 or {name}<7d"),
                ));
            }
        };
        Ok(Condition::Date {
            field,
            after,
            bound: date_bound(value).ok_or_else(|| {
                invalid(
                    "invalid_value",
                    "a date (2026-01-31), or days or hours ago (7d, 2h)".into(),
                )
            })?,
        })
    };
    let needs_colon = || -> Result<(), QueryError> {
        if operator == ":" {
            Ok(())
        } else {
            Err(invalid(
                "invalid_operator",
                format!("`{name}` takes a colon: {name}:value"),
            ))
        }
    };
    let lower = value.to_lowercase();
    let wire = |e: crate::kernel::validation::Invalid| invalid("invalid_value", e.message);
    let condition = match name.as_str() {
        "created" => date(DateField::Created)?,
        "updated" => date(DateField::Updated)?,
        "solved" => date(DateField::Solved)?,
        _ => {
            needs_colon()?;
            match name.as_str() {
                "status" => Condition::Status(Status::parse(&lower).map_err(wire)?),
                "priority" => Condition::Priority(Priority::parse(&lower).map_err(wire)?),
                "type" => Condition::Type(TicketType::parse(&lower).map_err(wire)?),
                "channel" => Condition::Channel(Channel::parse(&lower).map_err(wire)?),
                "assignee" => Condition::Assignee(person(value, true).ok_or_else(|| {
                    invalid("invalid_value", "me, none, an email or a usr_… id".into())
                })?),
                "requester" => Condition::Requester(person(value, false).ok_or_else(|| {
                    invalid("invalid_value", "me, an email or a usr_… id".into())
                })?),
                "team" => Condition::Team(team(value)),
                "tag" => Condition::Tag(Tag::parse(value).map_err(wire)?),
                "has" if lower == "attachment" || lower == "attachments" => {
                    Condition::HasAttachment
                }
                "has" => return Err(invalid("invalid_value", "has:attachment".into())),
                "number" => Condition::Number(
                    lower
                        .trim_start_matches('#')
                        .parse()
                        .map_err(|_| invalid("invalid_value", "a ticket number".into()))?,
                ),
                _ => {
                    // field.<key>
                    let key = name.trim_start_matches("field.");
                    if key.is_empty() {
                        return Err(invalid("invalid_value", "field.<key>:value".into()));
                    }
                    Condition::Field {
                        key: key.to_owned(),
                        value: value.to_owned(),
                    }
                }
            }
        }
    };
    Ok(Some(Filter {
        condition,
        negated: token.negated,
    }))
}

const FILTERS: &[&str] = &[
    "status",
    "priority",
    "type",
    "channel",
    "assignee",
    "requester",
    "team",
    "tag",
    "has",
    "number",
    "created",
    "updated",
    "solved",
];

fn is_filter_name(name: &str) -> bool {
    FILTERS.contains(&name) || name.starts_with("field.")
}

/// Whether `a` is a typo of `b`: at most two edits apart, and long enough
/// for that to mean something.
fn near(a: &str, b: &str) -> bool {
    if a.chars().count() < 4 {
        return false;
    }
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()] <= 2
}

fn person(value: &str, nobody: bool) -> Option<Person> {
    match value.to_lowercase().as_str() {
        "me" => Some(Person::Me),
        "none" if nobody => Some(Person::Nobody),
        _ => value
            .parse::<UserId>()
            .ok()
            .map(Person::Id)
            .or_else(|| Email::parse(value).ok().map(Person::Email)),
    }
}

fn team(value: &str) -> TeamRef {
    if value.eq_ignore_ascii_case("none") {
        TeamRef::Nobody
    } else {
        value
            .parse::<TeamId>()
            .map_or_else(|_| TeamRef::Name(value.to_owned()), TeamRef::Id)
    }
}

fn date_bound(value: &str) -> Option<DateBound> {
    if let Some(days) = value.strip_suffix(['d', 'D']) {
        return days
            .parse::<u32>()
            .ok()
            .filter(|d| *d <= 36_600)
            .map(DateBound::DaysAgo);
    }
    if let Some(hours) = value.strip_suffix(['h', 'H']) {
        return hours
            .parse::<u32>()
            .ok()
            .filter(|h| *h <= 878_400)
            .map(DateBound::HoursAgo);
    }
    value.parse::<Date>().ok().map(DateBound::Day)
}
