//! How many of a query's matches are in each status: a collector that
//! reads the status column of every match (not only the page's), for the
//! counts a result list shows beside its filters.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::STATUS;

/// Matches per status (its name as stored).
pub struct StatusCounts;

pub struct SegmentStatusCounts {
    column: Option<StrColumn>,
    /// Matches per term ordinal of this segment's column.
    by_ord: Vec<usize>,
}

impl Collector for StatusCounts {
    type Fruit = BTreeMap<String, usize>;
    type Child = SegmentStatusCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentStatusCounts> {
        let column = reader.fast_fields().str(STATUS)?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentStatusCounts {
            column,
            by_ord: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        segments: Vec<BTreeMap<String, usize>>,
    ) -> tantivy::Result<BTreeMap<String, usize>> {
        let mut total = BTreeMap::new();
        for segment in segments {
            for (status, n) in segment {
                *total.entry(status).or_default() += n;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentStatusCounts {
    type Fruit = BTreeMap<String, usize>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                if let Some(n) = usize::try_from(ord)
                    .ok()
                    .and_then(|i| self.by_ord.get_mut(i))
                {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        let Some(column) = &self.column else {
            return counts;
        };
        let mut name = String::new();
        for (ord, n) in self.by_ord.iter().enumerate() {
            if *n > 0 && matches!(column.ord_to_str(ord as u64, &mut name), Ok(true)) {
                counts.insert(name.clone(), *n);
            }
        }
        counts
    }
}
