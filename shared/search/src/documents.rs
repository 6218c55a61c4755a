//! A ticket's document as the index stores it.

use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::search::document::TicketDocument;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DateTime, IndexWriter, Searcher, TantivyDocument, Term};

use crate::engine;
use crate::schema::{Fields, NOBODY};

pub fn id_term(f: &Fields, id: TicketId) -> Term {
    Term::from_field_text(f.id, &id.to_string())
}

pub fn date(at: jiff::Timestamp) -> DateTime {
    DateTime::from_timestamp_micros(at.as_microsecond())
}

/// The version of the ticket's document in the index, if it has one.
pub fn indexed_version(searcher: &Searcher, f: &Fields, id: TicketId) -> StoreResult<Option<u64>> {
    let query = TermQuery::new(id_term(f, id), IndexRecordOption::Basic);
    let found = searcher
        .search(&query, &TopDocs::with_limit(1).order_by_score())
        .map_err(engine)?;
    let Some((_, address)) = found.first() else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(*address).map_err(engine)?;
    Ok(doc.get_first(f.version).and_then(|v| v.as_u64()))
}

fn or_nobody<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| NOBODY.to_owned(), |v| v.to_string())
}

pub fn write(f: &Fields, d: &TicketDocument) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, d.ticket_id.to_string());
    doc.add_u64(f.number, d.number);
    doc.add_u64(f.version, d.version);
    doc.add_text(f.subject, &d.subject);
    for (_, body) in &d.public {
        doc.add_text(f.public, body);
    }
    for (_, body) in &d.internal {
        doc.add_text(f.internal, body);
    }
    doc.add_text(f.status, d.status.as_str());
    doc.add_text(f.priority, d.priority.as_str());
    doc.add_text(f.kind, d.kind.as_str());
    doc.add_text(f.channel, d.channel.as_str());
    doc.add_text(f.requester, d.requester_id.to_string());
    doc.add_text(f.assignee, or_nobody(d.assignee_id));
    doc.add_text(f.team, or_nobody(d.team_id));
    doc.add_text(f.organization, or_nobody(d.organization_id));
    for address in &d.cc {
        doc.add_text(f.cc, address);
    }
    for tag in &d.tags {
        doc.add_text(f.tag, tag);
    }
    for (key, value) in &d.fields {
        doc.add_text(f.field, field_value(key, value));
    }
    if d.has_attachment {
        doc.add_text(f.has, "attachment");
    }
    if d.has_public_attachment {
        doc.add_text(f.has, PUBLIC_ATTACHMENT);
    }
    doc.add_date(f.created, date(d.created_at));
    doc.add_date(f.updated, date(d.updated_at));
    doc.add_date(f.public_updated, date(d.public_updated_at));
    if let Some(solved) = d.solved_at {
        doc.add_date(f.solved, date(solved));
    }
    doc
}

/// A custom field's indexed form: the key, then the value lower-cased
/// (filters match it case aside).
pub fn field_value(key: &str, value: &str) -> String {
    format!("{key}={}", value.to_lowercase())
}

/// Adds or replaces `documents` (a document older than the one indexed is
/// left out); the caller commits.
pub fn apply(
    writer: &mut IndexWriter,
    searcher: &Searcher,
    f: &Fields,
    documents: &[TicketDocument],
) -> StoreResult<()> {
    for document in documents {
        let indexed = indexed_version(searcher, f, document.ticket_id)?;
        if indexed.is_some_and(|v| v > document.version) {
            continue;
        }
        writer.delete_term(id_term(f, document.ticket_id));
        writer.add_document(write(f, document)).map_err(engine)?;
    }
    Ok(())
}

/// What `has` holds for a ticket with files on its public parts.
pub const PUBLIC_ATTACHMENT: &str = "public_attachment";
