//! The events assignment emits: one payload struct per event type.

use serde::{Deserialize, Serialize};

use crate::assignment::agent::Availability;
use crate::assignment::team::TeamAssignment;
use crate::kernel::events::{EventType, Payload};

/// `agent.availability_changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityChanged {
    pub availability: Availability,
}

impl Payload for AvailabilityChanged {
    const TYPES: &'static [EventType] = &[EventType::AgentAvailabilityChanged];
}

/// `team.assignment_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentChanged {
    pub assignment: TeamAssignment,
}

impl Payload for AssignmentChanged {
    const TYPES: &'static [EventType] = &[EventType::TeamAssignmentChanged];
}
