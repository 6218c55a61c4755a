//! Choosing an agent for a ticket: who may take it, in the order to try.
//! Pure; the assigner then claims a place with a conditional write.

use std::collections::BTreeSet;

use crate::assignment::agent::{Agent, Availability, Skill};
use crate::assignment::team::{Strategy, TeamAssignment};
use crate::kernel::ids::UserId;

/// The team's members who may take a ticket requiring `skills`, best
/// first: available (when the team asks), skilled (when it asks), below
/// the cap; then the least loaded (`least_busy`) or the longest without a
/// ticket (`round_robin`), the user id breaking ties.
pub fn candidates(
    settings: &TeamAssignment,
    members: &BTreeSet<UserId>,
    agents: &[Agent],
    skills: &BTreeSet<Skill>,
) -> Vec<UserId> {
    let mut fit: Vec<&Agent> = agents
        .iter()
        .filter(|a| members.contains(&a.user_id))
        .filter(|a| !settings.only_available || a.availability == Availability::Online)
        .filter(|a| !settings.require_skills || skills.is_subset(&a.skills))
        .filter(|a| {
            settings
                .max_open_per_agent
                .is_none_or(|cap| a.open < i64::from(cap))
        })
        .collect();
    match settings.strategy {
        Strategy::Manual => return Vec::new(),
        Strategy::LeastBusy => {
            fit.sort_by_key(|a| (a.open, a.last_assigned_at, a.user_id));
        }
        Strategy::RoundRobin => {
            fit.sort_by_key(|a| (a.last_assigned_at, a.user_id));
        }
    }
    fit.into_iter().map(|a| a.user_id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn agent(open: i64, last: Option<i64>, online: bool, skills: &[&str]) -> Agent {
        Agent {
            user_id: UserId::new(),
            availability: if online {
                Availability::Online
            } else {
                Availability::Offline
            },
            skills: skills.iter().filter_map(|s| Skill::parse(s).ok()).collect(),
            open,
            last_assigned_at: last.and_then(|s| Timestamp::from_second(s).ok()),
        }
    }

    fn settings(strategy: Strategy) -> TeamAssignment {
        TeamAssignment {
            strategy,
            max_open_per_agent: Some(3),
            only_available: true,
            require_skills: true,
        }
    }

    fn members(agents: &[Agent]) -> BTreeSet<UserId> {
        agents.iter().map(|a| a.user_id).collect()
    }

    #[test]
    fn least_busy_takes_the_lightest_load_then_the_longest_wait() {
        let agents = [
            agent(2, Some(10), true, &[]),
            agent(1, Some(50), true, &[]),
            agent(1, Some(20), true, &[]),
            agent(0, None, false, &[]),
            agent(3, None, true, &[]),
        ];
        let order = candidates(
            &settings(Strategy::LeastBusy),
            &members(&agents),
            &agents,
            &BTreeSet::new(),
        );
        assert_eq!(
            order,
            [agents[2].user_id, agents[1].user_id, agents[0].user_id],
            "offline and full agents are left out"
        );
    }

    #[test]
    fn round_robin_is_fair_over_a_run() {
        let mut agents = vec![
            agent(0, None, true, &[]),
            agent(0, None, true, &[]),
            agent(0, None, true, &[]),
        ];
        let members = members(&agents);
        let team = TeamAssignment {
            max_open_per_agent: None,
            ..settings(Strategy::RoundRobin)
        };
        let mut given = std::collections::BTreeMap::<UserId, u32>::new();
        for second in 0..30 {
            let first = candidates(&team, &members, &agents, &BTreeSet::new())[0];
            *given.entry(first).or_default() += 1;
            if let Some(a) = agents.iter_mut().find(|a| a.user_id == first) {
                a.open += 1;
                a.last_assigned_at = Timestamp::from_second(second).ok();
            }
        }
        assert_eq!(given.values().copied().collect::<Vec<_>>(), [10, 10, 10]);
    }

    #[test]
    fn skills_and_membership_must_match() {
        let agents = [
            agent(0, None, true, &["billing"]),
            agent(0, None, true, &["billing", "es"]),
            agent(0, None, true, &["billing", "es"]),
        ];
        let only_first_two: BTreeSet<UserId> = [agents[0].user_id, agents[1].user_id].into();
        let needs: BTreeSet<Skill> = ["es", "billing"]
            .iter()
            .filter_map(|s| Skill::parse(s).ok())
            .collect();
        let order = candidates(
            &settings(Strategy::LeastBusy),
            &only_first_two,
            &agents,
            &needs,
        );
        assert_eq!(order, [agents[1].user_id]);
        let manual = candidates(
            &settings(Strategy::Manual),
            &only_first_two,
            &agents,
            &BTreeSet::new(),
        );
        assert!(manual.is_empty());
    }
}
