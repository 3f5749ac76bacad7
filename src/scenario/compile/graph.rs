//! `[[ivr]]` to [`SelfService`]: node names resolved, probabilities checked, and the graph
//! checked as a whole — every node reachable from an entry, every node reachable with a way
//! out.

use super::{Cx, Result};
use crate::dist::Dist;
use crate::scenario::model::{ContactType, TypeId};
use crate::scenario::raw::{RawNode, RawScenario};
use crate::scenario::self_service::{Branches, Node, NodeKind, SelfService, Target};
use std::collections::HashMap;
use toml::Spanned;

/// Branch probabilities must sum to 1 within this.
const SUM_TOLERANCE: f64 = 1e-9;

/// MODEL.md §5.3 defaults of a bot node.
const FALSE_CONTAINMENT: f64 = 0.15;
const HANDLE_WITH_CONTEXT: f64 = 0.95;
pub(super) const HANDLE_WITHOUT_CONTEXT: f64 = 1.10;
/// A falsely contained customer comes back after an exponential delay of this mean, seconds
/// (MODEL.md §5.3: within 7 days; a mean of 2 days puts 97% of them inside the week).
const RECONTACT_MEAN_S: f64 = 2.0 * 86_400.0;
/// Agent time on a misrouted contact before its transfer, seconds (a constant by default).
const TRANSFER_AFTER_S: f64 = 60.0;

