//! Skills-based routing on a scenario's rules: routes with overflow after a delay, agent
//! selection (longest idle, random, best match, fewest skills), contact selection (priority
//! with aging and credits, longest wait, weighted), all read from the compiled scenario.
//!
//! A contact of type `t` that has waited `w` in its queue may go to the groups of its route
//! whose `after <= w`. Among those the *first tier* (step of the route) with an idle agent is
//! preferred; within it the agent selection decides. A free agent considers, among the types
//! its group serves, the oldest contact of each whose wait has reached the group's `after`,
//! and takes one by the contact selection. Waits are compared as absolute times
//! (`queued + after <= now`), so a re-offer scheduled at `queued + after` finds the step open.

use super::{RoutingPolicy, View};
use crate::engine::event::AgentId;
use crate::rng::{self, Rng, Source, StreamId};
use crate::scenario::{AgentSelection, Channel, ContactSelection, GroupId, Scenario, TypeId};
use crate::stats::ContactInfo;
use rand::Rng as _;

/// A group a type may go to, with what orders it among the type's groups.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    group: GroupId,
    /// Seconds of waiting after which the group may take the contact.
    after: f64,
    tier: u16,
    /// Lower first within a tier: `−score` for best match, the number of types the group
    /// serves for fewest skills, 0 otherwise.
    rank: f64,
    /// Whether the group's agents hold several chat sessions (then the least loaded is
    /// chosen, as [`super::LongestIdleFifo`] does).
    sessions: bool,
}

/// What orders a type's oldest contact against the others' for a free agent.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TypeRank {
    /// Email: taken only when no live contact waits.
    deferrable: bool,
    /// Priority class.
    class: f64,
    /// Classes gained per second waited.
    aging: f64,
    /// Queue credit, seconds.
    credit: f64,
    /// Weight under weighted selection.
    weight: f64,
}

/// The built-in routing on a scenario's `[routing]` rules, routes and aging. With the default
/// rules and one tier it decides exactly as [`super::LongestIdleFifo`] (test
/// `routing::the_skills_policy_on_default_rules_matches_longest_idle_fifo_bit_for_bit`).
#[derive(Debug, Clone)]
pub struct SkillsRouting {
    agent_selection: AgentSelection,
    contact_selection: ContactSelection,
    /// By type: the groups of its route, sorted by (tier, rank).
    candidates: Vec<Vec<Candidate>>,
    /// By group, aligned with the group's `serves`: the wait after which it may take each type.
    after: Vec<Vec<f64>>,
    /// By type: what orders its contacts for a free agent.
    types: Vec<TypeRank>,
    seed: u64,
    rng: Rng,
}

