//! Money: what one replication's work cost, per interval, for the center and for each site —
//! labour (paid hours × loaded rate), vendor charges under each contract's pricing, SLA
//! penalties and bonuses, AI agents' conversations, telephony and self-service.
//!
//! Everything is counted from a replication's output after it ends, so costs never touch the
//! engine: the same run with and without prices simulates the same contacts. Charges that a
//! contract settles per billing period (volume bands, a minimum) and clauses settled per period
//! are spread over the period's intervals — a charge in proportion to the units each interval
//! brought, a minimum's top-up, a penalty or a bonus in proportion to measured time — so that
//! interval costs add up to the period's. A period cut by the warm-up or the horizon is billed
//! as its measured share of a whole one (band limits and minimum pro-rated).

use crate::scenario::{Billed, Channel, Period, Scenario, SlaBase};
use crate::stats::RepOutput;

/// One replication's money in one interval, of the center or of one site. Amounts are in the
/// scenario's money unit; `total` nets bonuses off.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostCounts {
    /// Paid hours × loaded hourly cost of in-house groups.
    pub labour: f64,
    /// Vendors' charges under their contracts.
    pub vendor: f64,
    /// SLA penalties vendors pay back (they lower the total).
    pub penalties: f64,
    /// SLA bonuses paid to vendors.
    pub bonuses: f64,
    /// Line minutes of voice contacts × the price of a minute (center only).
    pub telephony: f64,
    /// Contacts served to the end by self-service × its price per contact (center only).
    pub self_service: f64,
    /// Conversations AI pools answered × their price per conversation (center only).
    pub ai: f64,
    /// Paid (scheduled) agent-hours.
    pub paid_hours: f64,
    /// Contacts handled: answered by the scope's agents (and, for the center, served to the
    /// end by self-service).
    pub handled: f64,
    /// Journeys resolved, by their first arrival (center only; where journeys are followed).
    pub resolved: f64,
    /// Measured length of the interval, seconds.
    pub measured: f64,
}

impl CostCounts {
    /// All costs together: labour, vendor charges and bonuses, AI conversations, telephony
    /// and self-service, less the penalties vendors pay.
    pub fn total(&self) -> f64 {
        self.labour + self.vendor - self.penalties + self.bonuses + self.ai + self.telephony + self.self_service
    }

    pub fn add(&mut self, o: &CostCounts) {
        self.labour += o.labour;
        self.vendor += o.vendor;
        self.penalties += o.penalties;
        self.bonuses += o.bonuses;
        self.telephony += o.telephony;
        self.self_service += o.self_service;
        self.ai += o.ai;
        self.paid_hours += o.paid_hours;
        self.handled += o.handled;
        self.resolved += o.resolved;
        self.measured += o.measured;
    }
}

