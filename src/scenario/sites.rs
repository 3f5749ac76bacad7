//! Sites, vendor contracts and center-wide prices: where agent groups work, on whose clock, and
//! what their work costs. The engine sees only what a site does to its groups (opening hours
//! folded into their staffing, multipliers folded into their proficiency); the money is counted
//! after each replication by [`crate::cost`].

use super::TypeId;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// How a site is sourced (a label for reports; a vendor is billed by its contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sourcing {
    #[default]
    Onshore,
    Nearshore,
    Offshore,
    /// An outsourced vendor.
    Vendor,
}

impl Sourcing {
    pub const NAMES: [&'static str; 4] = ["onshore", "nearshore", "offshore", "vendor"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A compiled site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub name: String,
    pub sourcing: Sourcing,
    /// Hours the site's clock is ahead of the scenario's.
    pub clock_offset_h: f64,
    /// Loaded cost of one paid agent hour, money per hour (0 for a vendor billed by contract).
    pub hourly_cost: f64,
    /// Multipliers of handle time and of the probability of resolving, applied to every
    /// contact the site's agents handle (folded into the groups' proficiency).
    pub handle_time: f64,
    pub resolution: f64,
    /// Multiplier of the odds that a customer is satisfied (top-2-box) after a journey whose
    /// last handled contact the site's agents handled: the journey's latent CSAT score moves
    /// by `ln(csat)`, and every CSAT figure follows from it.
    pub csat: f64,
    /// What the site charges, for a vendor.
    pub contract: Option<Contract>,
    /// The groups working here, ascending.
    pub groups: Vec<usize>,
}

/// The unit a vendor charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billed {
    /// An hour of an agent scheduled (paid), breaks and shrinkage included.
    StaffedHour,
    /// A minute its agents spent serving contacts (agent-time, as it accrues; after-call work
    /// excluded).
    HandledMinute,
    /// A contact its agents answered.
    Contact,
}

impl Billed {
    pub const NAMES: [&'static str; 3] = ["staffed_hour", "handled_minute", "contact"];
}

/// How volume bands price a billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BandPricing {
    /// Each band's units at that band's price (marginal, like tax brackets).
    #[default]
    Tiered,
    /// Every unit of the period at the price of the band the period's total reaches.
    AllUnits,
}

/// A stretch of time over which a contract is billed or a clause is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Each reporting interval.
    Interval,
    /// Each clock day, midnight to midnight.
    Day,
    /// Each week, Monday 00:00 to Monday 00:00.
    Week,
    /// Each block of 30 clock days from the first midnight at or before t = 0.
    Month,
}

impl Period {
    pub const NAMES: [&'static str; 4] = ["interval", "day", "week", "month"];

    /// The period holding time `t` (seconds from t = 0) and its length in seconds, given the
    /// reporting interval, the clock time of t = 0 and the weekday of the first day
    /// (0 = Monday). Periods are numbered from the one holding t = 0.
    pub fn of(self, t: f64, interval: f64, day_start_s: f64, first_day: u8) -> (i64, f64) {
        let (offset, length) = match self {
            Period::Interval => return ((t / interval).floor() as i64, interval),
            Period::Day => (day_start_s, DAY),
            Period::Week => (day_start_s + f64::from(first_day) * DAY, 7.0 * DAY),
            Period::Month => (day_start_s, 30.0 * DAY),
        };
        ((((t + offset) / length).floor()) as i64, length)
    }
}

/// A vendor's contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub per: Billed,
    /// `(from, price)`: units from `from` on, within a billing period, cost `price` each;
    /// `from` strictly ascending, the first 0. One band is a flat rate.
    pub bands: Vec<(f64, f64)>,
    pub band_pricing: BandPricing,
    /// Least charge per billing period.
    pub minimum: f64,
    pub billing: Period,
    pub sla: Vec<SlaClause>,
}

impl Contract {
    /// The charge for `units` in one billing period of which the share `share` (in (0, 1])
    /// was simulated: band limits and the minimum are pro-rated by it, so that a period cut by
    /// the warm-up or the horizon is billed as its part of a whole one.
    pub fn charge(&self, units: f64, share: f64) -> f64 {
        self.volume_charge(units, share).max(self.minimum * share)
    }

    /// The charge for `units` by the bands alone, before the minimum (see
    /// [`Contract::charge`]).
    pub fn volume_charge(&self, units: f64, share: f64) -> f64 {
        let bands = &self.bands;
        let from = |k: usize| bands[k].0 * share;
        match self.band_pricing {
            BandPricing::Tiered => (0..bands.len())
                .map(|k| {
                    let hi = if k + 1 < bands.len() {
                        from(k + 1)
                    } else {
                        f64::INFINITY
                    };
                    (units.min(hi) - from(k)).max(0.0) * bands[k].1
                })
                .sum(),
            BandPricing::AllUnits => {
                let k = (0..bands.len()).rev().find(|&k| units >= from(k)).unwrap_or(0);
                units * bands[k].1
            }
        }
    }
}

/// What a service-level clause divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlaBase {
    /// Answered within the threshold / offered.
    #[default]
    Offered,
    /// Answered within the threshold / answered.
    Answered,
}

/// A service-level clause of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaClause {
    /// The types measured, each with the index of the clause's threshold among its
    /// `sl_thresholds`.
    pub types: Vec<(TypeId, usize)>,
    /// The threshold, seconds.
    pub within: f64,
    /// Below this share: the penalty.
    pub target: f64,
    /// At or above this share: the bonus (at least `target`).
    pub bonus_target: f64,
    pub per: Period,
    pub of: SlaBase,
    /// Fixed penalty, plus this much per percentage point short of the target.
    pub penalty: f64,
    pub penalty_per_point: f64,
    /// The most one period's penalty can be (infinite: no cap).
    pub max_penalty: f64,
    /// Fixed bonus, plus this much per percentage point above the bonus target.
    pub bonus: f64,
    pub bonus_per_point: f64,
}

