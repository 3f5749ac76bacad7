//! `[assist]` and each group's `assist_rollout` / `assist_in_use` (AI agent-assist, MODEL.md
//! §5.3), and `[agent_groups.ai]` (pools of AI agents): every coefficient is optional and
//! defaults to its value in [`Assist::default`].

use super::{Cx, Frame, Result};
use crate::assist::Assist;
use crate::scenario::model::{AgentGroup, AiPool, ContactType, TypeId};
use crate::scenario::raw::{DurationValue, RawAgentGroup, RawAi, RawScenario};
use crate::time::Human;
use std::ops::Range;
use toml::Spanned;

/// The AI conversations' default resolution: chat bots fully resolve 44.8% of what they
/// handle, and 9–14% of whole journeys; MODEL.md §5.3 takes 0.35.
const AI_RESOLUTION: f64 = 0.35;
/// The default handle-time multiplier of a contact handed over with its context (`m_ctx`).
const HANDOFF: f64 = 0.95;

impl Cx<'_> {
    /// The assist model, and each group's rollout time and AI pool.
    pub(super) fn assist_and_ai(
        &self,
        raw: &RawScenario,
        groups: &mut [AgentGroup],
        types: &[ContactType],
        frame: &Frame,
    ) -> Result<Assist> {
        let assist = self.assist(raw)?;
        for (gi, group) in groups.iter_mut().enumerate() {
            let rg = raw.agent_groups[gi].get_ref();
            let path = format!("agent_groups[{gi}]");
            group.assist_since = match (&rg.assist_rollout, &rg.assist_in_use) {
                (Some(_), Some(b)) => {
                    return Err(self.err(
                        b.span(),
                        format!("{path}.assist_in_use"),
                        "give either assist_rollout (the tool comes after t = 0) or assist_in_use (it was there before), not both",
                    ));
                }
                (Some(r), None) => Some(self.duration(r, &format!("{path}.assist_rollout"))?),
                (None, Some(u)) => Some(-self.duration(u, &format!("{path}.assist_in_use"))?),
                (None, None) => None,
            };
            if let Some(ai) = &rg.ai {
                if let Some(span) = rg
                    .assist_rollout
                    .as_ref()
                    .or(rg.assist_in_use.as_ref())
                    .map(Spanned::span)
                {
                    return Err(self.err(
                        span,
                        format!("{path}.assist_rollout"),
                        "agent-assist helps people; this group is a pool of AI agents",
                    ));
                }
                group.ai = Some(self.ai_pool(rg, ai, &path, group, types, frame)?);
                // AI agents do no after-call work.
                group.wrap_up.clear();
            }
        }
        if raw.assist.is_some() && groups.iter().all(|g| g.assist_since.is_none()) {
            let span = raw.assist.as_ref().map_or(0..0, Spanned::span);
            return Err(self.err(
                span,
                "assist",
                "no agent group uses agent-assist: give the groups that do assist_rollout (a time from t = 0) or assist_in_use (how long before t = 0)",
            ));
        }
        Ok(assist)
    }

    /// `[assist]`, or the defaults without one.
    fn assist(&self, raw: &RawScenario) -> Result<Assist> {
        let d = Assist::default();
        let Some(a) = &raw.assist else { return Ok(d) };
        let a = a.get_ref();
        let share = |v: &Option<Spanned<f64>>, field: &str, default: f64, below_one: bool| -> Result<f64> {
            let Some(v) = v else { return Ok(default) };
            let x = self.probability(v, &format!("assist.{field}"))?;
            if below_one && x >= 1.0 {
                return Err(self.err(
                    v.span(),
                    format!("assist.{field}"),
                    format!("must be below 1 (1 would make handling take no time), got {x}"),
                ));
            }
            Ok(x)
        };
        let time = |v: &Option<Spanned<DurationValue>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(default), |v| self.duration(v, &format!("assist.{field}")))
        };
        let resolution_uplift = match &a.resolution_uplift {
            None => d.resolution_uplift,
            Some(v) if v.get_ref().is_finite() && *v.get_ref() >= 0.0 => *v.get_ref(),
            Some(v) => {
                return Err(self.err(
                    v.span(),
                    "assist.resolution_uplift",
                    format!(
                        "must be a relative lift of at least 0 (0.05: a first-day agent resolves 5% more), got {}",
                        v.get_ref()
                    ),
                ));
            }
        };
        Ok(Assist {
            tenure_shift: time(&a.tenure_shift, "tenure_shift", d.tenure_shift)?,
            floor_gain: share(&a.floor_gain, "floor_gain", d.floor_gain, true)?,
            acw_reduction: share(&a.acw_reduction, "acw_reduction", d.acw_reduction, false)?,
            resolution_uplift,
            difficult_reduction: share(
                &a.difficult_reduction,
                "difficult_reduction",
                d.difficult_reduction,
                false,
            )?,
            new_hire_quit_reduction: share(
                &a.new_hire_quit_reduction,
                "new_hire_quit_reduction",
                d.new_hire_quit_reduction,
                false,
            )?,
            new_hire_window: time(&a.new_hire_window, "new_hire_window", d.new_hire_window)?,
            adoption: match &a.adoption {
                Some(v) => self.positive_duration(v, "assist.adoption")?,
                None => d.adoption,
            },
        })
    }

    /// A group's `[agent_groups.ai]`; its outages become the group's staffing.
    fn ai_pool(
        &self,
        rg: &RawAgentGroup,
        ai: &Spanned<RawAi>,
        path: &str,
        group: &mut AgentGroup,
        types: &[ContactType],
        frame: &Frame,
    ) -> Result<AiPool> {
        let field = format!("{path}.ai");
        // What an AI pool does not have.
        let absent: [(&str, Option<Range<usize>>, &str); 10] = [
            (
                "shifts",
                rg.shifts.as_ref().map(Spanned::span),
                "give its capacity as headcount",
            ),
            (
                "shrinkage",
                rg.shrinkage.as_ref().map(Spanned::span),
                "AI agents take no breaks",
            ),
            (
                "activities",
                rg.activities.as_ref().map(Spanned::span),
                "AI agents take no breaks",
            ),
            (
                "wrap_up",
                rg.wrap_up.as_ref().and_then(|w| w.values().next()).map(Spanned::span),
                "AI agents do no after-call work",
            ),
            (
                "wrap_up_under_load",
                rg.wrap_up_under_load.as_ref().map(Spanned::span),
                "AI agents do no after-call work",
            ),
            (
                "sessions",
                rg.sessions.as_ref().map(Spanned::span),
                "the headcount is already the conversations the pool holds at once",
            ),
            (
                "occupancy_cap",
                rg.occupancy_cap.as_ref().map(Spanned::span),
                "AI agents never tire",
            ),
            (
                "employees",
                rg.employees.as_ref().map(Spanned::span),
                "AI agents never tire or quit",
            ),
            (
                "hourly_cost",
                rg.hourly_cost.as_ref().map(Spanned::span),
                "an AI pool is paid per conversation: use ai.cost_per_contact",
            ),
            (
                "resolution",
                rg.resolution.as_ref().map(Spanned::span),
                "use ai.resolution",
            ),
        ];
        if let Some((key, Some(span), why)) = absent.into_iter().find(|(_, s, _)| s.is_some()) {
            return Err(self.err(
                span,
                format!("{path}.{key}"),
                format!("not for a pool of AI agents: {why}"),
            ));
        }
        for (key, span) in [
            (
                "proficiency",
                rg.proficiency
                    .as_ref()
                    .and_then(|p| p.values().next())
                    .map(Spanned::span),
            ),
            ("site", rg.site.as_ref().map(Spanned::span)),
        ] {
            if let Some(span) = span {
                return Err(self.err(
                    span,
                    format!("{path}.{key}"),
                    "not for a pool of AI agents: its conversations take its own ai.handle_time and resolve with ai.resolution",
                ));
            }
        }
        let a = ai.get_ref();
        let escalate_to = self.type_named(&a.escalate_to, types, &format!("{field}.escalate_to"))?;
        if group.serves.contains(&TypeId(escalate_to as u16)) {
            return Err(self.err(
                a.escalate_to.span(),
                format!("{field}.escalate_to"),
                format!(
                    "the pool serves \"{}\" itself: hand its conversations to a type that people serve",
                    types[escalate_to].name
                ),
            ));
        }
        let handoff = match &a.handoff {
            None => HANDOFF,
            Some(v) if v.get_ref().is_finite() && *v.get_ref() > 0.0 => *v.get_ref(),
            Some(v) => {
                return Err(self.err(
                    v.span(),
                    format!("{field}.handoff"),
                    format!(
                        "must be a handle-time multiplier above 0 (0.95: the person saves the re-telling), got {}",
                        v.get_ref()
                    ),
                ));
            }
        };
        let mut outages: Vec<(f64, f64)> = Vec::new();
        for (k, o) in a.outages.iter().flat_map(|v| v.get_ref().iter()).enumerate() {
            let of = format!("{field}.outages[{k}]");
            let start = self.duration(&o.get_ref().start, &format!("{of}.start"))?;
            let end = start + self.positive_duration(&o.get_ref().duration, &format!("{of}.duration"))?;
            if let Some(last) = outages.last()
                && start < last.1
            {
                return Err(self.err(
                    o.span(),
                    of,
                    format!(
                        "starts at {}, before the previous outage ends ({}): list outages in time order without overlaps",
                        Human(start),
                        Human(last.1)
                    ),
                ));
            }
            outages.push((start, end));
        }
        if !outages.is_empty() {
            group.staffing = outage_staffing(&group.headcount, &outages, frame);
        }
        Ok(AiPool {
            handle_time: self.dist(&a.handle_time, &format!("{field}.handle_time"))?,
            resolution: a.resolution.as_ref().map_or(Ok(AI_RESOLUTION), |v| {
                self.probability(v, &format!("{field}.resolution"))
            })?,
            escalate_to: TypeId(escalate_to as u16),
            handoff,
            cost_per_contact: a.cost_per_contact.as_ref().map_or(Ok(0.0), |v| {
                self.money(
                    v,
                    &format!("{field}.cost_per_contact"),
                    "the price of one AI conversation",
                )
            })?,
            outages,
        })
    }
}

/// Staffing change points of a pool with headcount `headcount` per interval and these
/// outages: the interval's headcount, 0 while down; kept only where it changes.
fn outage_staffing(headcount: &[u32], outages: &[(f64, f64)], frame: &Frame) -> Vec<(f64, u32)> {
    let mut times: Vec<f64> = (0..headcount.len()).map(|i| frame.interval_start(i)).collect();
    times.extend(outages.iter().flat_map(|(s, e)| [*s, *e]));
    times.retain(|t| *t < frame.horizon);
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut points: Vec<(f64, u32)> = Vec::new();
    for t in times {
        let down = outages.iter().any(|(s, e)| *s <= t && t < *e);
        let i = (0..headcount.len())
            .rfind(|&i| frame.interval_start(i) <= t)
            .unwrap_or(0);
        let h = if down { 0 } else { headcount[i] };
        if points.last().is_none_or(|(_, last)| *last != h) {
            points.push((t, h));
        }
    }
    points
}
