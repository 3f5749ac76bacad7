//! Agent fatigue, strain, absence, attrition and learning (MODEL.md §1): the parameters with
//! their defaults, the state equations, the reference state and the effects. Pure functions of
//! time and state; the engine calls them at each agent's own state changes and once a day.
//!
//! Each agent carries an acute **fatigue** `f ∈ [0, 1]` (minutes to hours) and a chronic
//! **strain** `b ∈ [0, 1]` (weeks). Fatigue rises while the agent works and recovers while it
//! is idle, pausing, on a break or off shift; a difficult contact adds a jump at its end.
//! Strain is a daily moving average of the day's mean fatigue on duty plus a term for the
//! day's difficult contacts. Effects are relative to the reference state `(f_ref, b_ref)` of
//! an agent working at the reference occupancy, so that at that occupancy the input handle
//! time and resolution are unchanged.

/// Seconds in a day.
pub const DAY: f64 = 86_400.0;

/// What an agent is doing, as far as fatigue is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Serving or doing after-call work: fatigue builds up.
    Working,
    /// On duty and free: fatigue recovers at the idle rate.
    Idle,
    /// Pausing under an occupancy cap: a micro-break, recovering at the break rate.
    Pausing,
    /// Off duty: recovering at the break rate for the first `break_max` of the spell (a break
    /// or lunch), at the off-shift rate after that.
    Off,
}

/// Multipliers of an effect (handle time or resolution) per unit of fatigue and of strain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub fatigue: f64,
    pub strain: f64,
}

/// Unplanned absence (MODEL.md §1.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Absence {
    /// Probability that an agent is absent at the start of a shift, at the reference strain.
    pub per_shift: f64,
    /// Relative risk of absence days per burnout SD.
    pub rr_per_sd: f64,
    /// Relative risk of absence spells per burnout SD.
    pub spell_rr_per_sd: f64,
    /// Mean spell length at the reference strain, days (≥ 1).
    pub mean_spell_days: f64,
}

/// Quits (MODEL.md §1.3–1.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attrition {
    /// Base quit hazard per day, from the annual attrition `a`: `−ln(1 − a) / 365`.
    pub daily_hazard: f64,
    /// Relative quit hazard per burnout SD.
    pub rr_per_sd: f64,
    /// Hazard multiplier for agents in their first `new_hire_period` of production.
    pub new_hire: f64,
    /// Seconds of production during which an agent counts as a new hire.
    pub new_hire_period: f64,
    /// Seconds between a quit decision and the agent's last day.
    pub notice: f64,
}

/// The learning curve of new hires (MODEL.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Learning {
    /// Handle-time multiplier on the first day of production, `m0` (≥ 1).
    pub initial: f64,
    /// Time constant of the curve, seconds (`τ_L`).
    pub time_constant: f64,
    /// Resolution deficit on the first day of production, `d_L` (0–1).
    pub resolution_deficit: f64,
}

/// The hiring pipeline: from a quit notice to a replacement in production.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hiring {
    /// Seconds from the quit notice to the replacement's first day (requisition).
    pub requisition: f64,
    /// Seconds of classroom training after that, off the phones.
    pub training: f64,
}

impl Hiring {
    /// Seconds from a quit notice to the replacement's first day in production.
    pub fn lead(&self) -> f64 {
        self.requisition + self.training
    }
}

/// The state the effects are relative to: mean fatigue on duty and settled strain of an agent
/// working at the reference occupancy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    pub fatigue: f64,
    pub strain: f64,
}

