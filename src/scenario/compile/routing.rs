//! `[routing]`, each type's `route` and `priority_aging`, and each group's `proficiency`: the
//! rules of the built-in routing, checked against the groups and the types they serve.

use super::{Cx, Result};
use crate::scenario::model::{
    AgentGroup, AgentSelection, ContactSelection, ContactType, GroupId, Proficiency, RouteStep, RoutingRules, TypeId,
};
use crate::scenario::raw::RawScenario;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;

/// Largest proficiency multiplier accepted (of the handle time, of the resolution).
const MAX_PROFICIENCY: f64 = 10.0;

/// The agent selections by name, as written in `[routing]`.
const AGENT_SELECTIONS: [(&str, AgentSelection); 5] = [
    ("longest_idle", AgentSelection::LongestIdle),
    ("random", AgentSelection::Random),
    ("random_group", AgentSelection::RandomGroup),
    ("best_match", AgentSelection::BestMatch),
    ("fewest_skills", AgentSelection::FewestSkills),
];

/// The contact selections by name.
const CONTACT_SELECTIONS: [(&str, ContactSelection); 3] = [
    ("priority", ContactSelection::Priority),
    ("longest_wait", ContactSelection::LongestWait),
    ("weighted", ContactSelection::Weighted),
];

/// The names of `groups`, quoted, for messages.
fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