impl SkillsRouting {
    /// The routing on `sc`'s rules.
    pub fn new(sc: &Scenario) -> Self {
        let rules = &sc.routing;
        let candidates = sc
            .contact_types
            .iter()
            .enumerate()
            .map(|(t, ct)| {
                let steps: Vec<(GroupId, f64, u16)> = if ct.route.is_empty() {
                    ct.served_by.iter().map(|g| (*g, 0.0, 0)).collect()
                } else {
                    ct.route.iter().map(|s| (s.group, s.after, s.tier)).collect()
                };
                let mut list: Vec<Candidate> = steps
                    .into_iter()
                    .map(|(group, after, tier)| {
                        let g = &sc.agent_groups[group.index()];
                        let rank = match rules.agent_selection {
                            AgentSelection::BestMatch => -g.proficiency_on(TypeId(t as u16)).score(),
                            AgentSelection::FewestSkills => g.serves.len() as f64,
                            _ => 0.0,
                        };
                        Candidate {
                            group,
                            after,
                            tier,
                            rank,
                            sessions: g.sessions > 1,
                        }
                    })
                    .collect();
                // Stable: within a tier and rank, the scenario's order of groups stays.
                list.sort_by(|a, b| (a.tier, a.rank).partial_cmp(&(b.tier, b.rank)).expect("finite ranks"));
                list
            })
            .collect();
        let after = sc
            .agent_groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                group
                    .serves
                    .iter()
                    .map(|t| {
                        sc.contact_types[t.index()]
                            .route
                            .iter()
                            .find(|s| s.group.index() == g)
                            .map_or(0.0, |s| s.after)
                    })
                    .collect()
            })
            .collect();
        let types = sc
            .contact_types
            .iter()
            .enumerate()
            .map(|(t, ct)| TypeRank {
                deferrable: ct.channel == Channel::Email,
                class: f64::from(ct.priority),
                aging: ct.priority_aging,
                credit: ct.queue_credit,
                weight: rules.weights.get(t).copied().unwrap_or(1.0),
            })
            .collect();
        Self {
            agent_selection: rules.agent_selection,
            contact_selection: rules.contact_selection,
            candidates,
            after,
            types,
            seed: sc.seed,
            rng: rng::stream(sc.seed, 0, StreamId::new(Source::Routing, 0)),
        }
    }

    /// The idle agent a contact of type `ty` that joined its queue at `queued` (`None`: not
    /// queued yet, no wait) may go to now, by the agent selection.
    fn pick(&mut self, view: &View<'_>, ty: TypeId, queued: Option<f64>) -> Option<AgentId> {
        let now = view.now();
        let open = |after: f64| match queued {
            Some(q) => q + after <= now,
            None => after <= 0.0,
        };
        let list = &self.candidates[ty.index()];
        // The first tier that is open and has an idle agent.
        let first = list
            .iter()
            .position(|c| open(c.after) && view.idle_count(c.group) > 0)?;
        let tier = list[first].tier;
        let tier_list = list[first..]
            .iter()
            .take_while(|c| c.tier == tier)
            .filter(|c| open(c.after));
        match self.agent_selection {
            AgentSelection::Random => {
                let total: u32 = tier_list.clone().map(|c| view.idle_count(c.group)).sum();
                let mut k = self.rng.random_range(0..total);
                for c in tier_list {
                    let n = view.idle_count(c.group);
                    if k < n {
                        return view.idle_agents(c.group).nth(k as usize).map(|(a, _)| a);
                    }
                    k -= n;
                }
                None
            }
            AgentSelection::RandomGroup => {
                let with_idle = tier_list.clone().filter(|c| view.idle_count(c.group) > 0);
                let k = self.rng.random_range(0..with_idle.clone().count());
                let c = with_idle.clone().nth(k)?;
                Self::longest_idle_of(view, c).map(|(a, _)| a)
            }
            AgentSelection::LongestIdle | AgentSelection::BestMatch | AgentSelection::FewestSkills => {
                let mut best: Option<(f64, f64, AgentId)> = None;
                for c in tier_list {
                    if best.is_some_and(|(rank, ..)| c.rank > rank) {
                        break; // sorted by rank: the rest rank lower
                    }
                    if let Some((a, since)) = Self::longest_idle_of(view, c)
                        && best.is_none_or(|(rank, b, _)| (c.rank, since) < (rank, b))
                    {
                        best = Some((c.rank, since, a));
                    }
                }
                best.map(|(.., a)| a)
            }
        }
    }

    /// The group's agent idle longest (the least loaded for chat agents), with when.
    #[inline]
    fn longest_idle_of(view: &View<'_>, c: &Candidate) -> Option<(AgentId, f64)> {
        if c.sessions {
            view.least_loaded(c.group)
        } else {
            view.longest_idle(c.group)
        }
    }
}

impl RoutingPolicy for SkillsRouting {
    fn on_start(&mut self, replication: u32) {
        self.rng = rng::stream(self.seed, u64::from(replication), StreamId::new(Source::Routing, 0));
    }

