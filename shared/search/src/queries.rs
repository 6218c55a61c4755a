//! The domain's resolved query as a tantivy query: text clauses over the
//! fields the scope allows, filters on exact fields, the scope itself.

use std::ops::Bound;

use switchboard_domain::search::ports::{IndexCondition, IndexFilter, IndexQuery, Scope};
use switchboard_domain::search::query::{DateField, Term as QueryTerm};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DateTime, Term};

use crate::documents::{PUBLIC_ATTACHMENT, date, field_value};
use crate::schema::{Fields, NOBODY};

type Boxed = Box<dyn Query>;

/// The text fields a scope's query may match.
fn text_fields(f: &Fields, scope: &Scope) -> Vec<Field> {
    match scope {
        Scope::Staff => vec![f.subject, f.public, f.internal],
        Scope::Customer { .. } => vec![f.subject, f.public],
    }
}

/// A word or phrase as the index split the text: the default tokenizer's
/// words (split at punctuation, lower-cased, over-long ones dropped), so
/// `e-mail` or `ana@acme.com` match as the phrase of their parts.
fn tokens(text: &str) -> Vec<String> {
    let Some(mut analyzer) = TokenizerManager::default().get("default") else {
        return vec![text.to_owned()];
    };
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        words.push(stream.token().text.clone());
    }
    words
}

/// One term of the query over `fields` (any of them may hold it). A word
/// the index would not keep (over 40 bytes) matches nothing, as it is in
/// no document's words. (The parser drops words of punctuation alone.)
fn term_query(term: &QueryTerm, fields: &[Field]) -> Boxed {
    let (words, prefix) = match term {
        QueryTerm::Word { text, prefix } => (tokens(text), *prefix),
        QueryTerm::Phrase(words) => (tokens(words), false),
    };
    if words.is_empty() {
        return Box::new(EmptyQuery);
    }
    let per_field: Vec<(Occur, Boxed)> = fields
        .iter()
        .map(|field| {
            let terms: Vec<Term> = words
                .iter()
                .map(|w| Term::from_field_text(*field, w))
                .collect();
            let q: Boxed = match (terms.len(), prefix) {
                (1, false) => Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                )),
                (1, true) => Box::new(FuzzyTermQuery::new_prefix(terms[0].clone(), 0, false)),
                // Several words (a phrase): in this order.
                _ => Box::new(PhraseQuery::new(terms)),
            };
            (Occur::Should, q)
        })
        .collect();
    Box::new(BooleanQuery::new(per_field))
}

fn exact(field: Field, value: &str) -> Boxed {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn filter_query(f: &Fields, filter: &IndexFilter, customer: bool) -> Boxed {
    let nobody = |v: Option<String>| v.unwrap_or_else(|| NOBODY.to_owned());
    match &filter.condition {
        IndexCondition::Status(s) => exact(f.status, s.as_str()),
        IndexCondition::Priority(p) => exact(f.priority, p.as_str()),
        IndexCondition::Type(t) => exact(f.kind, t.as_str()),
        IndexCondition::Channel(c) => exact(f.channel, c.as_str()),
        IndexCondition::Assignee(a) => exact(f.assignee, &nobody(a.map(|a| a.to_string()))),
        IndexCondition::Requester(r) => exact(f.requester, &r.to_string()),
        IndexCondition::Team(t) => exact(f.team, &nobody(t.map(|t| t.to_string()))),
        IndexCondition::Tag(tag) => exact(f.tag, tag),
        // Customers see the files of public parts only.
        IndexCondition::HasAttachment if customer => exact(f.has, PUBLIC_ATTACHMENT),
        IndexCondition::HasAttachment => exact(f.has, "attachment"),
        IndexCondition::Number(n) => Box::new(TermQuery::new(
            Term::from_field_u64(f.number, *n),
            IndexRecordOption::Basic,
        )),
        IndexCondition::Field { key, value } => exact(f.field, &field_value(key, value)),
        IndexCondition::Date { field, after, at } => {
            let field = match field {
                DateField::Created => f.created,
                // Customers' clock is the public one.
                DateField::Updated if customer => f.public_updated,
                DateField::Updated => f.updated,
                DateField::Solved => f.solved,
            };
            let bound: DateTime = date(*at);
            // At the index's precision (seconds), as the values are.
            let term = Term::from_field_date_for_search(field, bound);
            let (lower, upper) = if *after {
                (Bound::Excluded(term), Bound::Unbounded)
            } else {
                (Bound::Unbounded, Bound::Excluded(term))
            };
            Box::new(RangeQuery::new(lower, upper))
        }
    }
}

/// Which tickets a customer may read: theirs, those their address is
/// copied on, their organisation's when it shares; not those that came by
/// mail while their address is unproven.
fn scope_query(f: &Fields, scope: &Scope) -> Option<Vec<(Occur, Boxed)>> {
    let Scope::Customer {
        user,
        address,
        organization,
        mail,
    } = scope
    else {
        return None;
    };
    let mut theirs: Vec<(Occur, Boxed)> =
        vec![(Occur::Should, exact(f.requester, &user.to_string()))];
    if let Some(address) = address {
        theirs.push((Occur::Should, exact(f.cc, address)));
    }
    if let Some(org) = organization {
        theirs.push((Occur::Should, exact(f.organization, &org.to_string())));
    }
    let mut clauses: Vec<(Occur, Boxed)> = vec![(Occur::Must, Box::new(BooleanQuery::new(theirs)))];
    if !mail {
        clauses.push((Occur::MustNot, exact(f.channel, "email")));
    }
    Some(clauses)
}

/// The whole query.
pub fn build(f: &Fields, q: &IndexQuery) -> BooleanQuery {
    let fields = text_fields(f, &q.scope);
    let mut clauses: Vec<(Occur, Boxed)> = vec![(Occur::Must, Box::new(AllQuery))];
    for clause in &q.text {
        let any: Vec<(Occur, Boxed)> = clause
            .any
            .iter()
            .map(|t| (Occur::Should, term_query(t, &fields)))
            .collect();
        if !any.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
    }
    for term in &q.excluded {
        clauses.push((Occur::MustNot, term_query(term, &fields)));
    }
    for filter in &q.filters {
        let occur = if filter.negated {
            Occur::MustNot
        } else {
            Occur::Must
        };
        let customer = matches!(q.scope, Scope::Customer { .. });
        clauses.push((occur, filter_query(f, filter, customer)));
    }
    clauses.extend(scope_query(f, &q.scope).unwrap_or_default());
    BooleanQuery::new(clauses)
}

/// The text part alone (for snippets), if the query has one.
pub fn text_only(f: &Fields, q: &IndexQuery) -> Option<Boxed> {
    if q.text.is_empty() {
        return None;
    }
    let fields = text_fields(f, &q.scope);
    // A prefix lists no terms to highlight: its word is highlighted
    // where it stands whole.
    let clauses: Vec<(Occur, Boxed)> = q
        .text
        .iter()
        .flat_map(|c| c.any.iter())
        .map(|t| match t {
            QueryTerm::Word { text, prefix: true } => QueryTerm::Word {
                text: text.clone(),
                prefix: false,
            },
            other => other.clone(),
        })
        .map(|t| (Occur::Should, term_query(&t, &fields)))
        .collect();
    if clauses.is_empty() {
        return None;
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}
