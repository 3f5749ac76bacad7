//! The engine's side of `[workforce]` (MODEL.md §1; the equations are in
//! [`crate::workforce`]): each agent's fatigue is brought up to date lazily, at the agent's
//! own changes of activity, never by a periodic tick; once a day every agent's strain takes in
//! the day, and quits and hires are decided. Absence is drawn as an agent comes on for a new
//! shift; an absent agent, or a vacancy, counts toward its group's headcount but takes no
//! contacts.
//!
//! Who comes on duty: an agent back from a spell off shorter than `break_max` is back from a
//! break (the most recent to go off comes back first, as without `[workforce]`); otherwise a
//! shift starts, and the agent off longest comes on — so a group with more employees than its
//! headcount gives them days off in turn.

use super::agent::{Agent, AgentStatus};
use super::event::{AgentId, EventKind};
use super::{Engine, Observer, RoutingPolicy};
use crate::rng::{self, Rng, Source, StreamId};
use crate::scenario::GroupId;
use crate::stats::WorkforceLevels;
use crate::workforce::{Activity, DAY, Workforce};
use rand::Rng as _;

/// One agent's workforce state.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    /// Acute fatigue, 0–1, as of `at`.
    pub fatigue: f64,
    /// When `fatigue` was last brought up to date, seconds.
    pub at: f64,
    /// When the agent's current spell off duty began, seconds (meaningful while off or away).
    pub off_since: f64,
    /// When the agent last came on duty, seconds (meaningful while on duty).
    pub on_since: f64,
    /// Chronic strain, 0–1, as of the last day's end.
    pub strain: f64,
    /// Today's ∫ f dt on duty and on breaks, and the seconds it covers.
    pub day_area: f64,
    pub day_time: f64,
    /// Difficult contacts today.
    pub day_difficult: u32,
    /// When the agent started in production, seconds (−∞: long tenured).
    pub hired: f64,
    /// Absent until then, seconds.
    pub absent_until: f64,
    /// The agent's place is vacant from then (its notice over), seconds; +∞: not leaving.
    pub leaves_at: f64,
    /// The replacement starts in production then, seconds; meaningful once notice is given.
    pub replaced_at: f64,
    /// The current spell away is a vacancy (else an absence).
    pub away_vacant: bool,
}

impl Person {
    /// A tenured agent at the start of a replication: rested, at the reference strain.
    fn tenured(strain: f64) -> Self {
        Self {
            fatigue: 0.0,
            at: 0.0,
            off_since: f64::NEG_INFINITY,
            on_since: 0.0,
            strain,
            day_area: 0.0,
            day_time: 0.0,
            day_difficult: 0,
            hired: f64::NEG_INFINITY,
            absent_until: f64::NEG_INFINITY,
            leaves_at: f64::INFINITY,
            replaced_at: f64::INFINITY,
            away_vacant: false,
        }
    }
}

/// The workforce state of a replication.
#[derive(Debug, Clone)]
pub struct Crew {
    /// One per agent record.
    pub people: Vec<Person>,
    /// Difficult contacts, absences and quits.
    pub rng: Rng,
    /// Per group: agents away absent, and away to a vacancy.
    pub absent: Vec<u32>,
    pub vacant: Vec<u32>,
}

impl Crew {
    pub fn new(seed: u64, agents: usize, groups: usize) -> Self {
        Self {
            people: vec![Person::tenured(0.0); agents],
            rng: rng::stream(seed, 0, StreamId::new(Source::Workforce, 0)),
            absent: vec![0; groups],
            vacant: vec![0; groups],
        }
    }
}

/// What `a` is doing, for fatigue.
#[inline]
fn activity(a: &Agent) -> Activity {
    match a.status {
        AgentStatus::Off | AgentStatus::Away => Activity::Off,
        AgentStatus::Idle => Activity::Idle,
        AgentStatus::Busy if a.pausing => Activity::Pausing,
        AgentStatus::Busy => Activity::Working,
    }
}