    #[inline(never)] // kept out of the default policy's inlined path
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, _arrival: f64) -> Option<AgentId> {
        self.pick(view, ty, None)
    }

    #[inline(never)] // kept out of the default policy's inlined path
    fn select_agent_for(&mut self, view: &View<'_>, contact: &ContactInfo) -> Option<AgentId> {
        let queued = view.queued_since(contact.key);
        self.pick(view, contact.ty, queued)
    }

    /// Among the types the agent's group serves whose oldest contact has waited long enough
    /// for the group, email last: by class with aging, then the earliest join less the
    /// credit (`priority`); the earliest join (`longest_wait`); the largest weight × wait
    /// (`weighted`). Ties: the type listed first in the group's `serves`.
    #[inline(never)] // kept out of the default policy's inlined path
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        let now = view.now();
        let g = view.group_of(agent);
        let mut best: Option<(TypeId, bool, f64, f64)> = None;
        for (k, &ty) in view.types_served(g).iter().enumerate() {
            let Some(queued) = view.oldest_waiting(ty) else {
                continue;
            };
            if queued + self.after[g.index()][k] > now {
                continue; // not yet overflowed to this group
            }
            let TypeRank {
                deferrable,
                class,
                aging,
                credit,
                weight,
            } = self.types[ty.index()];
            let wait = now - queued;
            let (first, second) = match self.contact_selection {
                ContactSelection::Priority => (-(class + aging * wait), queued - credit),
                ContactSelection::LongestWait => (0.0, queued),
                ContactSelection::Weighted => (-(weight * wait), queued),
            };
            if best.is_none_or(|(_, d, f, s)| (deferrable, first, second) < (d, f, s)) {
                best = Some((ty, deferrable, first, second));
            }
        }
        best.map(|(t, ..)| t)
    }

    /// The next time a step of the contact's route opens, if one is still to open.
    #[inline(never)] // kept out of the default policy's inlined path
    fn reoffer_after(&mut self, view: &View<'_>, contact: &ContactInfo) -> Option<f64> {
        let queued = view.queued_since(contact.key)?;
        let now = view.now();
        self.candidates[contact.ty.index()]
            .iter()
            .map(|c| queued + c.after)
            .filter(|at| *at > now)
            .min_by(f64::total_cmp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::contact::ContactKey;
    use crate::routing::{ContactChoice, ViewState};

    /// billing and tech; "specialists" serve tech, "generalists" serve both and take tech only
    /// after it has waited 30 s; `extra` is appended to the file.
    fn overflow(extra: &str) -> Scenario {
        crate::scenario::for_test(&format!(
            r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "billing"
arrivals = {{ rate = "1/min" }}
handle_time = {{ dist = "exponential", mean = "3m" }}
[[contact_types]]
name = "tech"
arrivals = {{ rate = "1/min" }}
handle_time = {{ dist = "exponential", mean = "3m" }}
route = [{{ groups = ["specialists"] }}, {{ groups = ["generalists"], after = "30s" }}]
[[agent_groups]]
name = "generalists"
serves = ["billing", "tech"]
headcount = 2
[[agent_groups]]
name = "specialists"
serves = ["tech"]
headcount = 2
{extra}
"#
        ))
    }

    fn info(key: ContactKey, ty: TypeId, arrival: f64) -> ContactInfo {
        ContactInfo {
            key,
            ty,
            arrival,
            interval: 0,
            journey: 0,
            attempt: 0,
            repeat: 0,
            routed: false,
        }
    }

    const BILLING: TypeId = TypeId(0);
    const TECH: TypeId = TypeId(1);
    const GENERALISTS: GroupId = GroupId(0);
    const SPECIALISTS: GroupId = GroupId(1);

    #[test]
    fn a_contact_overflows_to_the_next_step_exactly_when_it_has_waited_its_delay() {
        let sc = overflow("");
        let mut p = SkillsRouting::new(&sc);
        let mut st = ViewState::new(&sc);
        let (g0, s0) = (st.agent(GENERALISTS, 0), st.agent(SPECIALISTS, 0));
        st.idle(g0, 0.0).busy(s0);
        let key = st.wait(TECH, 100.0, 1);
        let c = info(key, TECH, 100.0);
        // Only the generalist is idle: not before 130 s, then at once.
        assert_eq!(p.select_agent_for(&st.view(129.999), &c), None);
        assert_eq!(p.select_agent_for(&st.view(130.0), &c), Some(g0));
        // The re-offer falls exactly when the step opens, and no later step remains.
        assert_eq!(p.reoffer_after(&st.view(100.0), &c), Some(130.0));
        assert_eq!(p.reoffer_after(&st.view(130.0), &c), None);
        // A free generalist takes the tech contact only once it has waited 30 s.
        assert_eq!(p.select_contact(&st.view(129.0), g0), None);
        assert_eq!(
            p.select_contact(&st.view(130.0), g0),
            Some(ContactChoice::OldestOf(TECH))
        );
        // A contact not queued yet (just arrived) has waited nothing.
        assert_eq!(p.select_agent(&st.view(500.0), TECH, 500.0), None);
    }

    #[test]
    fn an_earlier_step_is_preferred_even_when_a_later_one_has_an_agent_idle_longer() {
        let sc = overflow("");
        let mut p = SkillsRouting::new(&sc);
        let mut st = ViewState::new(&sc);
        let (g0, s0) = (st.agent(GENERALISTS, 0), st.agent(SPECIALISTS, 0));
        st.idle(g0, 0.0).idle(s0, 50.0);
        let key = st.wait(TECH, 100.0, 1);
        assert_eq!(p.select_agent_for(&st.view(200.0), &info(key, TECH, 100.0)), Some(s0));
        // Billing has one step: the generalist.
        assert_eq!(p.select_agent(&st.view(200.0), BILLING, 200.0), Some(g0));
    }

    #[test]
    fn a_free_agent_takes_an_eligible_contact_before_an_older_one_not_yet_overflowed() {
        let sc = overflow("");
        let mut p = SkillsRouting::new(&sc);
        let mut st = ViewState::new(&sc);
        let g0 = st.agent(GENERALISTS, 0);
        st.busy(g0);
        st.wait(TECH, 10.0, 1);
        st.wait(BILLING, 20.0, 2);
        assert_eq!(
            p.select_contact(&st.view(30.0), g0),
            Some(ContactChoice::OldestOf(BILLING))
        );
        assert_eq!(
            p.select_contact(&st.view(40.0), g0),
            Some(ContactChoice::OldestOf(TECH))
        );
    }

    /// Two groups serving one type, with the given proficiency tables and agent selection.
    fn two_groups(selection: &str, first: &str, second: &str) -> Scenario {
        crate::scenario::for_test(&format!(
            "[simulation]\nhorizon = \"1h\"\n[routing]\nagent_selection = \"{selection}\"\n[[contact_types]]\nname = \"a\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n[[contact_types]]\nname = \"b\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n[[agent_groups]]\nname = \"one\"\nserves = [\"a\", \"b\"]\nheadcount = 3\n{first}\n[[agent_groups]]\nname = \"two\"\nserves = [\"a\"]\nheadcount = 3\n{second}\n"
        ))
    }

    #[test]
    fn best_match_takes_the_group_with_the_highest_proficiency_score_then_the_longest_idle() {
        let pick = |first: &str, second: &str| {
            let sc = two_groups("best_match", first, second);
            let mut p = SkillsRouting::new(&sc);
            let mut st = ViewState::new(&sc);
            let (one, two) = (st.agent(GroupId(0), 0), st.agent(GroupId(1), 0));
            st.idle(one, 1.0).idle(two, 5.0);
            let chosen = p.select_agent(&st.view(10.0), TypeId(0), 10.0);
            (chosen == Some(one), chosen == Some(two))
        };
        assert_eq!(pick("", ""), (true, false), "equal scores: the longest idle");
        assert_eq!(
            pick("", "proficiency = { a = { handle_time = 0.8 } }"),
            (false, true),
            "faster: 1 / 0.8 = 1.25 > 1"
        );
        assert_eq!(pick("proficiency = { a = { handle_time = 0.8 } }", ""), (true, false));
    }

    #[test]
    fn fewest_skills_takes_the_specialised_group_first() {
        let sc = two_groups("fewest_skills", "", "");
        let mut p = SkillsRouting::new(&sc);
        let mut st = ViewState::new(&sc);
        let (one, two) = (st.agent(GroupId(0), 0), st.agent(GroupId(1), 0));
        st.idle(one, 1.0).idle(two, 5.0);
        // "two" serves one type, "one" two: "two", though "one" has been idle longer.
        assert_eq!(p.select_agent(&st.view(10.0), TypeId(0), 10.0), Some(two));
        assert_eq!(p.select_agent(&st.view(10.0), TypeId(1), 10.0), Some(one));
    }

    /// Counts of each idle agent chosen over `n` random selections: agents 0..3 of "one" idle
    /// and agent 0 of "two".
    fn random_counts(selection: &str, n: u32) -> [u32; 4] {
        let sc = two_groups(selection, "", "");
        let mut p = SkillsRouting::new(&sc);
        p.on_start(3);
        let mut st = ViewState::new(&sc);
        let agents = [
            st.agent(GroupId(0), 0),
            st.agent(GroupId(0), 1),
            st.agent(GroupId(0), 2),
            st.agent(GroupId(1), 0),
        ];
        for (i, a) in agents.iter().enumerate() {
            st.idle(*a, i as f64);
        }
        let view = st.view(10.0);
        let mut counts = [0; 4];
        for _ in 0..n {
            let a = p.select_agent(&view, TypeId(0), 10.0).expect("an idle agent");
            counts[agents.iter().position(|x| *x == a).expect("one of them")] += 1;
        }
        counts
    }

    #[test]
    fn random_selection_is_uniform_over_agents_or_over_groups_as_asked() {
        // 40,000 draws: a share p has standard error √(p(1 − p)/n) ≤ 0.0025; |z| < 4 allows
        // 0.01 (a 4% error relative to 1/4).
        let n = 40_000;
        let share = |c: u32| f64::from(c) / f64::from(n);
        for (i, c) in random_counts("random", n).into_iter().enumerate() {
            assert!(
                (share(c) - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / 40_000.0).sqrt(),
                "agent {i}: {c}"
            );
        }
        // By group: "two" (one agent) gets half, each agent of "one" its longest idle: agent 0.
        let by_group = random_counts("random_group", n);
        assert_eq!((by_group[1], by_group[2]), (0, 0), "{by_group:?}");
        for c in [by_group[0], by_group[3]] {
            assert!(
                (share(c) - 0.5).abs() < 4.0 * (0.25f64 / 40_000.0).sqrt(),
                "{by_group:?}"
            );
        }
        // The stream depends on the replication only: the same counts again.
        assert_eq!(random_counts("random", 1000), random_counts("random", 1000));
    }

    /// billing and tech served by one agent, with `routing` and type lines appended.
    fn one_agent(routing: &str, billing: &str, tech: &str) -> Scenario {
        crate::scenario::for_test(&format!(
            "[simulation]\nhorizon = \"1h\"\n{routing}\n[[contact_types]]\nname = \"billing\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n{billing}\n[[contact_types]]\nname = \"tech\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n{tech}\n[[agent_groups]]\nname = \"all\"\nserves = [\"billing\", \"tech\"]\nheadcount = 1\n"
        ))
    }

    /// What the free agent takes at `now` when billing has waited since 0 and tech since 10 s.
    fn taken(sc: &Scenario, now: f64) -> Option<ContactChoice> {
        let mut p = SkillsRouting::new(sc);
        let mut st = ViewState::new(sc);
        let a = st.agent(GroupId(0), 0);
        st.busy(a);
        st.wait(TypeId(0), 0.0, 1);
        st.wait(TypeId(1), 10.0, 2);
        p.select_contact(&st.view(now), a)
    }

    #[test]
    fn aging_lets_a_lower_class_overtake_once_it_has_waited_long_enough() {
        let (billing, tech) = (ContactChoice::OldestOf(TypeId(0)), ContactChoice::OldestOf(TypeId(1)));
        let sc = one_agent("", "priority_aging = \"1/min\"", "priority = 1");
        // billing ranks 0 + t/60, tech 1 (no aging): equal at t = 60, billing after.
        assert_eq!(taken(&sc, 59.0), Some(tech));
        assert_eq!(taken(&sc, 61.0), Some(billing));
        // Without aging the class is strict.
        assert_eq!(taken(&one_agent("", "", "priority = 1"), 1e6), Some(tech));
        // Longest wait ignores the classes.
        let fifo = one_agent("[routing]\ncontact_selection = \"longest_wait\"", "", "priority = 1");
        assert_eq!(taken(&fifo, 20.0), Some(billing));
    }

    #[test]
    fn weighted_selection_takes_the_largest_weight_times_wait() {
        let (billing, tech) = (ContactChoice::OldestOf(TypeId(0)), ContactChoice::OldestOf(TypeId(1)));
        let sc = one_agent(
            "[routing]\ncontact_selection = \"weighted\"\nweights = { tech = 3 }",
            "",
            "",
        );
        // At 20 s: billing 1 × 20 = 20, tech 3 × 10 = 30. At 10.5 s: 10.5 against 1.5.
        assert_eq!(taken(&sc, 20.0), Some(tech));
        assert_eq!(taken(&sc, 10.5), Some(billing));
        // Equal weights: the longest wait.
        let equal = one_agent("[routing]\ncontact_selection = \"weighted\"", "", "");
        assert_eq!(taken(&equal, 20.0), Some(billing));
    }
}