impl Cx<'_> {
    /// Compiles the graph and sets each type's entry node. Types that are queue targets must
    /// not have an entry of their own.
    pub(super) fn self_service(&self, raw: &RawScenario, types: &mut [ContactType]) -> Result<SelfService> {
        let names = self.unique_names(raw.ivr.iter().map(|n| &n.get_ref().name), "ivr", "self-service node")?;
        let index: HashMap<&str, u16> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u16)).collect();
        for (i, n) in raw.ivr.iter().enumerate() {
            let name = &n.get_ref().name;
            if names[i] == "hangup" || types.iter().any(|t| t.name == names[i]) {
                return Err(self.err(
                    name.span(),
                    format!("ivr[{i}].name"),
                    format!(
                        "\"{}\" is already the name of a contact type or the target \"hangup\"; a node needs a name of its own",
                        names[i]
                    ),
                ));
            }
        }
        // Entries first: a type that has one is not a queue target.
        for (i, t) in raw.contact_types.iter().enumerate() {
            let Some(entry) = &t.get_ref().ivr else { continue };
            let field = format!("contact_types[{i}].ivr");
            let node = index.get(entry.get_ref().trim()).copied().ok_or_else(|| {
                self.err(
                    entry.span(),
                    &field,
                    format!(
                        "unknown self-service node \"{}\" ({})",
                        entry.get_ref().escape_debug(),
                        known(&names, "[[ivr]] nodes")
                    ),
                )
            })?;
            types[i].ivr = Some(node);
        }
        let target = |name: &Spanned<String>, field: &str| -> Result<Target> {
            let n = name.get_ref().trim();
            if n == "hangup" {
                return Ok(Target::HangUp);
            }
            if let Some(i) = index.get(n) {
                return Ok(Target::Node(*i));
            }
            if let Some(t) = types.iter().position(|t| t.name == n) {
                if types[t].ivr.is_some() {
                    return Err(self.err(
                        name.span(),
                        field,
                        format!(
                            "contact type \"{n}\" enters the self-service graph itself (it has `ivr`); a node can only send contacts to the queue of a type without one"
                        ),
                    ));
                }
                return Ok(Target::Queue(TypeId(t as u16)));
            }
            let type_names: Vec<String> = types
                .iter()
                .filter(|t| t.ivr.is_none())
                .map(|t| t.name.clone())
                .collect();
            Err(self.err(
                name.span(),
                field,
                format!(
                    "unknown target \"{}\": a target is a node ({}), a contact type ({}), or \"hangup\"",
                    n.escape_debug(),
                    known(&names, "none"),
                    known(&type_names, "none")
                ),
            ))
        };
        let mut nodes = Vec::with_capacity(raw.ivr.len());
        for (i, n) in raw.ivr.iter().enumerate() {
            nodes.push(self.node(n.get_ref(), &format!("ivr[{i}]"), names[i].clone(), &target)?);
        }
        let graph = SelfService { nodes };
        self.check_graph(raw, types, &graph)?;
        Ok(graph)
    }

    fn node(
        &self,
        n: &RawNode,
        path: &str,
        name: String,
        target: &dyn Fn(&Spanned<String>, &str) -> Result<Target>,
    ) -> Result<Node> {
        let kind_name = n.kind.get_ref().trim();
        let allowed: &[&str] = match kind_name {
            "menu" => &[],
            "auth" => &["failure", "on_failure"],
            "intent" => &["misroute", "transfer_after"],
            "bot" => &[
                "containment",
                "false_containment",
                "recontact_delay",
                "context",
                "handle_factor",
            ],
            other => {
                return Err(self.err(
                    n.kind.span(),
                    format!("{path}.kind"),
                    format!(
                        "unknown node kind \"{}\" (valid: \"menu\", \"auth\", \"intent\", \"bot\")",
                        other.escape_debug()
                    ),
                ));
            }
        };
        let given = [
            ("failure", n.failure.as_ref().map(Spanned::span)),
            ("on_failure", n.on_failure.as_ref().map(Spanned::span)),
            ("misroute", n.misroute.as_ref().map(Spanned::span)),
            ("transfer_after", n.transfer_after.as_ref().map(Spanned::span)),
            ("containment", n.containment.as_ref().map(Spanned::span)),
            ("false_containment", n.false_containment.as_ref().map(Spanned::span)),
            ("recontact_delay", n.recontact_delay.as_ref().map(Spanned::span)),
            ("context", n.context.as_ref().map(Spanned::span)),
            ("handle_factor", n.handle_factor.as_ref().map(Spanned::span)),
        ];
        for (field, span) in given {
            if let Some(span) = span
                && !allowed.contains(&field)
            {
                return Err(self.err(
                    span,
                    format!("{path}.{field}"),
                    format!("`{field}` does not apply to a node of kind \"{kind_name}\""),
                ));
            }
        }
        let next = match (&n.next, &n.branches) {
            (Some(one), None) => Branches(vec![(1.0, target(one, &format!("{path}.next"))?)]),
            (None, Some(map)) => {
                let field = format!("{path}.branches");
                if map.get_ref().is_empty() {
                    return Err(self.err(
                        map.span(),
                        field,
                        "give at least one branch: { <target> = <probability>, ... }",
                    ));
                }
                let mut acc = 0.0;
                let mut out = Vec::new();
                for (to, p) in map.get_ref() {
                    let f = format!("{field}.{to}");
                    let p = self.probability(p, &f)?;
                    acc += p;
                    out.push((acc, target(&Spanned::new(map.span(), to.clone()), &f)?));
                }
                if (acc - 1.0).abs() > SUM_TOLERANCE {
                    return Err(self.err(
                        map.span(),
                        field,
                        format!("the branch probabilities sum to {acc}; they must sum to 1"),
                    ));
                }
                if let Some(last) = out.last_mut() {
                    last.0 = 1.0;
                }
                Branches(out)
            }
            (Some(one), Some(_)) => {
                return Err(self.err(
                    one.span(),
                    format!("{path}.next"),
                    "give either `next` (one target) or `branches` (targets with probabilities), not both",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    n.name.span(),
                    format!("{path}.next"),
                    "a node needs a way out: next = \"<target>\" or branches = { <target> = <probability>, ... } (a target is a node, a contact type or \"hangup\")",
                ));
            }
        };
        let dist = |d: &Option<Spanned<crate::scenario::raw::RawDist>>, field: &str, default: Dist| -> Result<Dist> {
            d.as_ref()
                .map_or(Ok(default), |d| self.dist(d, &format!("{path}.{field}")))
        };
        let probability = |p: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64> {
            p.as_ref()
                .map_or(Ok(default), |p| self.probability(p, &format!("{path}.{field}")))
        };
        let kind = match kind_name {
            "menu" => NodeKind::Menu,
            "auth" => NodeKind::Auth {
                failure: probability(&n.failure, "failure", 0.0)?,
                on_failure: match &n.on_failure {
                    Some(t) => target(t, &format!("{path}.on_failure"))?,
                    None => Target::HangUp,
                },
            },
            "intent" => {
                let misroute = probability(&n.misroute, "misroute", 0.0)?;
                let queues = next.0.iter().filter(|(_, t)| matches!(t, Target::Queue(_))).count();
                if misroute > 0.0 && queues < 2 {
                    let span = n.misroute.as_ref().map_or(0..0, Spanned::span);
                    return Err(self.err(
                        span,
                        format!("{path}.misroute"),
                        "a misroute lands in another of the node's queues: give `branches` at least two contact types",
                    ));
                }
                NodeKind::Intent {
                    misroute,
                    transfer_after: dist(
                        &n.transfer_after,
                        "transfer_after",
                        Dist::constant(TRANSFER_AFTER_S).expect("valid"),
                    )?,
                }
            }
            _ => {
                let Some(c) = &n.containment else {
                    return Err(self.err(
                        n.kind.span(),
                        format!("{path}.containment"),
                        "a bot node needs containment = <probability that the bot serves the customer to the end> (MODEL.md §5.3: 0.35 for a chat bot)",
                    ));
                };
                let context = n.context.as_ref().is_none_or(|c| *c.get_ref());
                let handle_factor = match &n.handle_factor {
                    Some(f) if !(f.get_ref().is_finite() && *f.get_ref() > 0.0) => {
                        return Err(self.err(
                            f.span(),
                            format!("{path}.handle_factor"),
                            format!("must be a multiplier > 0, got {}", f.get_ref()),
                        ));
                    }
                    Some(f) => *f.get_ref(),
                    None if context => HANDLE_WITH_CONTEXT,
                    None => HANDLE_WITHOUT_CONTEXT,
                };
                NodeKind::Bot {
                    containment: self.probability(c, &format!("{path}.containment"))?,
                    false_containment: probability(&n.false_containment, "false_containment", FALSE_CONTAINMENT)?,
                    recontact_delay: dist(
                        &n.recontact_delay,
                        "recontact_delay",
                        Dist::exponential(RECONTACT_MEAN_S).expect("valid"),
                    )?,
                    context,
                    handle_factor,
                }
            }
        };
        let duration = n
            .duration
            .as_ref()
            .map(|d| self.dist(d, &format!("{path}.duration")))
            .transpose()?;
        Ok(Node {
            name,
            duration,
            kind,
            next,
        })
    }

    /// Every node is reachable from an entry, and every node has a path (over branches with
    /// a probability above 0) to a queue, a hang-up or a bot's containment.
    fn check_graph(&self, raw: &RawScenario, types: &[ContactType], g: &SelfService) -> Result<()> {
        let n = g.nodes.len();
        let edges = |node: &Node| -> Vec<Target> {
            let mut out: Vec<Target> = node
                .next
                .probabilities()
                .filter(|(p, _)| *p > 0.0)
                .map(|(_, t)| t)
                .collect();
            if let NodeKind::Auth { failure, on_failure } = node.kind
                && failure > 0.0
            {
                out.push(on_failure);
            }
            out
        };
        let mut reached = vec![false; n];
        let mut stack: Vec<u16> = types.iter().filter_map(|t| t.ivr).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reached[i as usize], true) {
                continue;
            }
            for t in edges(&g.nodes[i as usize]) {
                if let Target::Node(j) = t {
                    stack.push(j);
                }
            }
        }
        if let Some(i) = reached.iter().position(|r| !r) {
            return Err(self.err(
                raw.ivr[i].get_ref().name.span(),
                format!("ivr[{i}].name"),
                format!(
                    "node \"{}\" cannot be reached: no contact type enters the graph there (`ivr = \"...\"`) and no reachable node leads to it",
                    g.nodes[i].name
                ),
            ));
        }
        // Nodes with a way out, grown backwards from the exits until nothing changes.
        let mut out = vec![false; n];
        loop {
            let mut changed = false;
            for i in 0..n {
                if out[i] {
                    continue;
                }
                let contains = matches!(g.nodes[i].kind, NodeKind::Bot { containment, .. } if containment > 0.0);
                let exits = contains
                    || edges(&g.nodes[i]).iter().any(|t| match t {
                        Target::Node(j) => out[*j as usize],
                        Target::Queue(_) | Target::HangUp => true,
                    });
                if exits {
                    out[i] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        if let Some(i) = out.iter().position(|o| !o) {
            return Err(self.err(
                raw.ivr[i].get_ref().name.span(),
                format!("ivr[{i}].name"),
                format!(
                    "node \"{}\" is in a loop with no way out: none of its paths reaches a queue, \"hangup\" or a bot's containment",
                    g.nodes[i].name
                ),
            ));
        }
        Ok(())
    }
}

fn known(names: &[String], none: &str) -> String {
    if names.is_empty() {
        none.to_owned()
    } else {
        format!("known: {}", names.join(", "))
    }
}