/// The whole model; every field has MODEL.md §1.5's default (see [`Workforce::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Workforce {
    /// Occupancy at which the input handle times and resolution were measured (`ρ_ref`).
    pub reference_occupancy: f64,
    /// Build-up time constant while working, seconds (`T_up`).
    pub build_up: f64,
    /// Recovery time constant while idle on duty, seconds (`T_idle`).
    pub idle_recovery: f64,
    /// Recovery time constant on a break or a cap pause, seconds (`T_break`).
    pub break_recovery: f64,
    /// Recovery time constant off shift, seconds (`T_off`).
    pub off_recovery: f64,
    /// An off-duty spell recovers as a break for this long, then as off shift, seconds.
    pub break_max: f64,
    /// Probability that a contact is difficult (`p_difficult`).
    pub difficult: f64,
    /// Jump of fatigue at the end of a difficult contact (`J_diff`): `f ← f + J·(1 − f)`.
    pub jump: f64,
    /// Weight of ten difficult contacts in a day's strain exposure (`λ_d`).
    pub difficult_weight: f64,
    /// Time constant of strain, seconds (`τ_b`).
    pub memory: f64,
    /// Strain worth one burnout standard deviation (`σ_b`).
    pub sd: f64,
    /// Handle-time effect (`k_f`, `k_b`).
    pub handle_time: Effect,
    /// Resolution effect (`d_f`, `d_b`).
    pub resolution: Effect,
    pub absence: Absence,
    pub attrition: Attrition,
    pub learning: Learning,
    pub hiring: Hiring,
    /// The reference state; computed from the fields above by [`Workforce::settle`] unless
    /// the scenario gives it.
    pub reference: Reference,
}

impl Default for Workforce {
    fn default() -> Self {
        let mut w = Workforce {
            reference_occupancy: 0.80,
            build_up: 85.0 * 60.0,
            idle_recovery: 15.0 * 60.0,
            break_recovery: 10.0 * 60.0,
            off_recovery: 120.0 * 60.0,
            break_max: 60.0 * 60.0,
            difficult: 0.14,
            jump: 0.05,
            difficult_weight: 0.1,
            memory: 21.0 * DAY,
            sd: 0.12,
            handle_time: Effect {
                fatigue: 0.20,
                strain: 0.20,
            },
            resolution: Effect {
                fatigue: 0.10,
                strain: 0.10,
            },
            absence: Absence {
                per_shift: 0.04,
                rr_per_sd: 1.21,
                spell_rr_per_sd: 1.09,
                mean_spell_days: 1.5,
            },
            attrition: Attrition {
                daily_hazard: annual_to_daily(0.35),
                rr_per_sd: 1.16,
                new_hire: 2.0,
                new_hire_period: 90.0 * DAY,
                notice: 14.0 * DAY,
            },
            learning: Learning {
                initial: 2.0,
                time_constant: 3.0 * 365.0 / 12.0 * DAY,
                resolution_deficit: 0.10,
            },
            hiring: Hiring {
                requisition: 34.0 * DAY,
                training: 4.2 * 7.0 * DAY,
            },
            reference: Reference {
                fatigue: 0.0,
                strain: 0.0,
            },
        };
        w.reference = w.settle(w.reference_occupancy);
        w
    }
}

/// The daily quit hazard of an annual attrition share `annual` (0 ≤ annual < 1).
pub fn annual_to_daily(annual: f64) -> f64 {
    -(1.0 - annual).ln() / 365.0
}

/// Fatigue after `dt` seconds of work from `f`, and its integral over those seconds.
#[inline]
pub fn work(f: f64, dt: f64, build_up: f64) -> (f64, f64) {
    let decay = (-dt / build_up).exp();
    let end = 1.0 - (1.0 - f) * decay;
    (end, dt - (1.0 - f) * build_up * (1.0 - decay))
}

/// Fatigue after `dt` seconds of recovery at time constant `tau` from `f`, and its integral.
#[inline]
pub fn rest(f: f64, dt: f64, tau: f64) -> (f64, f64) {
    let decay = (-dt / tau).exp();
    (f * decay, f * tau * (1.0 - decay))
}

/// The fatigue level that fast alternation of work and idleness at occupancy `rho` settles
/// to, `k·ρ / (k·ρ + 1 − ρ)` with `k = T_idle / T_up` (MODEL.md §1.2).
pub fn steady_fatigue(rho: f64, build_up: f64, idle_recovery: f64) -> f64 {
    let k = idle_recovery / build_up;
    k * rho / (k * rho + 1.0 - rho)
}

impl Workforce {
    /// Fatigue of `f` after `dt` seconds of `activity`, the first `off_for` seconds of the
    /// spell already behind it when it is [`Activity::Off`]; and the integral of fatigue over
    /// those seconds.
    pub fn advance(&self, f: f64, dt: f64, activity: Activity, off_for: f64) -> (f64, f64) {
        match activity {
            Activity::Working => work(f, dt, self.build_up),
            Activity::Idle => rest(f, dt, self.idle_recovery),
            Activity::Pausing => rest(f, dt, self.break_recovery),
            Activity::Off => {
                let as_break = (self.break_max - off_for).clamp(0.0, dt);
                let (f, a) = rest(f, as_break, self.break_recovery);
                let (f, b) = rest(f, dt - as_break, self.off_recovery);
                (f, a + b)
            }
        }
    }

