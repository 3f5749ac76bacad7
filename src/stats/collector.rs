//! The default statistics collector: per `[type × interval]` counts and sums, per
//! `[group × interval]` time integrals, and per-type wait histograms.
//!
//! All buffers are sized from the scenario in [`Collector::new`] and cleared (not freed) at the
//! start of each replication, so collecting allocates nothing in the hot loop. Time integrals
//! (queue length, busy and present agents) are kept per entity with the time of its last
//! change and flushed into the current interval at each change and at each interval boundary;
//! they cover only `[warmup, horizon)`.

use super::histogram::{COARSE, WaitHistogram};
use super::{
    CallbackEvent, ContactInfo, GroupCounts, JourneyEnd, JourneyOutcome, Observer, RepOutput, SelfServiceEnd,
    TypeCounts, WorkforceLevels,
};
use crate::engine::event::AgentId;
use crate::scenario::{CsatModel, GroupId, MAX_SL_THRESHOLDS, Scenario, TypeId};

/// A piecewise-constant level and the time it last changed.
#[derive(Debug, Clone, Copy, Default)]
struct Level {
    since: f64,
    value: u32,
}

/// Collects the statistics of one replication; see the module docs.
#[derive(Debug, Clone)]
pub struct Collector {
    warmup: f64,
    horizon: f64,
    interval: f64,
    n_intervals: u32,
    /// Service-level thresholds per type, padded with +inf.
    thresholds: Vec<[f64; MAX_SL_THRESHOLDS]>,
    types: Vec<TypeCounts>,
    groups: Vec<GroupCounts>,
    /// Waits of answered contacts, per type.
    waits: Vec<WaitHistogram>,
    /// Waits of answered contacts per `[type × interval]`, [`COARSE`] bins each.
    interval_waits: Vec<u32>,
    queue: Vec<Level>,
    busy: Vec<Level>,
    present: Vec<Level>,
    /// Agents doing after-call work, per group; empty when no group does any.
    wrapping: Vec<Level>,
    /// Agents pausing under an occupancy cap, per group; empty when no group has a cap.
    pausing: Vec<Level>,
    /// Workforce levels per group and when they last changed; empty without `[workforce]`.
    workforce: Vec<(f64, WorkforceLevels)>,
    current: u32,
    in_system_at_end: Vec<u64>,
    replication: u32,
    arrivals: u64,
    end_time: f64,
    csat: CsatModel,
    /// Agents per session slot of each group (1 / sessions): busy and present levels come in
    /// slots; at the end of a replication, agent time is turned into agents.
    per_slot: Vec<f64>,
    /// Agents scheduled (before shrinkage) by group and interval, `[g * n_intervals + i]`.
    scheduled: Vec<f64>,
    /// Loaded cost of a paid agent hour, by group.
    hourly_cost: Vec<f64>,
}

impl Collector {
    pub fn new(sc: &Scenario) -> Self {
        let n = sc.n_intervals as usize;
        let thresholds = sc
            .contact_types
            .iter()
            .map(|t| {
                let mut th = [f64::INFINITY; MAX_SL_THRESHOLDS];
                th[..t.sl_thresholds.len()].copy_from_slice(&t.sl_thresholds);
                th
            })
            .collect();
        let nt = sc.contact_types.len();
        let ng = sc.agent_groups.len();
        Self {
            warmup: sc.warmup,
            horizon: sc.horizon,
            interval: sc.interval,
            n_intervals: sc.n_intervals,
            thresholds,
            types: vec![TypeCounts::default(); nt * n],
            groups: vec![GroupCounts::default(); ng * n],
            waits: vec![WaitHistogram::default(); nt],
            interval_waits: vec![0; nt * n * COARSE.bins()],
            queue: vec![Level::default(); nt],
            busy: vec![Level::default(); ng],
            present: vec![Level::default(); ng],
            wrapping: if sc.has_wrap_up {
                vec![Level::default(); ng]
            } else {
                Vec::new()
            },
            pausing: if sc.has_occupancy_cap {
                vec![Level::default(); ng]
            } else {
                Vec::new()
            },
            workforce: if sc.workforce.is_some() {
                vec![(0.0, WorkforceLevels::default()); ng]
            } else {
                Vec::new()
            },
            current: 0,
            in_system_at_end: vec![0; nt],
            replication: 0,
            arrivals: 0,
            end_time: 0.0,
            csat: sc.csat,
            per_slot: sc.agent_groups.iter().map(|g| 1.0 / f64::from(g.sessions)).collect(),
            hourly_cost: sc.agent_groups.iter().map(|g| g.hourly_cost).collect(),
            scheduled: sc
                .agent_groups
                .iter()
                .flat_map(|g| g.scheduled.iter().copied())
                .collect(),
        }
    }

