//! Found tickets as both a search and a saved view answer them, and the
//! paging they share (an offset cursor: results are capped at 1,000, so
//! an offset is as good as a key).

use std::collections::BTreeMap;

use serde::Serialize;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::validation::Validator;
use switchboard_domain::search::service::SearchResults;
use switchboard_http::views::TicketView;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoundView {
    ticket: TicketView,
    /// Relevance (0 when sorted by a date, and for customers).
    score: f32,
    highlights: HighlightsView,
}

/// HTML-escaped text with the matched words in `<em>`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HighlightsView {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    /// A passage of the conversation (for customers: its public part).
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchResultsView {
    items: Vec<FoundView>,
    next_cursor: Option<String>,
    /// Every match (at most 1,000 are paged through).
    total: usize,
    counts: CountsView,
}

/// Every match counted by a field, for the filters beside a result list.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CountsView {
    /// By status (`new`, `open`, …; statuses with no match are left out).
    status: BTreeMap<&'static str, usize>,
}

impl SearchResultsView {
    pub(crate) fn new(results: &SearchResults, staff: bool) -> Self {
        Self {
            items: results
                .items
                .iter()
                .map(|f| FoundView {
                    ticket: TicketView::new(&f.ticket, staff),
                    score: f.score,
                    highlights: HighlightsView {
                        subject: f.subject.clone(),
                        text: f.snippet.clone(),
                    },
                })
                .collect(),
            next_cursor: results.next_offset.map(|n| format!("o{n}")),
            total: results.total,
            counts: CountsView {
                status: results
                    .by_status
                    .iter()
                    .map(|(status, n)| (status.as_str(), *n))
                    .collect(),
            },
        }
    }
}

/// `limit` (1 to 100, 25 by default) and `cursor` as (offset, limit);
/// a bad limit is noted in `v`.
pub(crate) fn paging(
    limit: Option<i64>,
    cursor: Option<&str>,
    v: &mut Validator,
) -> Result<(usize, usize), DomainError> {
    let limit = match limit {
        None => 25,
        Some(n @ 1..=100) => n as usize,
        Some(_) => {
            v.push(FieldError::new("limit", "invalid_value", "1 to 100"));
            25
        }
    };
    let offset = match cursor {
        None => 0,
        Some(c) => c
            .strip_prefix("o")
            .and_then(|n| n.parse().ok())
            .ok_or(DomainError::InvalidCursor)?,
    };
    Ok((offset, limit))
}