    /// Fatigue after a difficult contact ends at fatigue `f`.
    #[inline]
    pub fn after_difficult(&self, f: f64) -> f64 {
        f + self.jump * (1.0 - f)
    }

    /// The day's strain exposure: mean fatigue on duty plus the term for its `difficult`
    /// contacts (a count, or an expected count), in [0, 1]; 0 for a day not worked.
    pub fn exposure(&self, fatigue_area: f64, on_duty: f64, difficult: f64) -> f64 {
        if on_duty <= 0.0 {
            return 0.0;
        }
        (fatigue_area / on_duty + self.difficult_weight * difficult / 10.0).clamp(0.0, 1.0)
    }

    /// Strain `b` after a day of exposure `x`.
    pub fn next_strain(&self, b: f64, x: f64) -> f64 {
        x + (b - x) * (-DAY / self.memory).exp()
    }

    /// Strain in burnout standard deviations above the reference, `z = (b − b_ref) / σ_b`.
    #[inline]
    pub fn z(&self, b: f64) -> f64 {
        (b - self.reference.strain) / self.sd
    }

    /// Handle-time multiplier of fatigue `f` and strain `b` against the reference.
    pub fn handle_factor(&self, f: f64, b: f64) -> f64 {
        let e = self.handle_time;
        let r = self.reference;
        (1.0 + e.fatigue * f + e.strain * b) / (1.0 + e.fatigue * r.fatigue + e.strain * r.strain)
    }

    /// Resolution-probability factor of fatigue `f` and strain `b` against the reference.
    pub fn resolution_factor(&self, f: f64, b: f64) -> f64 {
        let e = self.resolution;
        let r = self.reference;
        ((1.0 - e.fatigue * f - e.strain * b) / (1.0 - e.fatigue * r.fatigue - e.strain * r.strain)).max(0.0)
    }

    /// Handle-time multiplier of the learning curve after `tenure` seconds in production.
    pub fn learning_handle(&self, tenure: f64) -> f64 {
        1.0 + (self.learning.initial - 1.0) * self.novice(tenure)
    }

    /// Resolution factor of the learning curve after `tenure` seconds in production.
    pub fn learning_resolution(&self, tenure: f64) -> f64 {
        1.0 - self.learning.resolution_deficit * self.novice(tenure)
    }

    /// How far along the learning curve an agent of `tenure` seconds is not yet:
    /// `e^{−t/τ_L}`, 1 on the first day of production, 0 for a tenured agent.
    pub fn novice(&self, tenure: f64) -> f64 {
        (-tenure.max(0.0) / self.learning.time_constant).exp()
    }

    /// Probability of being absent at the start of a shift at strain `b` (at most 1).
    pub fn absence_probability(&self, b: f64) -> f64 {
        (self.absence.per_shift * self.absence.rr_per_sd.powf(self.z(b))).min(1.0)
    }

    /// Mean absence spell at strain `b`, days (at least 1).
    pub fn mean_spell_days(&self, b: f64) -> f64 {
        let a = self.absence;
        (a.mean_spell_days * (a.rr_per_sd / a.spell_rr_per_sd).powf(self.z(b))).max(1.0)
    }

    /// Quit hazard per day at strain `b` after `tenure` seconds in production.
    pub fn quit_hazard(&self, b: f64, tenure: f64) -> f64 {
        let a = self.attrition;
        let new = if tenure < a.new_hire_period { a.new_hire } else { 1.0 };
        a.daily_hazard * new * a.rr_per_sd.powf(self.z(b))
    }

    /// The reference state of an agent working at occupancy `rho` on the standard week
    /// ([`WeekRun`]) until its strain settles: the mean fatigue over the last week's shifts
    /// (breaks included) and the mean strain over its seven days (what the daily quit draws
    /// see, and what the `strain` figure reports).
    pub fn settle(&self, rho: f64) -> Reference {
        let weeks = (10.0 * self.memory / (7.0 * DAY)).ceil().max(4.0) as u32;
        let mut run = WeekRun::new(self, rho);
        for _ in 1..weeks {
            run.week();
        }
        let last = run.week();
        Reference {
            fatigue: last.mean_fatigue,
            strain: last.mean_strain,
        }
    }
}