    /// Seconds of `[from, to)` that fall in the measured window `[warmup, horizon)`.
    #[inline]
    fn measured_span(&self, from: f64, to: f64) -> f64 {
        (to.min(self.horizon) - from.max(self.warmup)).max(0.0)
    }

    #[inline]
    fn type_slot(&mut self, ty: TypeId, interval: u32) -> &mut TypeCounts {
        &mut self.types[ty.index() * self.n_intervals as usize + interval as usize]
    }

    #[inline]
    fn group_slot(&mut self, g: GroupId) -> &mut GroupCounts {
        let i = g.index() * self.n_intervals as usize + self.current as usize;
        &mut self.groups[i]
    }

    #[inline]
    fn flush_queue(&mut self, ty: TypeId, now: f64) {
        let l = self.queue[ty.index()];
        let dt = self.measured_span(l.since, now);
        if dt > 0.0 && l.value > 0 {
            let cur = self.current;
            self.type_slot(ty, cur).queue_time += f64::from(l.value) * dt;
        }
        self.queue[ty.index()].since = now;
    }

    #[inline]
    fn flush_group(&mut self, g: GroupId, now: f64) {
        let (b, p) = (self.busy[g.index()], self.present[g.index()]);
        let db = self.measured_span(b.since, now);
        let dp = self.measured_span(p.since, now);
        let slot = self.group_slot(g);
        slot.busy_time += f64::from(b.value) * db;
        slot.present_time += f64::from(p.value) * dp;
        self.busy[g.index()].since = now;
        self.present[g.index()].since = now;
    }

    /// Brings group `g`'s after-call work integral (`pause` false) or its cap-pause integral
    /// (`pause` true) up to `now` — kept apart from the busy and present levels, so that
    /// groups with neither never look at them.
    fn flush_side(&mut self, g: GroupId, now: f64, pause: bool) {
        let levels = if pause { &mut self.pausing } else { &mut self.wrapping };
        let w = levels[g.index()];
        levels[g.index()].since = now;
        let dt = self.measured_span(w.since, now);
        if dt > 0.0 && w.value > 0 {
            let slot = self.group_slot(g);
            let area = f64::from(w.value) * dt;
            if pause {
                slot.pause_time += area;
            } else {
                slot.wrap_time += area;
            }
        }
    }

    /// Brings group `g`'s workforce integrals up to `now`.
    fn flush_workforce(&mut self, g: GroupId, now: f64) {
        let (since, w) = self.workforce[g.index()];
        self.workforce[g.index()].0 = now;
        let dt = self.measured_span(since, now);
        if dt > 0.0 {
            let slot = self.group_slot(g);
            slot.strain_time += w.strain * dt;
            slot.burnt_out_time += f64::from(w.burnt_out) * dt;
            slot.employed_time += f64::from(w.employed) * dt;
            slot.new_hire_time += f64::from(w.new_hires) * dt;
            slot.absent_time += f64::from(w.absent) * dt;
            slot.vacant_time += f64::from(w.vacant) * dt;
        }
    }

