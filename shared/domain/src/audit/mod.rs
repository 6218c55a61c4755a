//! The audit log: what owners and admins read of the trail the stores
//! write with every administrative and security-relevant change (entries
//! themselves are the kernel's [`crate::kernel::audit::AuditEntry`]).

pub mod log;
pub mod ports;