/// One week's means of the standard-week run.
#[derive(Debug, Clone, Copy)]
pub struct WeekMeans {
    /// Mean fatigue over the week's shifts, breaks included.
    pub mean_fatigue: f64,
    /// Mean strain in effect during the week's shifts (at their starts).
    pub shift_strain: f64,
    /// Mean strain over the week's seven days.
    pub mean_strain: f64,
    /// Strain at the end of the week, after its two days off (the week's low).
    pub end_strain: f64,
}

/// The standard week the reference state is computed on (MODEL.md §1.2): five 8-hour shifts
/// and two days off; 5-minute contacts at occupancy `ρ`, each followed by `5·(1 − ρ)/ρ`
/// minutes idle; two 15-minute breaks, after the 2nd and the 6th hour; difficult contacts
/// at their expected rate. Deterministic: a fluid version of what the engine samples.
pub struct WeekRun<'w> {
    model: &'w Workforce,
    rho: f64,
    /// Fatigue and strain now (at a day's end).
    pub fatigue: f64,
    pub strain: f64,
}

impl<'w> WeekRun<'w> {
    /// An agent at rest (`f = b = 0`) about to start the standard week at occupancy `rho`.
    pub fn new(model: &'w Workforce, rho: f64) -> Self {
        Self {
            model,
            rho,
            fatigue: 0.0,
            strain: 0.0,
        }
    }

    /// Runs one standard week at occupancy `rho`.
    pub fn week(&mut self) -> WeekMeans {
        let break_len = 15.0 * 60.0;
        let m = self.model;
        let contact = 300.0;
        let gap = contact * (1.0 - self.rho) / self.rho;
        let (mut shifts_area, mut shifts_time, mut strain_sum) = (0.0, 0.0, 0.0);
        let mut shift_starts = 0.0;
        let mut all_days = 0.0;
        for day in 0..7 {
            let mut x = 0.0;
            let mut t = 0.0;
            if day < 5 {
                let (mut area, mut on, mut difficult) = (0.0, 0.0, 0.0);
                let mut f = self.fatigue;
                strain_sum += self.strain;
                shift_starts += 1.0;
                // Work and idle in turns up to each mark, then a break after the first two.
                for (mark, pause) in [(2.0 * 3600.0, true), (6.0 * 3600.0, true), (8.0 * 3600.0, false)] {
                    while t < mark - 1e-9 {
                        let w = contact.min(mark - t);
                        let (f1, a) = work(f, w, m.build_up);
                        let i = gap.min(mark - t - w);
                        let (f2, b) = rest(m.after_difficult_expected(f1, w / contact), i, m.idle_recovery);
                        difficult += m.difficult * w / contact;
                        f = f2;
                        area += a + b;
                        on += w + i;
                        t += w + i;
                    }
                    if pause {
                        let (f1, a) = m.advance(f, break_len, Activity::Off, 0.0);
                        f = f1;
                        area += a;
                        on += break_len;
                        t += break_len;
                    }
                }
                x = m.exposure(area, on, difficult);
                shifts_area += area;
                shifts_time += on;
                self.fatigue = f;
            }
            // The rest of the day off duty.
            self.fatigue = m.advance(self.fatigue, DAY - t, Activity::Off, 0.0).0;
            all_days += self.strain;
            self.strain = m.next_strain(self.strain, x);
        }
        WeekMeans {
            mean_fatigue: shifts_area / shifts_time,
            shift_strain: strain_sum / shift_starts,
            mean_strain: all_days / 7.0,
            end_strain: self.strain,
        }
    }
}

