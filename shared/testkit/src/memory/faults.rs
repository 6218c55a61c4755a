//! Injected failures and the call log.

use std::collections::{BTreeMap, VecDeque};
use switchboard_domain::kernel::error::StoreResult;

use switchboard_domain::StoreError;

#[derive(Default)]
pub(super) struct Faults {
    /// Failures for the next calls, whatever they are.
    pub next: VecDeque<StoreError>,
    /// Failures for the next calls of one named method.
    pub by_operation: BTreeMap<String, VecDeque<StoreError>>,
    /// An outage: every call fails.
    pub down: bool,
    pub calls: Vec<String>,
}

impl Faults {
    pub fn enter(&mut self, operation: &'static str) -> StoreResult<()> {
        self.calls.push(operation.to_owned());
        if self.down {
            return Err(StoreError::Unavailable(format!(
                "injected outage ({operation})"
            )));
        }
        if let Some(e) = self
            .by_operation
            .get_mut(operation)
            .and_then(VecDeque::pop_front)
        {
            return Err(e);
        }
        match self.next.pop_front() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
