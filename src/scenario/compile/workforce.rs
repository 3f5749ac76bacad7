//! `[workforce]` (MODEL.md §1) and each group's `employees`: every coefficient is optional and
//! defaults to its value in [`Workforce::default`]; the reference state is computed at the
//! reference occupancy unless the file gives it.

use super::{Cx, Result};
use crate::scenario::model::AgentGroup;
use crate::scenario::raw::{DurationValue, RawEffect, RawScenario};
use crate::workforce::{Effect, Reference, Workforce, annual_to_daily};
use toml::Spanned;

impl Cx<'_> {
    /// `[workforce]`, or `None` without one; sets each group's `employees`.
    pub(super) fn workforce(&self, raw: &RawScenario, groups: &mut [AgentGroup]) -> Result<Option<Workforce>> {
        let Some(w) = &raw.workforce else {
            if let Some((gi, e)) = raw
                .agent_groups
                .iter()
                .enumerate()
                .find_map(|(gi, g)| g.get_ref().employees.as_ref().map(|e| (gi, e)))
            {
                return Err(self.err(
                    e.span(),
                    format!("agent_groups[{gi}].employees"),
                    "employees are read only with a `[workforce]` table (fatigue, absence and attrition); add one, or drop this key",
                ));
            }
            return Ok(None);
        };
        let w = w.get_ref();
        let d = Workforce::default();
        let share = |v: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(default), |v| self.probability(v, &format!("workforce.{field}")))
        };
        let factor = |v: &Option<Spanned<f64>>, field: &str, default: f64, least: f64| -> Result<f64> {
            let Some(v) = v else { return Ok(default) };
            let x = *v.get_ref();
            if x.is_finite() && x >= least {
                Ok(x)
            } else {
                Err(self.err(
                    v.span(),
                    format!("workforce.{field}"),
                    format!("must be a number of at least {least}, got {x}"),
                ))
            }
        };
        let time = |v: &Option<Spanned<DurationValue>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref().map_or(Ok(default), |v| {
                self.positive_duration(v, &format!("workforce.{field}"))
            })
        };
        let effect = |v: &Option<Spanned<RawEffect>>, field: &str, default: Effect, most: f64| -> Result<Effect> {
            let Some(v) = v else { return Ok(default) };
            let v = v.get_ref();
            let one = |x: &Option<Spanned<f64>>, key: &str, default: f64| -> Result<f64> {
                let Some(x) = x else { return Ok(default) };
                let value = *x.get_ref();
                if value.is_finite() && (0.0..=most).contains(&value) {
                    Ok(value)
                } else {
                    Err(self.err(
                        x.span(),
                        format!("workforce.{field}.{key}"),
                        format!("must be a number from 0 to {most}, got {value}"),
                    ))
                }
            };
            Ok(Effect {
                fatigue: one(&v.fatigue, "fatigue", default.fatigue)?,
                strain: one(&v.strain, "strain", default.strain)?,
            })
        };
        let reference_occupancy = match &w.reference_occupancy {
            Some(v) if *v.get_ref() > 0.0 && *v.get_ref() < 1.0 => *v.get_ref(),
            Some(v) => {
                return Err(self.err(
                    v.span(),
                    "workforce.reference_occupancy",
                    format!(
                        "must be an occupancy above 0 and below 1 (the share of time busy at which the input handle times were measured), got {}",
                        v.get_ref()
                    ),
                ));
            }
            None => d.reference_occupancy,
        };
        let mut m = Workforce {
            reference_occupancy,
            build_up: time(&w.build_up, "build_up", d.build_up)?,
            idle_recovery: time(&w.idle_recovery, "idle_recovery", d.idle_recovery)?,
            break_recovery: time(&w.break_recovery, "break_recovery", d.break_recovery)?,
            off_recovery: time(&w.off_recovery, "off_recovery", d.off_recovery)?,
            break_max: time(&w.break_max, "break_max", d.break_max)?,
            difficult: share(&w.difficult, "difficult", d.difficult)?,
            jump: share(&w.difficult_jump, "difficult_jump", d.jump)?,
            difficult_weight: share(&w.difficult_weight, "difficult_weight", d.difficult_weight)?,
            memory: time(&w.strain_memory, "strain_memory", d.memory)?,
            sd: match &w.burnout_sd {
                Some(v) if *v.get_ref() > 0.0 && *v.get_ref() <= 1.0 => *v.get_ref(),
                Some(v) => {
                    return Err(self.err(
                        v.span(),
                        "workforce.burnout_sd",
                        format!(
                            "must be the change of strain worth one burnout standard deviation, above 0 and at most 1, got {}",
                            v.get_ref()
                        ),
                    ));
                }
                None => d.sd,
            },
            handle_time: effect(&w.handle_time, "handle_time", d.handle_time, 10.0)?,
            resolution: effect(&w.resolution, "resolution", d.resolution, 0.5)?,
            ..d.clone()
        };
        if let Some(a) = &w.absence {
            let a = a.get_ref();
            m.absence.per_shift = share(&a.per_shift, "absence.per_shift", d.absence.per_shift)?;
            m.absence.rr_per_sd = factor(&a.rr_per_sd, "absence.rr_per_sd", d.absence.rr_per_sd, 1e-6)?;
            m.absence.spell_rr_per_sd = factor(
                &a.spell_rr_per_sd,
                "absence.spell_rr_per_sd",
                d.absence.spell_rr_per_sd,
                1e-6,
            )?;
            if let Some(s) = &a.mean_spell {
                let days = self.positive_duration(s, "workforce.absence.mean_spell")? / crate::workforce::DAY;
                if days < 1.0 {
                    return Err(self.err(
                        s.span(),
                        "workforce.absence.mean_spell",
                        format!(
                            "an absence lasts whole days: the mean spell must be at least \"1d\", got {days:.3} days"
                        ),
                    ));
                }
                m.absence.mean_spell_days = days;
            }
        }
        if let Some(a) = &w.attrition {
            let a = a.get_ref();
            if let Some(v) = &a.annual {
                let x = *v.get_ref();
                if !(0.0..1.0).contains(&x) {
                    return Err(self.err(
                        v.span(),
                        "workforce.attrition.annual",
                        format!("must be the share of agents leaving in a year, from 0 to below 1, got {x}"),
                    ));
                }
                m.attrition.daily_hazard = annual_to_daily(x);
            }
            m.attrition.rr_per_sd = factor(&a.rr_per_sd, "attrition.rr_per_sd", d.attrition.rr_per_sd, 1e-6)?;
            m.attrition.new_hire = factor(&a.new_hire, "attrition.new_hire", d.attrition.new_hire, 0.0)?;
            m.attrition.new_hire_period = time(
                &a.new_hire_period,
                "attrition.new_hire_period",
                d.attrition.new_hire_period,
            )?;
            if let Some(n) = &a.notice {
                m.attrition.notice = self.duration(n, "workforce.attrition.notice")?;
            }
        }
        if let Some(l) = &w.learning {
            let l = l.get_ref();
            m.learning.initial = factor(&l.initial, "learning.initial", d.learning.initial, 1.0)?;
            m.learning.time_constant = time(&l.time_constant, "learning.time_constant", d.learning.time_constant)?;
            m.learning.resolution_deficit = share(
                &l.resolution_deficit,
                "learning.resolution_deficit",
                d.learning.resolution_deficit,
            )?;
        }
        if let Some(h) = &w.hiring {
            let h = h.get_ref();
            if let Some(r) = &h.requisition {
                m.hiring.requisition = self.duration(r, "workforce.hiring.requisition")?;
            }
            if let Some(t) = &h.training {
                m.hiring.training = self.duration(t, "workforce.hiring.training")?;
            }
        }
        m.reference = match &w.reference {
            Some(r) => {
                let r = r.get_ref();
                let computed = m.settle(m.reference_occupancy);
                let level = |x: &Option<Spanned<f64>>, key: &str, default: f64| {
                    x.as_ref().map_or(Ok(default), |x| {
                        self.probability(x, &format!("workforce.reference.{key}"))
                    })
                };
                Reference {
                    fatigue: level(&r.fatigue, "fatigue", computed.fatigue)?,
                    strain: level(&r.strain, "strain", computed.strain)?,
                }
            }
            None => m.settle(m.reference_occupancy),
        };
        for (gi, g) in groups.iter_mut().enumerate() {
            let rg = raw.agent_groups[gi].get_ref();
            if g.sessions > 1 {
                return Err(self.err(
                    rg.sessions.as_ref().map_or(raw.agent_groups[gi].span(), Spanned::span),
                    format!("agent_groups[{gi}].sessions"),
                    format!(
                        "fatigue under `[workforce]` follows agents holding one contact at a time, and the agents of group \"{}\" hold {} chat sessions; give the group one session, or drop `[workforce]`",
                        g.name, g.sessions
                    ),
                ));
            }
            if let Some(e) = &rg.employees {
                let n = *e.get_ref();
                if n < i64::from(g.max_headcount) || n > i64::from(u32::MAX / 2) {
                    return Err(self.err(
                        e.span(),
                        format!("agent_groups[{gi}].employees"),
                        format!(
                            "must be a whole number of agents at least the group's largest headcount, {}, got {n}",
                            g.max_headcount
                        ),
                    ));
                }
                g.employees = n as u32;
            }
        }
        let total: u64 = groups.iter().map(|g| u64::from(g.employees)).sum();
        if total > super::MAX_TOTAL_AGENTS {
            let (gi, e) = raw
                .agent_groups
                .iter()
                .enumerate()
                .filter_map(|(gi, g)| g.get_ref().employees.as_ref().map(|e| (gi, e)))
                .max_by_key(|(_, e)| *e.get_ref())
                .expect("employees above the headcounts");
            return Err(self.err(
                e.span(),
                format!("agent_groups[{gi}].employees"),
                format!(
                    "{total} employees in all groups together; at most {} agents are simulated: lower the payrolls",
                    super::MAX_TOTAL_AGENTS
                ),
            ));
        }
        Ok(Some(m))
    }
}
