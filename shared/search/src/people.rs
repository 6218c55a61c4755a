//! A tenant's people index: its fields, a person's document, and the
//! query that finds people by the start of any word of their name or
//! address (the address split as the default tokenizer splits it:
//! `ana.lima@acme.com` is `ana`, `lima`, `acme`, `com`).

use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::search::person::{PeopleHits, PeopleKind, PeopleQuery, PersonDocument};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument, Term};

use crate::engine;

#[derive(Clone, Copy)]
pub struct PeopleFields {
    pub id: Field,
    pub name: Field,
    pub email: Field,
    /// `staff` or `customer`.
    pub kind: Field,
    pub organization: Field,
    /// `active` or `inactive`.
    pub status: Field,
}

pub fn build() -> (Schema, PeopleFields) {
    let mut b = Schema::builder();
    let fields = PeopleFields {
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", TEXT),
        email: b.add_text_field("email", TEXT),
        kind: b.add_text_field("kind", STRING),
        organization: b.add_text_field("organization", STRING),
        status: b.add_text_field("status", STRING),
    };
    (b.build(), fields)
}

fn id_term(f: &PeopleFields, id: UserId) -> Term {
    Term::from_field_text(f.id, &id.to_string())
}

fn kind_of(staff: bool) -> &'static str {
    if staff { "staff" } else { "customer" }
}

/// Adds or replaces people's documents; the caller commits.
pub fn apply(writer: &mut IndexWriter, people: &[PersonDocument]) -> StoreResult<()> {
    let (_, f) = build();
    for person in people {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, person.user_id.to_string());
        doc.add_text(f.name, &person.name);
        doc.add_text(f.email, &person.email);
        doc.add_text(f.kind, kind_of(person.staff));
        if let Some(org) = person.organization_id {
            doc.add_text(f.organization, org.to_string());
        }
        doc.add_text(f.status, if person.active { "active" } else { "inactive" });
        writer.delete_term(id_term(&f, person.user_id));
        writer.add_document(doc).map_err(engine)?;
    }
    Ok(())
}

pub fn remove(writer: &mut IndexWriter, people: &[UserId]) {
    let (_, f) = build();
    for id in people {
        writer.delete_term(id_term(&f, *id));
    }
}

/// The words of `text` as the index split names and addresses.
fn words(index: &Index, field: Field, text: &str) -> StoreResult<Vec<String>> {
    let mut analyzer: TextAnalyzer = index.tokenizer_for_field(field).map_err(engine)?;
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while stream.advance() {
        words.push(stream.token().text.clone());
    }
    Ok(words)
}

fn exact(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Every word must start a word of the name or the address; a whole-word
/// match ranks above a prefix.
fn build_query(index: &Index, f: &PeopleFields, q: &PeopleQuery) -> StoreResult<BooleanQuery> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in words(index, f.name, &q.text)? {
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for field in [f.name, f.email] {
            let term = Term::from_field_text(field, &word);
            any.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    2.0,
                )),
            ));
            any.push((
                Occur::Should,
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
            ));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    }
    if clauses.is_empty() {
        // Only punctuation: nothing to look for.
        return Ok(BooleanQuery::new(vec![(
            Occur::Must,
            exact(f.id, "nobody"),
        )]));
    }
    match q.kind {
        Some(PeopleKind::Staff) => clauses.push((Occur::Must, exact(f.kind, "staff"))),
        Some(PeopleKind::Customers) => clauses.push((Occur::Must, exact(f.kind, "customer"))),
        None => {}
    }
    if let Some(org) = q.organization_id {
        clauses.push((Occur::Must, exact(f.organization, &org.to_string())));
    }
    if !q.inactive {
        clauses.push((Occur::Must, exact(f.status, "active")));
    }
    Ok(BooleanQuery::new(clauses))
}

pub fn search(index: &Index, searcher: &Searcher, q: &PeopleQuery) -> StoreResult<PeopleHits> {
    let (_, f) = build();
    let query = build_query(index, &f, q)?;
    let page = TopDocs::with_limit(q.limit.max(1))
        .and_offset(q.offset)
        .order_by_score();
    let (found, total) = searcher.search(&query, &(page, Count)).map_err(engine)?;
    let mut ids = Vec::with_capacity(found.len());
    for (_, address) in found {
        let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
        if let Some(id) = doc
            .get_first(f.id)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<UserId>().ok())
        {
            ids.push(id);
        }
    }
    Ok(PeopleHits { ids, total })
}