impl Cx<'_> {
    /// The type called `name` (a key of a group's per-type table at `field`), which the group
    /// must serve.
    pub(super) fn served_type(
        &self,
        name: &str,
        span: Range<usize>,
        field: &str,
        types: &[ContactType],
        group: &AgentGroup,
    ) -> Result<TypeId> {
        let Some(t) = types.iter().position(|t| t.name == name.trim()) else {
            return Err(self.err(
                span,
                field,
                format!(
                    "unknown contact type \"{}\" (valid: {})",
                    name.escape_debug(),
                    quoted(types.iter().map(|t| t.name.as_str()))
                ),
            ));
        };
        if !group.serves.contains(&TypeId(t as u16)) {
            return Err(self.err(
                span,
                field,
                format!(
                    "the group does not serve \"{}\"; list it in `serves` or drop it here",
                    name.escape_debug()
                ),
            ));
        }
        Ok(TypeId(t as u16))
    }

    /// A multiplier within `range` (finite), or an error naming it.
    fn multiplier(&self, v: &Spanned<f64>, field: &str, range: RangeInclusive<f64>, open_at_zero: bool) -> Result<f64> {
        let x = *v.get_ref();
        if !range.contains(&x) || (open_at_zero && x == 0.0) {
            let low = if open_at_zero { "above" } else { "from" };
            return Err(self.err(
                v.span(),
                field,
                format!(
                    "must be a multiplier {low} {} up to {} (1: standard), got {x}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(x)
    }

    /// Every routing rule of the scenario: groups' proficiencies, types' routes and aging,
    /// and `[routing]`. Runs once the groups serving each type are known.
    pub(super) fn routing(
        &self,
        raw: &RawScenario,
        types: &mut [ContactType],
        groups: &mut [AgentGroup],
    ) -> Result<RoutingRules> {
        self.proficiencies(raw, types, groups)?;
        for (ti, t) in types.iter_mut().enumerate() {
            let rt = raw.contact_types[ti].get_ref();
            if let Some(a) = &rt.priority_aging {
                t.priority_aging = self.rate(a, &format!("contact_types[{ti}].priority_aging"))?;
            }
            if let Some(route) = &rt.route {
                t.route = self.route(route, &format!("contact_types[{ti}].route"), t, groups)?;
            }
        }
        let Some(r) = &raw.routing else {
            return Ok(RoutingRules::default());
        };
        let r = r.get_ref();
        let mut rules = RoutingRules::default();
        if let Some(name) = &r.agent_selection {
            rules.agent_selection = self.named(name, "routing.agent_selection", &AGENT_SELECTIONS)?;
        }
        if let Some(name) = &r.contact_selection {
            rules.contact_selection = self.named(name, "routing.contact_selection", &CONTACT_SELECTIONS)?;
        }
        if let Some(map) = &r.weights {
            if rules.contact_selection != ContactSelection::Weighted {
                return Err(self.err(
                    map.span(),
                    "routing.weights",
                    "weights apply to contact_selection = \"weighted\"; set it, or drop the weights",
                ));
            }
            rules.weights = vec![1.0; types.len()];
            for (name, w) in map.get_ref() {
                let field = format!("routing.weights.{name}");
                let Some(t) = types.iter().position(|t| t.name == name.trim()) else {
                    return Err(self.err(
                        map.span(),
                        field,
                        format!(
                            "unknown contact type \"{}\" (valid: {})",
                            name.escape_debug(),
                            quoted(types.iter().map(|t| t.name.as_str()))
                        ),
                    ));
                };
                rules.weights[t] = self.multiplier(w, &field, 0.0..=1e6, true)?;
            }
        } else if rules.contact_selection == ContactSelection::Weighted {
            rules.weights = vec![1.0; types.len()];
        }
        Ok(rules)
    }

    /// One of `options` by its name.
    fn named<T: Copy>(&self, name: &Spanned<String>, field: &str, options: &[(&str, T)]) -> Result<T> {
        options
            .iter()
            .find(|(n, _)| *n == name.get_ref().trim())
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                self.err(
                    name.span(),
                    field,
                    format!(
                        "unknown rule \"{}\" (valid: {})",
                        name.get_ref().escape_debug(),
                        quoted(options.iter().map(|(n, _)| *n))
                    ),
                )
            })
    }

    /// Each group's `proficiency` table: multipliers of the handle time (> 0) and of the
    /// probability of resolving (>= 0, only on types with a resolution model).
    fn proficiencies(&self, raw: &RawScenario, types: &[ContactType], groups: &mut [AgentGroup]) -> Result<()> {
        for (gi, g) in groups.iter_mut().enumerate() {
            let Some(map) = &raw.agent_groups[gi].get_ref().proficiency else {
                continue;
            };
            let mut table = vec![Proficiency::default(); types.len()];
            for (name, p) in map {
                let path = format!("agent_groups[{gi}].proficiency.{name}");
                let t = self.served_type(name, p.span(), &path, types, g)?;
                let p = p.get_ref();
                let entry = &mut table[t.index()];
                if let Some(h) = &p.handle_time {
                    entry.handle_time =
                        self.multiplier(h, &format!("{path}.handle_time"), 0.0..=MAX_PROFICIENCY, true)?;
                }
                if let Some(r) = &p.resolution {
                    let field = format!("{path}.resolution");
                    entry.resolution = self.multiplier(r, &field, 0.0..=MAX_PROFICIENCY, false)?;
                    if types[t.index()].resolution.is_none() {
                        return Err(self.err(
                            r.span(),
                            field,
                            format!(
                                "contact type \"{}\" has no `resolution` model for this multiplier to act on; give the type one, or drop it here",
                                types[t.index()].name
                            ),
                        ));
                    }
                }
            }
            if table.iter().any(|p| *p != Proficiency::default()) {
                g.proficiency = table;
            }
        }
        Ok(())
    }

    /// A type's route: its steps in order, each naming groups that serve the type and the
    /// wait after which they become eligible (0 for the first step unless given; never less
    /// than the step before). Every group serving the type appears exactly once.
    fn route(
        &self,
        route: &Spanned<Vec<Spanned<crate::scenario::raw::RawRouteStep>>>,
        path: &str,
        t: &ContactType,
        groups: &[AgentGroup],
    ) -> Result<Vec<RouteStep>> {
        if route.get_ref().is_empty() {
            return Err(self.err(
                route.span(),
                path,
                "give at least one step: route = [{ groups = [\"...\"] }, { groups = [\"...\"], after = \"30s\" }]",
            ));
        }
        let mut steps: Vec<RouteStep> = Vec::new();
        let mut last_after = 0.0;
        for (k, step) in route.get_ref().iter().enumerate() {
            let step = step.get_ref();
            let after = match &step.after {
                Some(a) => {
                    let field = format!("{path}[{k}].after");
                    let d = self.duration(a, &field)?;
                    if d < last_after {
                        return Err(self.err(
                            a.span(),
                            field,
                            format!("a step cannot open before the one above it ({last_after} s); list the steps in order of their waits"),
                        ));
                    }
                    d
                }
                None => last_after,
            };
            last_after = after;
            if step.groups.get_ref().is_empty() {
                return Err(self.err(
                    step.groups.span(),
                    format!("{path}[{k}].groups"),
                    "name at least one group",
                ));
            }
            for (i, name) in step.groups.get_ref().iter().enumerate() {
                let field = format!("{path}[{k}].groups[{i}]");
                let Some(g) = groups.iter().position(|g| g.name == name.get_ref().trim()) else {
                    return Err(self.err(
                        name.span(),
                        field,
                        format!(
                            "unknown agent group \"{}\" (valid: {})",
                            name.get_ref().escape_debug(),
                            quoted(t.served_by.iter().map(|g| groups[g.index()].name.as_str()))
                        ),
                    ));
                };
                let group = GroupId(g as u16);
                if !t.served_by.contains(&group) {
                    return Err(self.err(
                        name.span(),
                        field,
                        format!(
                            "group \"{}\" does not serve \"{}\"; add the type to its `serves`, or drop it here",
                            groups[g].name, t.name
                        ),
                    ));
                }
                if steps.iter().any(|s| s.group == group) {
                    return Err(self.err(
                        name.span(),
                        field,
                        format!("group \"{}\" is already on this route", groups[g].name),
                    ));
                }
                steps.push(RouteStep {
                    group,
                    after,
                    tier: k as u16,
                });
            }
        }
        if let Some(missing) = t.served_by.iter().find(|g| !steps.iter().any(|s| s.group == **g)) {
            return Err(self.err(
                route.span(),
                path,
                format!(
                    "group \"{}\" serves \"{}\" but is not on its route; add it to a step, or drop the type from the group's `serves`",
                    groups[missing.index()].name,
                    t.name
                ),
            ));
        }
        Ok(steps)
    }
}