impl<'s, P: RoutingPolicy, O: Observer> Engine<'s, P, O> {
    /// The model; only called under `[workforce]`.
    #[inline]
    fn model(&self) -> &'s Workforce {
        self.sc.workforce.as_ref().expect("a workforce model")
    }

    /// Resets the crew for `replication`, and schedules the first day's end.
    #[cold]
    #[inline(never)]
    pub(super) fn reset_crew(&mut self, replication: u32) {
        let Some(w) = self.sc.workforce.as_ref() else { return };
        let strain = w.reference.strain;
        let crew = &mut self.crew;
        crew.people.fill(Person::tenured(strain));
        crew.rng = rng::stream(
            self.sc.seed,
            u64::from(replication),
            StreamId::new(Source::Workforce, 0),
        );
        crew.absent.fill(0);
        crew.vacant.fill(0);
        let first = DAY - self.sc.day_start_s;
        if first <= self.sc.horizon {
            self.events.push(first, EventKind::Day { index: 0 });
        }
    }

    /// Brings `agent`'s fatigue up to now over the activity of `before` (its record before a
    /// change); a spell off duty is taken whole when it ends, and counts in the day as a break
    /// when it was no longer than `break_max`. Reports fatigue on duty per interval.
    #[cold]
    #[inline(never)]
    pub(super) fn wear(&mut self, agent: AgentId, before: Activity) {
        let now = self.now;
        let w = self.sc.workforce.as_ref().expect("a workforce model");
        let p = &mut self.crew.people[agent.index()];
        if p.at >= now {
            return;
        }
        if before == Activity::Off {
            let (f, area) = w.advance(p.fatigue, now - p.at, Activity::Off, p.at - p.off_since);
            if now - p.off_since <= w.break_max {
                p.day_area += area;
                p.day_time += now - p.at;
            }
            p.fatigue = f;
            p.at = now;
            return;
        }
        let g = self.agents[agent.index()].group;
        let (warmup, horizon) = (self.sc.warmup, self.sc.horizon);
        while p.at < now {
            // Pieces end at interval boundaries and at the warm-up's end.
            let i = self.sc.interval_of(p.at);
            let mut end = now.min(self.sc.interval_start(i + 1));
            if p.at < warmup {
                end = end.min(warmup);
            }
            if end <= p.at {
                end = now; // past the last interval
            }
            let (f, area) = w.advance(p.fatigue, end - p.at, before, 0.0);
            p.day_area += area;
            p.day_time += end - p.at;
            if p.at >= warmup && p.at < horizon {
                self.observer.on_fatigue(g, i, area);
            }
            p.fatigue = f;
            p.at = end;
        }
    }

    /// `agent` changed from `before`: fatigue is brought up to date over what it was doing,
    /// and a spell off begins or the away counts move.
    #[cold]
    #[inline(never)]
    pub(super) fn crew_changed(&mut self, agent: AgentId, before: Agent) {
        let (from, now_rec) = (activity(&before), self.agents[agent.index()]);
        if self.sc.agent_groups[now_rec.group.index()].ai.is_some() {
            return; // AI agents never tire
        }
        let to = activity(&now_rec);
        if from != Activity::Off || to != Activity::Off {
            self.wear(agent, from);
        }
        if from != Activity::Off && to == Activity::Off {
            self.crew.people[agent.index()].off_since = self.now;
        }
        if from == Activity::Off && to != Activity::Off {
            self.crew.people[agent.index()].on_since = self.now;
        }
        let away = |s: AgentStatus| s == AgentStatus::Away;
        if away(before.status) != away(now_rec.status) {
            let g = now_rec.group.index();
            let p = &self.crew.people[agent.index()];
            let counter = if p.away_vacant {
                &mut self.crew.vacant[g]
            } else {
                &mut self.crew.absent[g]
            };
            if away(now_rec.status) {
                *counter += 1;
            } else {
                *counter -= 1;
            }
            self.report_crew(now_rec.group);
        }
    }

    /// The handle-time multiplier of `agent` now: fatigue and strain against the reference,
    /// times the learning curve.
    #[cold]
    #[inline(never)]
    pub(super) fn crew_handle_factor(&mut self, agent: AgentId, assist: f64) -> f64 {
        let before = activity(&self.agents[agent.index()]);
        self.wear(agent, before);
        let p = self.crew.people[agent.index()];
        let w = self.model();
        let tenure = self.sc.assist.effective_tenure(self.now - p.hired, assist);
        w.handle_factor(p.fatigue, p.strain) * w.learning_handle(tenure)
    }

    /// The resolution factor of `agent` now, at its group's agent-assist adoption `assist`,
    /// and whether the contact it just finished was difficult (then its fatigue jumps).
    #[cold]
    #[inline(never)]
    pub(super) fn crew_after_contact(&mut self, agent: AgentId, assist: f64) -> f64 {
        self.wear(agent, Activity::Working);
        let w = self.sc.workforce.as_ref().expect("a workforce model");
        let m = &self.sc.assist;
        let p = &mut self.crew.people[agent.index()];
        let tenure = self.now - p.hired;
        let mut factor = w.resolution_factor(p.fatigue, p.strain) * w.learning_resolution(tenure);
        let mut difficult = w.difficult;
        if assist > 0.0 {
            factor *= m.resolution_factor(assist, w.novice(tenure));
            difficult *= m.difficult_factor(assist);
        }
        if self.crew.rng.random::<f64>() < difficult {
            p.fatigue = w.after_difficult(p.fatigue);
            p.day_difficult += 1;
        }
        factor
    }

    /// The next agent of group `gi` to come on duty: of those on a break (off for less than
    /// `break_max`), the one off longest; with none on a break, a shift starts and the agent
    /// off longest of all comes on. So each agent's break lasts what the plan's breaks last.
    #[cold]
    #[inline(never)]
    pub(super) fn next_on_duty(&self, gi: usize) -> Option<AgentId> {
        let off = &self.rosters[gi].off;
        let break_max = self.model().break_max;
        let on_break = |a: &AgentId| self.now - self.crew.people[a.index()].off_since < break_max;
        // The off list is in the order agents went off: those on a break are at its back.
        off.iter_back(&self.agents)
            .take_while(on_break)
            .last()
            .or_else(|| off.front())
    }

    /// The idle agent of group `gi` to go off duty when the headcount falls: the one on duty
    /// longest, so that a plan's staggered breaks go to agents who have not had theirs.
    #[cold]
    #[inline(never)]
    pub(super) fn next_off_duty(&self, gi: usize) -> Option<AgentId> {
        let people = &self.crew.people;
        self.rosters[gi]
            .idle
            .iter(&self.agents)
            .min_by(|a, b| people[a.index()].on_since.total_cmp(&people[b.index()].on_since))
    }

    /// Whether `agent`, coming on duty, is away instead: its place is vacant, it is in an
    /// absence spell, or a new shift starts and it is absent today (drawn at its strain).
    #[cold]
    #[inline(never)]
    pub(super) fn stays_away(&mut self, agent: AgentId) -> bool {
        let now = self.now;
        let day_start = self.sc.day_start_s;
        let w = self.sc.workforce.as_ref().expect("a workforce model");
        if self.sc.agent_groups[self.agents[agent.index()].group.index()]
            .ai
            .is_some()
        {
            return false; // AI agents are never absent
        }
        let p = &mut self.crew.people[agent.index()];
        if p.leaves_at <= now {
            p.away_vacant = true;
            return true;
        }
        p.away_vacant = false;
        if now < p.absent_until {
            return true;
        }
        if now - p.off_since < w.break_max || self.crew.rng.random::<f64>() >= w.absence_probability(p.strain) {
            return false;
        }
        // A spell of 1 + G whole days, G geometric with mean ℓ − 1, ending at a day's end.
        let mean = w.mean_spell_days(p.strain);
        let extra = if mean > 1.0 {
            let q = 1.0 - 1.0 / mean; // P(one more day)
            let u: f64 = self.crew.rng.random();
            ((1.0 - u).ln() / q.ln()).floor()
        } else {
            0.0
        };
        let today_ends = ((now + day_start) / DAY).floor() * DAY - day_start + DAY;
        p.absent_until = today_ends + extra * DAY;
        true
    }

    /// The end of clock day `index`: every agent's strain takes in the day; notices take
    /// effect, replacements start, and quits are drawn; each group's levels are reported.
    #[cold]
    #[inline(never)]
    pub(super) fn on_day(&mut self, index: u32) {
        let now = self.now;
        let w = self.model();
        for gi in 0..self.rosters.len() {
            let g = GroupId(gi as u16);
            if self.sc.agent_groups[gi].ai.is_some() {
                continue; // AI agents never tire or quit
            }
            let assist = self.adoption(g);
            let (start, size) = (self.rosters[gi].start, self.rosters[gi].size);
            for i in start..start + size {
                let a = self.agents[i as usize];
                let act = activity(&a);
                if act != Activity::Off {
                    self.wear(AgentId(i), act);
                }
                let p = &mut self.crew.people[i as usize];
                let x = w.exposure(p.day_area, p.day_time, f64::from(p.day_difficult));
                p.strain = w.next_strain(p.strain, x);
                p.day_area = 0.0;
                p.day_time = 0.0;
                p.day_difficult = 0;
                let mut hired = false;
                if p.replaced_at <= now {
                    // The replacement starts: a new, rested hire.
                    hired = true;
                    *p = Person {
                        hired: p.replaced_at,
                        off_since: p.off_since,
                        fatigue: p.fatigue,
                        at: p.at,
                        away_vacant: p.away_vacant,
                        ..Person::tenured(0.0)
                    };
                    self.observer.on_turnover(now, g, false);
                } else if p.leaves_at == f64::INFINITY {
                    let tenure = now - p.hired;
                    let hazard = w.quit_hazard(p.strain, tenure) * self.sc.assist.quit_factor(assist, tenure);
                    if self.crew.rng.random::<f64>() < -(-hazard).exp_m1() {
                        p.leaves_at = now + w.attrition.notice;
                        p.replaced_at = (now + w.hiring.lead()).max(p.leaves_at);
                        self.observer.on_turnover(now, g, true);
                    }
                }
                let gone = p.leaves_at <= now;
                if gone && a.status == AgentStatus::Idle {
                    // A leaver on duty: its place is vacant from now.
                    p.away_vacant = true;
                    self.set_agent(AgentId(i), AgentStatus::Away, false, true);
                } else if hired && a.status == AgentStatus::Away {
                    // The new hire fills the place it was hired for.
                    let to = if self.take_next(AgentId(i)) {
                        AgentStatus::Busy
                    } else {
                        AgentStatus::Idle
                    };
                    self.set_agent(AgentId(i), to, false, true);
                }
            }
            self.report_crew(g);
        }
        let next = now + DAY;
        if next <= self.sc.horizon {
            self.events.push(next, EventKind::Day { index: index + 1 });
        }
    }

    /// Whether `agent`, just free, has served its notice: its place is vacant from now.
    #[cold]
    #[inline(never)]
    pub(super) fn served_notice(&mut self, agent: AgentId) -> bool {
        let p = &mut self.crew.people[agent.index()];
        if p.leaves_at > self.now {
            return false;
        }
        p.away_vacant = true;
        self.set_agent(agent, AgentStatus::Away, false, true);
        true
    }

    /// Tells the observer group `g`'s workforce levels.
    #[cold]
    #[inline(never)]
    pub(super) fn report_crew(&mut self, g: GroupId) {
        if self.sc.agent_groups[g.index()].ai.is_some() {
            return; // no workforce to report
        }
        let now = self.now;
        let w = self.model();
        let (threshold, new_period) = (w.reference.strain + w.sd, w.attrition.new_hire_period);
        let r = &self.rosters[g.index()];
        let mut levels = WorkforceLevels {
            absent: self.crew.absent[g.index()],
            vacant: self.crew.vacant[g.index()],
            ..WorkforceLevels::default()
        };
        for p in &self.crew.people[r.start as usize..(r.start + r.size) as usize] {
            if p.leaves_at <= now {
                continue; // a vacancy
            }
            levels.employed += 1;
            levels.strain += p.strain;
            levels.burnt_out += u32::from(p.strain >= threshold);
            levels.new_hires += u32::from(now - p.hired < new_period);
        }
        self.observer.on_workforce(now, g, &levels);
    }
}
