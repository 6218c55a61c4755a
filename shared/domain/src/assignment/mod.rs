//! Assignment: agents' availability, skills and load, each team's way of
//! handing out its tickets, and the assigner that gives a ticket to an
//! agent with room for it (or leaves it in the team's queue, oldest first,
//! until room frees).

pub mod agent;
pub mod assigner;
pub mod choose;
pub mod events;
pub mod ports;
pub mod settings;
pub mod team;