    fn flush_all(&mut self, now: f64) {
        for g in 0..self.workforce.len() {
            self.flush_workforce(GroupId(g as u16), now);
        }
        for t in 0..self.queue.len() {
            self.flush_queue(TypeId(t as u16), now);
        }
        for g in 0..self.busy.len() {
            self.flush_group(GroupId(g as u16), now);
        }
        for g in 0..self.wrapping.len() {
            self.flush_side(GroupId(g as u16), now, false);
        }
        for g in 0..self.pausing.len() {
            self.flush_side(GroupId(g as u16), now, true);
        }
    }

    /// Whether a contact counts in statistics (it arrived after the warm-up).
    #[inline]
    fn measured(&self, c: &ContactInfo) -> bool {
        c.arrival >= self.warmup
    }

    /// Like [`Collector::output`], but moves the counts into `spare` (an earlier output of
    /// the same scenario) by swapping buffers instead of copying them; the collector keeps the
    /// spare's buffers, which the next replication's start clears. Many intervals make an
    /// output large, and this saves copying it and allocating a new one every replication.
    pub fn output_reusing(&mut self, events: u64, spare: Option<RepOutput>) -> RepOutput {
        let nt = self.waits.len();
        let fits = |o: &RepOutput| {
            o.types.len() == self.types.len()
                && o.groups.len() == self.groups.len()
                && o.interval_wait_counts.len() == self.interval_waits.len()
                && o.in_system_at_end.len() == nt
        };
        let Some(mut out) = spare.filter(fits) else {
            return self.output(events);
        };
        std::mem::swap(&mut self.types, &mut out.types);
        std::mem::swap(&mut self.groups, &mut out.groups);
        std::mem::swap(&mut self.interval_waits, &mut out.interval_wait_counts);
        out.wait_counts.clear();
        out.wait_counts
            .extend(self.waits.iter().flat_map(|h| h.counts().iter().copied()));
        out.in_system_at_end.copy_from_slice(&self.in_system_at_end);
        out.replication = self.replication;
        out.n_intervals = self.n_intervals;
        out.arrivals = self.arrivals;
        out.events = events;
        out.end_time = self.end_time;
        out
    }

    /// Builds the replication's output. Call after the replication ran.
    pub fn output(&self, events: u64) -> RepOutput {
        RepOutput {
            replication: self.replication,
            n_intervals: self.n_intervals,
            types: self.types.clone(),
            groups: self.groups.clone(),
            wait_counts: self.waits.iter().flat_map(|h| h.counts().iter().copied()).collect(),
            interval_wait_counts: self.interval_waits.clone(),
            in_system_at_end: self.in_system_at_end.clone(),
            arrivals: self.arrivals,
            events,
            end_time: self.end_time,
        }
    }
}

impl Observer for Collector {
    fn on_start(&mut self, replication: u32) {
        self.replication = replication;
        for h in &mut self.waits {
            h.clear();
        }
        self.interval_waits.fill(0);
        self.queue.fill(Level::default());
        self.busy.fill(Level::default());
        self.present.fill(Level::default());
        self.wrapping.fill(Level::default());
        self.pausing.fill(Level::default());
        self.workforce.fill((0.0, WorkforceLevels::default()));
        self.current = 0;
        self.in_system_at_end.fill(0);
        self.arrivals = 0;
        self.end_time = 0.0;
        // Counts start at zero, with the measured length of each interval (the same for every
        // type and group), in one pass.
        let n = self.n_intervals as usize;
        for i in 0..n {
            let start = i as f64 * self.interval;
            let measured = self.measured_span(start, (start + self.interval).min(self.horizon));
            for t in 0..self.thresholds.len() {
                self.types[t * n + i] = TypeCounts {
                    measured,
                    ..TypeCounts::default()
                };
            }
            for g in 0..self.busy.len() {
                self.groups[g * n + i] = GroupCounts {
                    measured,
                    scheduled_time: measured * self.scheduled[g * n + i],
                    labour_cost: measured * self.scheduled[g * n + i] * self.hourly_cost[g] / 3600.0,
                    ..GroupCounts::default()
                };
            }
        }
    }