/// One replication's costs: `[scope × n_intervals + interval]`, scope 0 the center and scope
/// `1 + s` site `s`.
pub fn ledger(sc: &Scenario, out: &RepOutput) -> Vec<CostCounts> {
    let n = sc.n_intervals as usize;
    let mut cells = vec![CostCounts::default(); (1 + sc.sites.len()) * n];
    let measured: Vec<f64> = out.type_intervals(0).iter().map(|c| c.measured).collect();
    for (i, m) in measured.iter().enumerate() {
        for s in 0..=sc.sites.len() {
            cells[s * n + i].measured = *m;
        }
    }
    // Labour, paid hours and contacts handled, group by group.
    for (g, group) in sc.agent_groups.iter().enumerate() {
        for (i, c) in out.group_intervals(g).iter().enumerate() {
            for s in std::iter::once(0).chain(group.site.map(|s| s + 1)) {
                let cell = &mut cells[s * n + i];
                cell.labour += c.labour_cost;
                cell.paid_hours += c.scheduled_time / 3600.0;
                cell.handled += c.answered as f64;
            }
            if let Some(ai) = &group.ai {
                cells[i].ai += ai.cost_per_contact * c.answered as f64;
            }
        }
    }
    for (s, site) in sc.sites.iter().enumerate() {
        let Some(contract) = &site.contract else { continue };
        // Units billed in each interval.
        let units: Vec<f64> = (0..n)
            .map(|i| {
                site.groups
                    .iter()
                    .map(|&g| {
                        let c = &out.group_intervals(g)[i];
                        match contract.per {
                            Billed::StaffedHour => c.scheduled_time / 3600.0,
                            Billed::HandledMinute => (c.busy_time - c.wrap_time) / 60.0,
                            Billed::Contact => c.answered as f64,
                        }
                    })
                    .sum()
            })
            .collect();
        for rows in periods(sc, contract.billing, &measured) {
            let total: f64 = rows.intervals.iter().map(|&i| units[i]).sum();
            let volume = contract.volume_charge(total, rows.share);
            let top_up = contract.charge(total, rows.share) - volume;
            for &i in &rows.intervals {
                let by_units = if total > 0.0 { units[i] / total } else { 0.0 };
                let amount = volume * by_units + top_up * measured[i] / rows.measured;
                cells[(s + 1) * n + i].vendor += amount;
                cells[i].vendor += amount;
            }
        }
        for clause in &contract.sla {
            for rows in periods(sc, clause.per, &measured) {
                let (mut within, mut base) = (0u64, 0u64);
                for &i in &rows.intervals {
                    for &(t, k) in &clause.types {
                        let c = &out.type_intervals(t.index())[i];
                        within += c.answered_within[k];
                        base += match clause.of {
                            SlaBase::Offered => c.offered,
                            SlaBase::Answered => c.answered,
                        };
                    }
                }
                let sl = if base > 0 {
                    within as f64 / base as f64
                } else {
                    f64::NAN
                };
                let (penalty, bonus) = clause.settle(sl);
                for &i in &rows.intervals {
                    let w = measured[i] / rows.measured;
                    for cell in [s + 1, 0].map(|scope| scope * n + i) {
                        cells[cell].penalties += penalty * w;
                        cells[cell].bonuses += bonus * w;
                    }
                }
            }
        }
    }
    // The center's own prices and denominators, type by type.
    let costs = &sc.costs;
    for (t, ty) in sc.contact_types.iter().enumerate() {
        for (i, c) in out.type_intervals(t).iter().enumerate() {
            let cell = &mut cells[i];
            if ty.channel == Channel::Voice {
                let line_s =
                    c.ivr_time + c.wait_answered + c.wait_abandoned + c.wait_cleared + c.wait_message + c.handle;
                cell.telephony += costs.telephony_per_minute * line_s / 60.0;
            }
            cell.self_service += costs.self_service_per_contact * c.contained as f64;
            cell.handled += c.contained as f64;
            cell.resolved += c.resolved as f64;
        }
    }
    cells
}

/// The measured intervals of one billing or evaluation period.
struct PeriodRows {
    intervals: Vec<usize>,
    /// Seconds measured in it.
    measured: f64,
    /// `measured` / the period's whole length.
    share: f64,
}

/// The measured intervals grouped by the period (of kind `period`) their measured part starts
/// in, in time order.
fn periods(sc: &Scenario, period: Period, measured: &[f64]) -> Vec<PeriodRows> {
    let mut out: Vec<(i64, PeriodRows)> = Vec::new();
    for (i, &m) in measured.iter().enumerate().filter(|(_, m)| **m > 0.0) {
        let start = sc.interval_start(i as u32).max(sc.warmup);
        let (k, length) = period.of(start, sc.interval, sc.day_start_s, sc.first_day);
        match out.last_mut() {
            Some((last, rows)) if *last == k => {
                rows.intervals.push(i);
                rows.measured += m;
                rows.share = rows.measured / length;
            }
            _ => out.push((
                k,
                PeriodRows {
                    intervals: vec![i],
                    measured: m,
                    share: m / length,
                },
            )),
        }
    }
    out.into_iter().map(|(_, rows)| rows).collect()
}
