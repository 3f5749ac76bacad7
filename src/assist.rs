//! AI agent-assist (MODEL.md §5.3): a tool rolled out to chosen agent groups that shortens
//! handling and after-call work, lifts new hires' resolution, spares agents some difficult
//! contacts and keeps more new hires; each effect grows with the group's adoption of the tool.
//!
//! Adoption after `τ` seconds in use is `a(τ) = 1 − e^{−τ/τ_adopt}` (0 before the rollout). With
//! tenure `t` (seconds in production; +∞ for a tenured agent, and for every agent without
//! `[workforce]`):
//!
//! ```text
//! learning curve     evaluated at t + Δt_assist·a          (new hires climb it sooner)
//! handle time        × (1 − g_inf·a)                       (every agent)
//! after-call work    × (1 − r_acw·a)
//! P(resolve)         × (1 + r_res·e^{−t/τ_L}·a)            (new hires; 1 for tenured agents)
//! p_difficult        × (1 − r_diff·a)
//! quit hazard        × (1 − r_q·a)  while t < the new-hire window
//! ```
//!
//! The defaults are MODEL.md §5.3's, from Brynjolfsson, Li & Raymond's field study of a
//! generative-AI assistant for 5,179 chat agents: two months' tenure with the tool perform
//! like six months without (Δt = 4 months), about 0 effect after a year (g_inf = 3%), notes
//! are 10–33% of call time (r_acw = 0.4), manager requests −25% (r_diff), new-hire attrition
//! −10 points on 25% (r_q = 0.4).

use crate::workforce::DAY;

/// The assist model; every field has MODEL.md §5.3's default (see [`Assist::default`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assist {
    /// `Δt_assist`: seconds of tenure the tool adds on the learning curve at full adoption.
    pub tenure_shift: f64,
    /// `g_inf`: relative cut in every agent's handle time at full adoption, in `[0, 1)`.
    pub floor_gain: f64,
    /// `r_acw`: relative cut in after-call work at full adoption, in `[0, 1]`.
    pub acw_reduction: f64,
    /// `r_res`: relative lift of a first-day agent's resolution at full adoption (≥ 0); it
    /// fades with tenure like the learning curve.
    pub resolution_uplift: f64,
    /// `r_diff`: relative cut in the share of difficult contacts at full adoption, in `[0, 1]`.
    pub difficult_reduction: f64,
    /// `r_q`: relative cut in new hires' quit hazard at full adoption, in `[0, 1]`.
    pub new_hire_quit_reduction: f64,
    /// Seconds of tenure during which the quit reduction applies (6 months).
    pub new_hire_window: f64,
    /// `τ_adopt`: time constant of the adoption ramp, seconds (> 0).
    pub adoption: f64,
}

/// One month, seconds: a twelfth of 365 days.
pub const MONTH: f64 = 365.0 / 12.0 * DAY;

impl Default for Assist {
    fn default() -> Self {
        Self {
            tenure_shift: 4.0 * MONTH,
            floor_gain: 0.03,
            acw_reduction: 0.4,
            resolution_uplift: 0.05,
            difficult_reduction: 0.25,
            new_hire_quit_reduction: 0.4,
            new_hire_window: 6.0 * MONTH,
            adoption: 4.0 * 7.0 * DAY,
        }
    }
}

impl Assist {
    /// Adoption `a`, in `[0, 1)`, `in_use` seconds after the rollout (0 before it).
    #[inline]
    pub fn adoption_after(&self, in_use: f64) -> f64 {
        if in_use <= 0.0 {
            0.0
        } else {
            -(-in_use / self.adoption).exp_m1()
        }
    }

    /// The tenure (seconds) at which the learning curve is read for an agent of tenure
    /// `tenure` at adoption `a`.
    #[inline]
    pub fn effective_tenure(&self, tenure: f64, a: f64) -> f64 {
        tenure + self.tenure_shift * a
    }