    #[inline]
    fn on_arrival(&mut self, _now: f64, c: &ContactInfo) {
        self.arrivals += 1;
        if self.measured(c) {
            let slot = self.type_slot(c.ty, c.interval);
            slot.offered += 1;
            if (c.attempt | c.repeat) != 0 && !c.routed {
                // A retry, or a repeat's first attempt.
                slot.retrials += u64::from(c.attempt > 0);
                slot.repeats += u64::from(c.attempt == 0);
            }
        }
    }

    #[inline]
    fn on_retry_scheduled(&mut self, _now: f64, c: &ContactInfo, _at: f64) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).retried += 1;
        }
    }

    fn on_balked(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).balked += 1;
        }
    }

    fn on_message(&mut self, now: f64, c: &ContactInfo) {
        if self.measured(c) {
            let slot = self.type_slot(c.ty, c.interval);
            slot.messages += 1;
            slot.wait_message += now - c.arrival;
        }
    }

    fn on_self_service(&mut self, now: f64, c: &ContactInfo, end: SelfServiceEnd) {
        if self.measured(c) {
            let slot = self.type_slot(c.ty, c.interval);
            match end {
                SelfServiceEnd::Contained => slot.contained += 1,
                SelfServiceEnd::HungUp => slot.ivr_hangups += 1,
                SelfServiceEnd::Routed => slot.routed += 1,
            }
            slot.ivr_time += now - c.arrival;
        }
    }

    fn on_callback(&mut self, _now: f64, c: &ContactInfo, event: CallbackEvent) {
        if self.measured(c) {
            let slot = self.type_slot(c.ty, c.interval);
            match event {
                CallbackEvent::Offered => slot.callbacks_offered += 1,
                CallbackEvent::Accepted => slot.callbacks_accepted += 1,
                CallbackEvent::MessageReturned => slot.messages_returned += 1,
                CallbackEvent::Reached => slot.dials_reached += 1,
                CallbackEvent::NotReached => slot.dials_missed += 1,
                CallbackEvent::Failed => slot.callbacks_failed += 1,
            }
        }
    }

    fn on_silent(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).silent += 1;
        }
    }

    fn on_transferred(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).transferred += 1;
        }
    }

    fn on_refused(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).refused += 1;
        }
    }

    #[inline]
    fn on_blocked(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).blocked += 1;
        }
    }

    #[inline]
    fn on_enqueue(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.type_slot(c.ty, c.interval).waited += 1;
        }
    }

    #[inline(always)] // once per answer
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, group: GroupId, handle: f64) {
        if !self.measured(c) {
            return;
        }
        let wait = now - c.arrival;
        let th = self.thresholds[c.ty.index()];
        let slot = self.type_slot(c.ty, c.interval);
        slot.answered += 1;
        slot.wait_answered += wait;
        slot.handle += handle;
        slot.max_wait_answered = slot.max_wait_answered.max(wait);
        for (k, t) in th.iter().enumerate() {
            slot.answered_within[k] += u64::from(wait <= *t);
        }
        let cell = (c.ty.index() * self.n_intervals as usize + c.interval as usize) * COARSE.bins();
        let bin = &mut self.interval_waits[cell + COARSE.index(wait)];
        *bin = bin.saturating_add(1);
        self.groups[group.index() * self.n_intervals as usize + c.interval as usize].answered += 1;
        self.waits[c.ty.index()].record(wait);
    }

    #[inline]
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        if !self.measured(c) {
            return;
        }
        let wait = now - c.arrival;
        let th = self.thresholds[c.ty.index()];
        let slot = self.type_slot(c.ty, c.interval);
        slot.abandoned += 1;
        slot.wait_abandoned += wait;
        for (k, t) in th.iter().enumerate() {
            slot.abandoned_within[k] += u64::from(wait <= *t);
        }
    }

    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        if self.measured(c) {
            let slot = self.type_slot(c.ty, c.interval);
            slot.cleared += 1;
            slot.wait_cleared += now - c.arrival;
        }
    }

    #[inline]
    fn on_queue_len(&mut self, now: f64, ty: TypeId, len: u32) {
        self.flush_queue(ty, now);
        self.queue[ty.index()].value = len;
    }

    fn on_wrap_up(&mut self, now: f64, group: GroupId, wrapping: u32) {
        self.flush_side(group, now, false);
        self.wrapping[group.index()].value = wrapping;
    }

    fn on_fatigue(&mut self, group: GroupId, interval: u32, area: f64) {
        self.groups[group.index() * self.n_intervals as usize + interval as usize].fatigue_time += area;
    }

    fn on_workforce(&mut self, now: f64, group: GroupId, levels: &WorkforceLevels) {
        self.flush_workforce(group, now);
        self.workforce[group.index()].1 = *levels;
    }

    fn on_turnover(&mut self, now: f64, group: GroupId, quit: bool) {
        if now >= self.warmup && now < self.horizon {
            let slot = self.group_slot(group);
            if quit {
                slot.quits += 1;
            } else {
                slot.hires += 1;
            }
        }
    }

    fn on_pause(&mut self, now: f64, group: GroupId, pausing: u32) {
        self.flush_side(group, now, true);
        self.pausing[group.index()].value = pausing;
    }

    #[inline]
    fn on_group(&mut self, now: f64, group: GroupId, busy: u32, present: u32) {
        self.flush_group(group, now);
        self.busy[group.index()].value = busy;
        self.present[group.index()].value = present;
    }

    fn on_interval(&mut self, now: f64, index: u32) {
        self.flush_all(now);
        self.current = index.min(self.n_intervals - 1);
    }

    fn on_close(&mut self, now: f64) {
        self.flush_all(now);
    }

    fn on_in_system_at_end(&mut self, _now: f64, c: &ContactInfo) {
        if self.measured(c) {
            self.in_system_at_end[c.ty.index()] += 1;
        }
    }

    fn on_journey_end(&mut self, _now: f64, j: &JourneyEnd) {
        if j.start < self.warmup {
            return;
        }
        let resolved = j.outcome == JourneyOutcome::Resolved;
        let handled = u32::from(j.handled);
        let eta = self.csat.eta(resolved, handled, u32::from(j.failed), j.wait_excess) + self.csat.effort(j);
        let score = self.csat.score(eta, resolved, handled);
        let slot = self.type_slot(j.ty, j.interval);
        slot.journeys += 1;
        match j.outcome {
            JourneyOutcome::Resolved => {
                slot.resolved += 1;
                slot.resolved_first += u64::from(handled == 1);
                slot.resolved_contacts += u64::from(handled);
            }
            JourneyOutcome::GaveUp => slot.gave_up += 1,
            JourneyOutcome::Open => slot.open += 1,
            JourneyOutcome::Unresolved => slot.unresolved += 1,
        }
        slot.journey_wait += j.wait;
        slot.journeys_contained += u64::from(j.contained);
        slot.journey_transfers += u64::from(j.transfers);
        slot.journey_switches += u64::from(j.switches);
        slot.journey_ivr += j.ivr;
        slot.csat += score.p_satisfied;
        slot.csat_score += score.mean_score;
        slot.nps += 100.0 * score.nps;
        slot.defect += score.p_defect;
    }

    fn on_end(&mut self, now: f64) {
        self.end_time = now;
        let n = self.n_intervals as usize;
        for (g, per_slot) in self.per_slot.iter().enumerate().filter(|(_, p)| **p != 1.0) {
            for slot in &mut self.groups[g * n..(g + 1) * n] {
                slot.busy_time *= per_slot;
                slot.wrap_time *= per_slot;
                slot.present_time *= per_slot;
            }
        }
    }
}
