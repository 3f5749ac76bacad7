//! The self-service graph a contact passes through before it reaches a queue: IVR menus,
//! authentication, intent capture and bots, as named nodes joined by probabilities.
//!
//! A contact type with `ivr = "<node>"` sends each of its arrivals into the graph at that node.
//! The contact spends the node's duration there, then the node decides where it goes next:
//! another node, a contact type's queue, or a hang-up. A bot node may also *contain* the
//! contact (the customer is served by the bot and the journey ends, or — a false containment —
//! comes back later). An intent node may *misroute*: the contact lands in a wrong queue and is
//! transferred to the right one after an agent has spent some time on it.
//!
//! Every decision is drawn from the journey's own substream (seeded at the journey's first
//! arrival), so the graph never moves another contact's random numbers. The graph is checked
//! when the scenario loads (`compile`): every probability is in [0, 1], branches sum to 1,
//! every target exists, every node is reachable from some entry, and every node reachable has
//! a way out.

use super::TypeId;
use crate::dist::Dist;

/// The compiled graph: nodes by index ([`Target::Node`]).
#[derive(Debug, Clone, Default)]
pub struct SelfService {
    pub nodes: Vec<Node>,
}

/// Where a contact goes when it leaves a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Another node of the graph.
    Node(u16),
    /// The queue of a contact type (a type with no `ivr` of its own).
    Queue(TypeId),
    /// The customer hangs up (the journey ends: gave up).
    HangUp,
}

/// Branches out of a node: `(cumulative probability, target)`, ascending, the last at 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Branches(pub Vec<(f64, Target)>);

impl Branches {
    /// The branch that uniform draw `u` in [0, 1) falls in.
    pub fn pick(&self, u: f64) -> Target {
        let i = self.0.partition_point(|(c, _)| *c <= u).min(self.0.len() - 1);
        self.0[i].1
    }

    /// The probability of each branch, with its target.
    pub fn probabilities(&self) -> impl Iterator<Item = (f64, Target)> + '_ {
        let mut last = 0.0;
        self.0.iter().map(move |(c, t)| {
            let p = c - last;
            last = *c;
            (p, *t)
        })
    }

    /// A queue target other than `right`, drawn with `u` in [0, 1) in proportion to the
    /// probabilities of the other queue branches (`None` if there is none).
    pub fn other_queue(&self, right: TypeId, u: f64) -> Option<TypeId> {
        let others = || {
            self.probabilities().filter_map(move |(p, t)| match t {
                Target::Queue(q) if q != right && p > 0.0 => Some((p, q)),
                _ => None,
            })
        };
        let total: f64 = others().map(|(p, _)| p).sum();
        let mut acc = 0.0;
        let mut last = None;
        for (p, q) in others() {
            acc += p / total;
            last = Some(q);
            if u < acc {
                return last;
            }
        }
        last
    }
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    /// Time spent in the node before it decides, seconds; `None`: no time.
    pub duration: Option<Dist>,
    pub kind: NodeKind,
    /// Where the contact goes next (for a bot: when it is not contained; for authentication:
    /// when it succeeds).
    pub next: Branches,
}

/// What a node does besides branching.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A menu: the branches are the caller's choices.
    Menu,
    /// Authentication: fails with `failure`, then the contact goes to `on_failure`.
    Auth { failure: f64, on_failure: Target },
    /// Intent capture: with `misroute`, the contact lands in another of the node's queues and
    /// is transferred to the right one after an agent spent `transfer_after` on it.
    Intent { misroute: f64, transfer_after: Dist },
    /// A bot: contains the contact with `containment` (the journey ends served by the bot);
    /// a contained customer comes back anyway with `false_containment`, after
    /// `recontact_delay`, through the graph again. A contact that is not contained is handed
    /// to an agent with or without the bot's `context`; its handle time is multiplied by
    /// `handle_factor` (MODEL.md §5.3: 0.95 with context, 1.10 without).
    Bot {
        containment: f64,
        false_containment: f64,
        recontact_delay: Dist,
        context: bool,
        handle_factor: f64,
    },
}

impl NodeKind {
    pub fn name(&self) -> &'static str {
        match self {
            NodeKind::Menu => "menu",
            NodeKind::Auth { .. } => "auth",
            NodeKind::Intent { .. } => "intent",
            NodeKind::Bot { .. } => "bot",
        }
    }
}

/// The channel a contact type's customers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Channel {
    #[default]
    Voice,
    Chat,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Branches {
        Branches(vec![
            (0.2, Target::Queue(TypeId(0))),
            (0.5, Target::HangUp),
            (1.0, Target::Queue(TypeId(1))),
        ])
    }

    #[test]
    fn a_draw_picks_the_branch_whose_cumulative_share_it_falls_under() {
        let b = three();
        assert_eq!(b.pick(0.0), Target::Queue(TypeId(0)));
        assert_eq!(b.pick(0.199), Target::Queue(TypeId(0)));
        assert_eq!(b.pick(0.2), Target::HangUp);
        assert_eq!(b.pick(0.7), Target::Queue(TypeId(1)));
        assert_eq!(b.pick(0.999_999), Target::Queue(TypeId(1)));
    }

    #[test]
    fn a_misroute_goes_to_another_queue_in_proportion_to_its_branch() {
        let b = Branches(vec![
            (0.2, Target::Queue(TypeId(0))),
            (0.5, Target::Queue(TypeId(1))),
            (1.0, Target::Queue(TypeId(2))),
        ]);
        // Besides queue 0: queue 1 (0.3) and queue 2 (0.5) → shares 0.375 and 0.625.
        assert_eq!(b.other_queue(TypeId(0), 0.3), Some(TypeId(1)));
        assert_eq!(b.other_queue(TypeId(0), 0.4), Some(TypeId(2)));
        assert_eq!(three().other_queue(TypeId(1), 0.9), Some(TypeId(0)));
        assert_eq!(
            Branches(vec![(1.0, Target::Queue(TypeId(0)))]).other_queue(TypeId(0), 0.5),
            None
        );
    }
}