    /// The handle-time multiplier at adoption `a`, besides the learning curve.
    #[inline]
    pub fn handle_factor(&self, a: f64) -> f64 {
        1.0 - self.floor_gain * a
    }

    /// The after-call work multiplier at adoption `a`.
    #[inline]
    pub fn wrap_up_factor(&self, a: f64) -> f64 {
        1.0 - self.acw_reduction * a
    }

    /// The resolution multiplier at adoption `a` of an agent whose learning curve stands at
    /// `novice = e^{−t/τ_L}` (1 on the first day, 0 for a tenured agent).
    #[inline]
    pub fn resolution_factor(&self, a: f64, novice: f64) -> f64 {
        1.0 + self.resolution_uplift * novice * a
    }

    /// The multiplier of the probability that a contact is difficult, at adoption `a`.
    #[inline]
    pub fn difficult_factor(&self, a: f64) -> f64 {
        1.0 - self.difficult_reduction * a
    }

    /// The quit-hazard multiplier at adoption `a` for an agent of tenure `tenure` seconds.
    #[inline]
    pub fn quit_factor(&self, a: f64, tenure: f64) -> f64 {
        if tenure < self.new_hire_window {
            1.0 - self.new_hire_quit_reduction * a
        } else {
            1.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workforce::Workforce;

    #[test]
    fn adoption_is_zero_before_the_rollout_and_one_minus_one_over_e_after_one_time_constant() {
        let m = Assist::default();
        assert_eq!(m.adoption_after(-DAY), 0.0);
        assert_eq!(m.adoption_after(0.0), 0.0);
        assert!((m.adoption_after(28.0 * DAY) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((m.adoption_after(56.0 * DAY) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!(m.adoption_after(1e12) > 0.999_999);
    }

    /// MODEL.md §5.3's check: with m0 = 2 and τ_L = 3 months, four months' shift turns a new
    /// hire's multiplier from 2.0 into 1.26 (about +59% throughput).
    #[test]
    fn four_months_of_tenure_shift_turn_a_new_hires_multiplier_from_two_into_one_point_two_six() {
        let (w, m) = (Workforce::default(), Assist::default());
        assert!((w.learning_handle(0.0) - 2.0).abs() < 1e-12);
        let assisted = w.learning_handle(m.effective_tenure(0.0, 1.0));
        assert!((assisted - (1.0 + (-4.0f64 / 3.0).exp())).abs() < 1e-9, "{assisted}");
        assert!((assisted - 1.26).abs() < 0.005);
        assert!((2.0 / assisted - 1.59).abs() < 0.01);
        // "Two months with the tool perform like six months without."
        let two_with = w.learning_handle(m.effective_tenure(2.0 * MONTH, 1.0));
        assert!((two_with - w.learning_handle(6.0 * MONTH)).abs() < 1e-9);
    }

    #[test]
    fn each_effect_is_its_coefficient_at_full_adoption_and_none_without_adoption() {
        let m = Assist::default();
        for a in [0.0, 1.0] {
            assert_eq!(m.handle_factor(a), 1.0 - 0.03 * a);
            assert_eq!(m.wrap_up_factor(a), 1.0 - 0.4 * a);
            assert_eq!(m.difficult_factor(a), 1.0 - 0.25 * a);
            assert_eq!(m.resolution_factor(a, 1.0), 1.0 + 0.05 * a);
            assert_eq!(m.quit_factor(a, 0.0), 1.0 - 0.4 * a);
        }
        // Tenured agents: no resolution lift, no quit reduction.
        assert_eq!(m.resolution_factor(1.0, 0.0), 1.0);
        assert_eq!(m.quit_factor(1.0, 6.0 * MONTH), 1.0);
        assert_eq!(m.quit_factor(1.0, f64::INFINITY), 1.0);
        assert_eq!(m.effective_tenure(f64::INFINITY, 1.0), f64::INFINITY);
    }
}
