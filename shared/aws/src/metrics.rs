//! A counting layer for the DynamoDB client: every request's operation, the
//! capacity DynamoDB reports for it, and when it ran. Used by benchmarks to
//! record what each API operation costs; not installed in the functions.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::{
    batch_get_item, batch_write_item, delete_item, get_item, put_item, query, transact_write_items,
    update_item,
};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// One request as counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub operation: &'static str,
    /// Capacity units as reported; `None` when the service reported none.
    pub read_units: Option<f64>,
    pub write_units: Option<f64>,
    /// From before the request was serialised to after the response was
    /// read: the time the operation spent in the SDK and the service.
    pub started: Instant,
    pub elapsed: Duration,
}

/// How long a set of calls kept the caller waiting: the union of their
/// intervals, so that concurrent calls are not counted twice.
pub fn time_waiting(calls: &[Call]) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = calls
        .iter()
        .map(|c| (c.started, c.started + c.elapsed))
        .collect();
    spans.sort_by_key(|s| s.0);
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        match current {
            Some((s, e)) if start <= e => current = Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                current = Some((start, end));
            }
            None => current = Some((start, end)),
        }
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total
}

/// When the operation in flight started (kept in its config bag).
#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// The requests seen since the last [`CallLog::take`].
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<Call>>>);

impl CallLog {
    pub fn take(&self) -> Vec<Call> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    fn push(&self, call: Call) {
        if let Ok(mut v) = self.0.lock() {
            v.push(call);
        }
    }
}

/// Asks DynamoDB to report consumed capacity on every request that can, and
/// records each request in a [`CallLog`].
#[derive(Debug)]
pub struct Counting {
    log: CallLog,
}

impl Counting {
    pub fn new(log: CallLog) -> Self {
        Self { log }
    }
}

macro_rules! each_operation {
    ($m:ident) => {
        $m!(get_item, GetItemInput, GetItemOutput, "GetItem");
        $m!(put_item, PutItemInput, PutItemOutput, "PutItem");
        $m!(update_item, UpdateItemInput, UpdateItemOutput, "UpdateItem");
        $m!(delete_item, DeleteItemInput, DeleteItemOutput, "DeleteItem");
        $m!(query, QueryInput, QueryOutput, "Query");
        $m!(
            batch_get_item,
            BatchGetItemInput,
            BatchGetItemOutput,
            "BatchGetItem"
        );
        $m!(
            batch_write_item,
            BatchWriteItemInput,
            BatchWriteItemOutput,
            "BatchWriteItem"
        );
        $m!(
            transact_write_items,
            TransactWriteItemsInput,
            TransactWriteItemsOutput,
            "TransactWriteItems"
        );
    };
}

/// Capacity totals of one or many `ConsumedCapacity` entries.
trait Units {
    fn units(&self) -> (Option<f64>, Option<f64>);
}

impl Units for Option<ConsumedCapacity> {
    fn units(&self) -> (Option<f64>, Option<f64>) {
        match self {
            None => (None, None),
            Some(c) => split(c),
        }
    }
}

impl Units for Option<Vec<ConsumedCapacity>> {
    fn units(&self) -> (Option<f64>, Option<f64>) {
        match self.as_deref() {
            None | Some([]) => (None, None),
            Some(all) => all
                .iter()
                .map(split)
                .fold((None, None), |(r, w), (r2, w2)| (add(r, r2), add(w, w2))),
        }
    }
}

fn add(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

/// Reads and writes of one entry. DynamoDB reports either the split or only
/// a total; a total is attributed by the kind of operation later.
fn split(c: &ConsumedCapacity) -> (Option<f64>, Option<f64>) {
    match (c.read_capacity_units, c.write_capacity_units) {
        (None, None) => (c.capacity_units, None),
        (r, w) => (r, w),
    }
}

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "Counting"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        let input = context.input_mut();
        macro_rules! ask {
            ($module:ident, $input:ident, $output:ident, $name:literal) => {
                if let Some(i) = input.downcast_mut::<$module::$input>() {
                    i.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                }
            };
        }
        each_operation!(ask);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let started = cfg.load::<Started>().map_or_else(Instant::now, |s| s.0);
        macro_rules! record {
            ($module:ident, $input:ident, $output:ident, $name:literal) => {
                if let Some(o) = output.downcast_ref::<$module::$output>() {
                    let (read, write) = o.consumed_capacity.units();
                    let writes = matches!(
                        $name,
                        "PutItem"
                            | "UpdateItem"
                            | "DeleteItem"
                            | "BatchWriteItem"
                            | "TransactWriteItems"
                    );
                    let (read_units, write_units) = if writes && write.is_none() {
                        (None, read)
                    } else {
                        (read, write)
                    };
                    self.log.push(Call {
                        operation: $name,
                        read_units,
                        write_units,
                        started,
                        elapsed: started.elapsed(),
                    });
                    return Ok(());
                }
            };
        }
        each_operation!(record);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(at: Instant, from_ms: u64, ms: u64) -> Call {
        Call {
            operation: "GetItem",
            read_units: None,
            write_units: None,
            started: at + Duration::from_millis(from_ms),
            elapsed: Duration::from_millis(ms),
        }
    }

    #[test]
    fn waiting_counts_overlapping_calls_once() {
        let t = Instant::now();
        assert_eq!(time_waiting(&[]), Duration::ZERO);
        // 0–10 and 5–15 overlap (15 ms), 20–25 stands apart (5 ms).
        let calls = [call(t, 20, 5), call(t, 0, 10), call(t, 5, 10)];
        assert_eq!(time_waiting(&calls), Duration::from_millis(20));
        // A call inside another adds nothing.
        let calls = [call(t, 0, 30), call(t, 10, 5)];
        assert_eq!(time_waiting(&calls), Duration::from_millis(30));
    }
}