impl Workforce {
    /// The expected fatigue after a contact (a `share` of a whole one) ends at `f`: the jump
    /// weighted by the probability that the contact is difficult.
    fn after_difficult_expected(&self, f: f64, share: f64) -> f64 {
        f + self.difficult * share * self.jump * (1.0 - f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn work_and_rest_integrals_match_a_fine_riemann_sum() {
        let (f0, dt, tau) = (0.3, 1800.0, 900.0);
        let n = 200_000;
        let h = dt / f64::from(n);
        let (mut fw, mut fr, mut aw, mut ar) = (f0, f0, 0.0, 0.0);
        for _ in 0..n {
            aw += h * (fw + work(fw, h, tau).0) / 2.0;
            ar += h * (fr + rest(fr, h, tau).0) / 2.0;
            fw = work(fw, h, tau).0;
            fr = rest(fr, h, tau).0;
        }
        let (ew, iw) = work(f0, dt, tau);
        let (er, ir) = rest(f0, dt, tau);
        assert!(close(ew, fw, 1e-9) && close(er, fr, 1e-9));
        assert!(close(iw, aw, 1e-6) && close(ir, ar, 1e-6), "{iw} {aw} {ir} {ar}");
    }

    #[test]
    fn steady_fatigue_matches_the_table_of_model_section_1_2() {
        let w = Workforce::default();
        for (rho, f) in [
            (0.60, 0.21),
            (0.75, 0.35),
            (0.80, 0.41),
            (0.85, 0.50),
            (0.90, 0.61),
            (0.93, 0.70),
            (0.95, 0.77),
        ] {
            let got = steady_fatigue(rho, w.build_up, w.idle_recovery);
            assert!(close(got, f, 0.005), "ρ = {rho}: {got} against {f}");
        }
    }

    #[test]
    fn fast_alternation_in_the_engine_equations_settles_at_the_steady_fatigue() {
        let w = Workforce::default();
        let (mut f, rho) = (0.0, 0.85);
        for _ in 0..20_000 {
            f = work(f, 6.0 * rho, w.build_up).0;
            f = rest(f, 6.0 * (1.0 - rho), w.idle_recovery).0;
        }
        assert!(close(f, steady_fatigue(rho, w.build_up, w.idle_recovery), 0.002), "{f}");
    }

    /// MODEL.md §1.2, "computed by us": shift-mean fatigue and settled strain of the standard
    /// week, without difficult contacts. The settled strain quoted there is the week's low,
    /// after the two days off.
    #[test]
    fn the_standard_week_reproduces_the_shift_means_and_settled_strain_of_model_section_1_2() {
        let w = Workforce {
            difficult: 0.0,
            ..Workforce::default()
        };
        for (rho, f, b) in [
            (0.80, 0.31, 0.21),
            (0.85, 0.36, 0.24),
            (0.90, 0.42, 0.28),
            (0.95, 0.49, 0.33),
        ] {
            let mut run = WeekRun::new(&w, rho);
            for _ in 0..30 {
                run.week();
            }
            let last = run.week();
            assert!(
                close(last.mean_fatigue, f, 0.011),
                "ρ = {rho}: f̄ {} against {f}",
                last.mean_fatigue
            );
            assert!(
                close(last.end_strain, b, 0.011),
                "ρ = {rho}: b {} against {b}",
                last.end_strain
            );
        }
        // The reference is the same run at ρ_ref, strain as in effect during the shifts.
        let r = w.settle(0.80);
        assert!(close(r.fatigue, 0.31, 0.011) && r.strain > 0.21 && r.strain < 0.24);
    }

    #[test]
    fn a_fifteen_minute_break_after_two_hours_at_ninety_percent_removes_about_three_quarters_of_fatigue() {
        let w = Workforce::default();
        let mut f = 0.0;
        for _ in 0..24 {
            f = work(f, 270.0, w.build_up).0;
            f = rest(f, 30.0, w.idle_recovery).0;
        }
        let after = w.advance(f, 900.0, Activity::Off, 0.0).0;
        let removed = 1.0 - after / f;
        assert!(close(removed, 0.75, 0.04), "{removed}");
    }

    #[test]
    fn an_off_spell_recovers_as_a_break_then_as_off_shift_and_is_continuous_in_its_length() {
        let w = Workforce::default();
        let whole = w.advance(0.5, 3.0 * 3600.0, Activity::Off, 0.0);
        let split = {
            let (f, a) = w.advance(0.5, 1800.0, Activity::Off, 0.0);
            let (f, b) = w.advance(f, 3.0 * 3600.0 - 1800.0, Activity::Off, 1800.0);
            (f, a + b)
        };
        assert!(close(whole.0, split.0, 1e-12) && close(whole.1, split.1, 1e-9));
        let expected = 0.5 * (-6.0f64).exp() * (-1.0f64).exp();
        assert!(close(whole.0, expected, 1e-12));
    }

    #[test]
    fn effects_are_one_at_the_reference_and_grow_with_fatigue_and_strain() {
        let w = Workforce::default();
        let r = w.reference;
        assert!(close(w.handle_factor(r.fatigue, r.strain), 1.0, 1e-12));
        assert!(close(w.resolution_factor(r.fatigue, r.strain), 1.0, 1e-12));
        assert!(close(w.absence_probability(r.strain), 0.04, 1e-12));
        assert!(close(w.quit_hazard(r.strain, 1e9), annual_to_daily(0.35), 1e-15));
        assert!(w.handle_factor(r.fatigue + 0.1, r.strain) > 1.0);
        assert!(w.resolution_factor(r.fatigue, r.strain + 0.1) < 1.0);
        assert!(close(
            w.quit_hazard(r.strain + w.sd, 1e9) / w.quit_hazard(r.strain, 1e9),
            1.16,
            1e-12
        ));
        assert!(close(
            w.quit_hazard(r.strain, 0.0) / w.quit_hazard(r.strain, 1e9),
            2.0,
            1e-12
        ));
    }

    /// MODEL.md §1.6: eight weeks at 95 % instead of 80 % give, at the defaults, handle time
    /// about +5.5 %, resolution about −3 % relative, absence × 1.2 and quits × 1.16.
    #[test]
    fn eight_weeks_at_ninety_five_percent_give_the_sanity_magnitudes_of_model_section_1_6() {
        let mut w = Workforce {
            difficult: 0.0,
            ..Workforce::default()
        };
        w.reference = w.settle(w.reference_occupancy);
        let mut run = WeekRun::new(&w, 0.80);
        for _ in 0..30 {
            run.week();
        }
        let mut hot = WeekRun { rho: 0.95, ..run };
        let mut last = hot.week();
        for _ in 1..8 {
            last = hot.week();
        }
        let aht = w.handle_factor(last.mean_fatigue, last.shift_strain);
        let fcr = w.resolution_factor(last.mean_fatigue, last.shift_strain);
        let absence = w.absence_probability(last.shift_strain) / w.absence.per_shift;
        let quits = w.quit_hazard(last.mean_strain, 1e9) / w.attrition.daily_hazard;
        assert!(close(aht, 1.055, 0.01), "AHT × {aht}");
        assert!(close(fcr, 0.97, 0.01), "FCR × {fcr}");
        assert!(close(absence, 1.2, 0.05), "absence × {absence}");
        assert!(close(quits, 1.16, 0.04), "quits × {quits}");
        let annual = 1.0 - (-365.0 * w.attrition.daily_hazard * quits).exp();
        assert!(close(annual, 0.39, 0.01), "annual attrition {annual}");
    }

    #[test]
    fn the_learning_curve_gives_about_half_efficiency_in_month_one_and_ninety_five_percent_by_nine_months() {
        let w = Workforce::default();
        let month = 365.0 / 12.0 * DAY;
        // Month-1 efficiency: 1 / mean multiplier over the first month (MODEL.md §1.4: 0.54).
        let n = 1000;
        let mean: f64 = (0..n)
            .map(|i| w.learning_handle((f64::from(i) + 0.5) / f64::from(n) * month))
            .sum::<f64>()
            / f64::from(n);
        assert!(close(1.0 / mean, 0.54, 0.01), "{}", 1.0 / mean);
        assert!(1.0 / w.learning_handle(8.8 * month) >= 0.95 - 1e-3);
        assert!(1.0 / w.learning_handle(8.0 * month) < 0.95);
    }

    #[test]
    fn strain_is_a_daily_moving_average_that_decays_on_days_off() {
        let w = Workforce::default();
        let keep = (-1.0f64 / 21.0).exp();
        assert!(close(w.next_strain(0.2, 0.5), 0.5 + (0.2 - 0.5) * keep, 1e-12));
        let three_days_off = (0..3).fold(0.2, |b, _| w.next_strain(b, 0.0));
        assert!(close(three_days_off, 0.2 * keep.powi(3), 1e-12));
        assert!(close(w.exposure(3600.0 * 0.4, 3600.0, 10.0), 0.5, 1e-12));
        assert_eq!(w.exposure(0.0, 0.0, 3.0), 0.0);
    }
}
