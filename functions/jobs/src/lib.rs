//! The `jobs` function: the table's stream, new job items only (by the
//! mapping's filter), each job run to its end. A job that cannot run yet
//! (its erasure not written yet) or whose storage failed is reported as a
//! batch item failure, and the mapping delivers it again; the work is safe
//! to repeat and each job counts its attempts.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use switchboard_aws::items::JobItem;
use switchboard_domain::attachments::ports::ObjectStore;
use switchboard_domain::privacy::ports::{ExportFiles, MailArchive};
use switchboard_domain::privacy::runner::{JobRunner, Ran};
use tracing::{error, info, warn};

/// Runs the job of every record, one after another (a job is long, and
/// one function instance runs one at a time).
pub async fn handle<O: ObjectStore, F: ExportFiles, A: MailArchive>(
    runner: &JobRunner<switchboard_aws::DynamoStore, O, F, A>,
    batch: Event,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for (i, record) in batch.records.iter().enumerate() {
        if !run_one(runner, record).await {
            // The mapping retries from the first failure: report it and
            // every record after it.
            for later in &batch.records[i..] {
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = later.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
            }
            break;
        }
    }
    response
}

/// `false` when the record is to be delivered again.
async fn run_one<O: ObjectStore, F: ExportFiles, A: MailArchive>(
    runner: &JobRunner<switchboard_aws::DynamoStore, O, F, A>,
    record: &EventRecord,
) -> bool {
    let item: JobItem = match serde_dynamo::from_item(record.change.new_image.clone()) {
        Ok(item) => item,
        Err(e) => {
            // Not a job: another try reads the same.
            error!(error = %e, "unreadable job record; skipped");
            return true;
        }
    };
    match runner.run(item.tenant_id, item.id).await {
        Ok(ran) => {
            match &ran {
                Ran::Failed(reason) => {
                    warn!(job_id = %item.id, tenant_id = %item.tenant_id, kind = item.work.name(), reason = %reason, "job failed")
                }
                _ => {
                    info!(job_id = %item.id, tenant_id = %item.tenant_id, kind = item.work.name(), outcome = ?ran, "job ran")
                }
            }
            true
        }
        Err(e) => {
            warn!(job_id = %item.id, tenant_id = %item.tenant_id, error = %e, "job cannot run yet; will retry");
            false
        }
    }
}
