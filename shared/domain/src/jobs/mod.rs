//! Background jobs: work a request starts and a worker finishes (a
//! person's export, an erasure), with progress a caller can follow. A
//! job is one item; writing it starts the work (the jobs worker reads new
//! job items from the table's stream), so a job is never lost between a
//! request and a queue.

pub mod job;
pub mod ports;