impl SlaClause {
    /// `(penalty, bonus)` of a period whose measured share is `sl`; a period with no
    /// contacts to measure (`sl` NaN) settles nothing.
    pub fn settle(&self, sl: f64) -> (f64, f64) {
        if sl.is_nan() {
            (0.0, 0.0)
        } else if sl < self.target {
            let penalty = self.penalty + self.penalty_per_point * 100.0 * (self.target - sl);
            (penalty.min(self.max_penalty), 0.0)
        } else if sl >= self.bonus_target {
            (
                0.0,
                self.bonus + self.bonus_per_point * 100.0 * (sl - self.bonus_target),
            )
        } else {
            (0.0, 0.0)
        }
    }
}

/// Prices of the center as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Costs {
    /// Label of the money unit in reports (may be empty).
    pub currency: String,
    /// Money per minute a voice contact holds a line (self-service, waiting, talking).
    pub telephony_per_minute: f64,
    /// Money per contact the self-service graph serves to the end.
    pub self_service_per_contact: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(bands: Vec<(f64, f64)>, band_pricing: BandPricing, minimum: f64) -> Contract {
        Contract {
            per: Billed::Contact,
            bands,
            band_pricing,
            minimum,
            billing: Period::Month,
            sla: Vec::new(),
        }
    }

    #[test]
    fn tiered_bands_price_each_band_at_its_own_rate() {
        let c = contract(vec![(0.0, 5.0), (100.0, 4.0), (300.0, 3.0)], BandPricing::Tiered, 0.0);
        assert_eq!(c.charge(50.0, 1.0), 250.0);
        assert_eq!(c.charge(100.0, 1.0), 500.0);
        assert_eq!(c.charge(250.0, 1.0), 500.0 + 150.0 * 4.0);
        assert_eq!(c.charge(400.0, 1.0), 500.0 + 800.0 + 300.0);
        // Half a period: the band limits halve.
        assert_eq!(c.charge(100.0, 0.5), 50.0 * 5.0 + 50.0 * 4.0);
    }

    #[test]
    fn all_units_pricing_charges_every_unit_at_the_band_reached() {
        let c = contract(vec![(0.0, 5.0), (100.0, 4.0)], BandPricing::AllUnits, 0.0);
        assert_eq!(c.charge(99.0, 1.0), 495.0);
        assert_eq!(c.charge(100.0, 1.0), 400.0);
        assert_eq!(c.charge(150.0, 1.0), 600.0);
        assert_eq!(c.charge(60.0, 0.5), 240.0);
    }

    #[test]
    fn a_minimum_tops_the_charge_up_pro_rata() {
        let c = contract(vec![(0.0, 2.0)], BandPricing::Tiered, 1000.0);
        assert_eq!(c.charge(100.0, 1.0), 1000.0);
        assert_eq!(c.charge(600.0, 1.0), 1200.0);
        assert_eq!(c.charge(100.0, 0.25), 250.0);
        assert_eq!(c.charge(0.0, 1.0), 1000.0);
    }

    #[test]
    fn a_clause_settles_a_penalty_below_its_target_and_a_bonus_at_or_above_its_bonus_target() {
        let clause = SlaClause {
            types: Vec::new(),
            within: 30.0,
            target: 0.8,
            bonus_target: 0.9,
            per: Period::Day,
            of: SlaBase::Offered,
            penalty: 500.0,
            penalty_per_point: 100.0,
            max_penalty: 1000.0,
            bonus: 200.0,
            bonus_per_point: 10.0,
        };
        assert_eq!(clause.settle(0.8), (0.0, 0.0));
        let (p, b) = clause.settle(0.79);
        assert!((p - 600.0).abs() < 1e-9 && b == 0.0, "{p} {b}");
        assert_eq!(clause.settle(0.85), (0.0, 0.0));
        assert_eq!(clause.settle(0.9), (0.0, 200.0));
        let (p, b) = clause.settle(0.95);
        assert!(p == 0.0 && (b - 250.0).abs() < 1e-9, "{p} {b}");
        assert_eq!(clause.settle(f64::NAN), (0.0, 0.0));
        // 500 + 100 × 10 points is capped at 1000.
        assert_eq!(clause.settle(0.7), (1000.0, 0.0));
    }

    #[test]
    fn periods_follow_the_clock_not_t_zero() {
        // t = 0 at 18:00 on a Wednesday (first_day 2).
        let (ds, fd) = (18.0 * 3600.0, 2);
        assert_eq!(Period::Day.of(0.0, 1800.0, ds, fd).0, 0);
        assert_eq!(Period::Day.of(6.0 * 3600.0 - 1.0, 1800.0, ds, fd).0, 0);
        assert_eq!(Period::Day.of(6.0 * 3600.0, 1800.0, ds, fd).0, 1);
        // Monday 00:00 is 4 days and 6 hours after Wednesday 18:00.
        let monday = 4.0 * DAY + 6.0 * 3600.0;
        assert_eq!(Period::Week.of(monday - 1.0, 1800.0, ds, fd).0, 0);
        assert_eq!(Period::Week.of(monday, 1800.0, ds, fd).0, 1);
        assert_eq!(Period::Interval.of(3600.0, 1800.0, ds, fd), (2, 1800.0));
        assert_eq!(Period::Month.of(29.0 * DAY + 6.0 * 3600.0, 1800.0, ds, fd).0, 1);
    }
}
