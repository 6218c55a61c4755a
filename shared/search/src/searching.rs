//! Running a query on a tenant's index: ranked or ordered ids, the total,
//! and highlights from the text the query may reach.

use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::search::ports::{Hit, Hits, IndexQuery, Scope};
use switchboard_domain::search::query::SearchSort;
use switchboard_domain::tickets::ticket::Status;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Order, Searcher, TantivyDocument};

use crate::counting::StatusCounts;
use crate::schema::{self, Fields};
use crate::{engine, queries};

pub fn search(searcher: &Searcher, fields: &Fields, query: &IndexQuery) -> StoreResult<Hits> {
    let built = queries::build(fields, query);
    let page = TopDocs::with_limit(query.limit.max(1)).and_offset(query.offset);
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let (found, total, by_status): (Vec<(f32, tantivy::DocAddress)>, usize, _) = match query.sort {
        SearchSort::Relevance => searcher
            .search(&built, &(page.order_by_score(), Count, StatusCounts))
            .map_err(engine)?,
        SearchSort::Updated | SearchSort::Created => {
            let field = match (query.sort, &query.scope) {
                // Customers' clock is the public one.
                (SearchSort::Updated, Scope::Customer { .. }) => schema::PUBLIC_UPDATED,
                (SearchSort::Updated, _) => schema::UPDATED,
                _ => schema::CREATED,
            };
            let (docs, total, by_status) = searcher
                .search(
                    &built,
                    &(
                        page.order_by_fast_field::<DateTime>(field, order),
                        Count,
                        StatusCounts,
                    ),
                )
                .map_err(engine)?;
            (
                docs.into_iter().map(|(_, a)| (0.0, a)).collect(),
                total,
                by_status,
            )
        }
    };
    // Snippets from the text the query may reach: its text part only.
    let text = queries::text_only(fields, query);
    let generator = |field| -> StoreResult<Option<SnippetGenerator>> {
        match &text {
            Some(q) => SnippetGenerator::create(searcher, q.as_ref(), field)
                .map(Some)
                .map_err(engine),
            None => Ok(None),
        }
    };
    let subjects = generator(fields.subject)?;
    let mut passages = vec![generator(fields.public)?];
    if query.scope == Scope::Staff {
        passages.push(generator(fields.internal)?);
    }
    let mut hits = Vec::with_capacity(found.len());
    for (score, address) in found {
        let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
        let Some(ticket_id) = doc
            .get_first(fields.id)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<TicketId>().ok())
        else {
            continue;
        };
        // HTML-escaped text with the matches in `<em>`.
        let highlight = |g: &Option<SnippetGenerator>| {
            g.as_ref()
                .map(|g| g.snippet_from_doc(&doc))
                .filter(|s| !s.is_empty())
                .map(|mut s| {
                    s.set_snippet_prefix_postfix("<em>", "</em>");
                    s.to_html()
                })
        };
        hits.push(Hit {
            ticket_id,
            score,
            subject: highlight(&subjects),
            snippet: passages.iter().find_map(highlight),
        });
    }
    let by_status = by_status
        .iter()
        .filter_map(|(name, n)| Some((Status::parse(name).ok()?, *n)))
        .collect();
    Ok(Hits {
        hits,
        total,
        by_status,
    })
}

/// How many documents `query` matches (its page and order aside).
pub fn count(searcher: &Searcher, fields: &Fields, query: &IndexQuery) -> StoreResult<usize> {
    searcher
        .search(&queries::build(fields, query), &Count)
        .map_err(engine)
}
