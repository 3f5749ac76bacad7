//! `[[sites]]`, their vendor contracts and `[costs]`: sites compiled before the groups (whose
//! staffing reads a site's clock and opening hours), contracts' clauses after them (a clause
//! measures, by default, the types the site's groups serve).

use super::{Cx, DAY, Frame, Result};
use crate::scenario::model::{AgentGroup, ContactType, MAX_SL_THRESHOLDS, TypeId};
use crate::scenario::raw::{RawContract, RawScenario, RawSite};
use crate::scenario::sites::{BandPricing, Billed, Contract, Costs, Period, Site, SlaBase, SlaClause, Sourcing};
use toml::Spanned;

/// Most sites accepted (a contact remembers the site that served it last in one byte).
const MAX_SITES: usize = 255;

/// Widest clock offset accepted, hours either side of UTC.
const MAX_UTC_OFFSET: f64 = 14.0;

/// A site as the groups need it while they compile.
pub(super) struct SiteDraft {
    pub site: Site,
    /// The site's clock as a frame (its day start and first weekday).
    pub frame: Frame,
    /// Windows, seconds from t = 0, in which the site is open; `None`: always.
    pub open: Option<Vec<(f64, f64)>>,
}

/// `[a, b)` windows of the site and the step function `points` (ascending change times, the
/// first at 0) to the step function that is `points` inside the windows and 0 outside them.
pub(super) fn mask(points: &[(f64, u32)], windows: &[(f64, f64)], horizon: f64) -> Vec<(f64, u32)> {
    let mut times: Vec<f64> = points.iter().map(|p| p.0).collect();
    for &(a, b) in windows {
        times.extend([a, b].into_iter().filter(|t| (0.0..horizon).contains(t)));
    }
    times.push(0.0);
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut out: Vec<(f64, u32)> = Vec::with_capacity(times.len());
    for t in times {
        let i = points.partition_point(|p| p.0 <= t).max(1) - 1;
        let open = windows.iter().any(|&(a, b)| a <= t && t < b);
        let level = if open { points[i].1 } else { 0 };
        if out.last().is_none_or(|l| l.1 != level) {
            out.push((t, level));
        }
    }
    out
}

impl Cx<'_> {
    /// The money-valued field at `field`: finite and at least 0.
    pub(super) fn money(&self, v: &Spanned<f64>, field: &str, what: &str) -> Result<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(self.err(v.span(), field, format!("must be {what}, a number >= 0, got {x}")))
        }
    }

    /// One of `names` (the valid words of `field`), or `default` when left out.
    fn word<T: Copy>(
        &self,
        v: &Option<Spanned<String>>,
        field: &str,
        names: &[&str],
        values: &[T],
        default: T,
    ) -> Result<T> {
        let Some(v) = v else { return Ok(default) };
        let text = v.get_ref().trim();
        names.iter().position(|n| *n == text).map(|i| values[i]).ok_or_else(|| {
            self.err(
                v.span(),
                field,
                format!(
                    "unknown value \"{}\" (valid: {})",
                    text.escape_debug(),
                    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// The scenario's `[[sites]]`, groups not yet attached and clauses not yet read.
    pub(super) fn sites(&self, raw: &RawScenario, frame: &Frame) -> Result<Vec<SiteDraft>> {
        if raw.sites.len() > MAX_SITES {
            return Err(self.err(
                raw.sites[MAX_SITES].span(),
                "sites",
                format!("{} sites; at most {MAX_SITES} are accepted", raw.sites.len()),
            ));
        }
        let names = self.unique_names(raw.sites.iter().map(|s| &s.get_ref().name), "sites", "site")?;
        let base = match &raw.simulation.utc_offset {
            None => 0.0,
            Some(o) => self.utc_offset(o, "simulation.utc_offset")?,
        };
        raw.sites
            .iter()
            .zip(names)
            .enumerate()
            .map(|(i, (s, name))| self.site(s.get_ref(), name, &format!("sites[{i}]"), frame, base))
            .collect()
    }

    fn utc_offset(&self, v: &Spanned<f64>, field: &str) -> Result<f64> {
        let h = *v.get_ref();
        if h.is_finite() && h.abs() <= MAX_UTC_OFFSET {
            Ok(h)
        } else {
            Err(self.err(
                v.span(),
                field,
                format!("must be hours ahead of UTC from -{MAX_UTC_OFFSET} to {MAX_UTC_OFFSET} (5.5 for India, -5 for New York in winter), got {h}"),
            ))
        }
    }

    fn site(&self, s: &RawSite, name: String, path: &str, frame: &Frame, base_offset: f64) -> Result<SiteDraft> {
        let sourcing = self.word(
            &s.sourcing,
            &format!("{path}.sourcing"),
            &Sourcing::NAMES,
            &[
                Sourcing::Onshore,
                Sourcing::Nearshore,
                Sourcing::Offshore,
                Sourcing::Vendor,
            ],
            Sourcing::Onshore,
        )?;
        let clock_offset_h = match &s.utc_offset {
            None => 0.0,
            Some(o) => self.utc_offset(o, &format!("{path}.utc_offset"))? - base_offset,
        };
        // The site's clock: t = 0 falls at this local time, on this weekday.
        let local = frame.day_start_s + clock_offset_h * 3600.0;
        let days = (local / DAY).floor();
        let site_frame = Frame {
            n_intervals: frame.n_intervals,
            interval: frame.interval,
            horizon: frame.horizon,
            first_day: (frame.first_day as i64 + days as i64).rem_euclid(7) as usize,
            day_start_s: local - days * DAY,
        };
        let open = match &s.hours {
            None => None,
            Some(h) => {
                let field = format!("{path}.hours");
                let r = h.get_ref();
                if let Some(v) = r.when_closed.as_ref().or(r.at_close.as_ref()) {
                    return Err(self.err(
                        v.span(),
                        field,
                        "a site's hours say when its agents work; `when_closed` and `at_close` belong to a contact type's hours",
                    ));
                }
                Some(self.hours(h, &field, &site_frame)?.windows)
            }
        };
        let multiplier = |v: &Option<Spanned<f64>>, field: &str, zero_ok: bool| -> Result<f64> {
            let Some(v) = v else { return Ok(1.0) };
            let x = *v.get_ref();
            if x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0)) && x <= 10.0 {
                Ok(x)
            } else {
                Err(self.err(
                    v.span(),
                    format!("{path}.{field}"),
                    format!(
                        "must be a multiplier {} 0 and at most 10 (1: as the contact type says), got {x}",
                        if zero_ok { "from" } else { "above" }
                    ),
                ))
            }
        };
        let handle_time = multiplier(&s.handle_time, "handle_time", false)?;
        let resolution = multiplier(&s.resolution, "resolution", true)?;
        let csat = multiplier(&s.csat, "csat", false)?;
        let hourly_cost = match &s.hourly_cost {
            None => 0.0,
            Some(c) => self.money(
                c,
                &format!("{path}.hourly_cost"),
                "the loaded cost of a paid agent hour",
            )?,
        };
        let contract = match &s.contract {
            None => None,
            Some(c) => {
                let field = format!("{path}.contract");
                if sourcing != Sourcing::Vendor {
                    return Err(self.err(
                        c.span(),
                        field,
                        "a contract belongs to an outsourced vendor: give the site sourcing = \"vendor\"",
                    ));
                }
                if let Some(h) = &s.hourly_cost {
                    return Err(self.err(
                        h.span(),
                        format!("{path}.hourly_cost"),
                        "a vendor with a contract is billed by it: drop hourly_cost, or price the contract per = \"staffed_hour\"",
                    ));
                }
                Some(self.contract(c.get_ref(), &field)?)
            }
        };
        Ok(SiteDraft {
            site: Site {
                name,
                sourcing,
                clock_offset_h,
                hourly_cost,
                handle_time,
                resolution,
                csat,
                contract,
                groups: Vec::new(),
            },
            frame: site_frame,
            open,
        })
    }

    /// A contract's prices; its clauses are read by [`Cx::clauses`] once groups are known.
    fn contract(&self, c: &RawContract, path: &str) -> Result<Contract> {
        let per = self.word(
            &Some(c.per.clone()),
            &format!("{path}.per"),
            &Billed::NAMES,
            &[Billed::StaffedHour, Billed::HandledMinute, Billed::Contact],
            Billed::Contact,
        )?;
        let bands = match (&c.rate, &c.bands) {
            (Some(r), None) => vec![(0.0, self.money(r, &format!("{path}.rate"), "the price of one unit")?)],
            (None, Some(list)) => {
                let mut out: Vec<(f64, f64)> = Vec::new();
                for (k, b) in list.get_ref().iter().enumerate() {
                    let field = format!("{path}.bands[{k}]");
                    let from = *b.get_ref().from.get_ref();
                    let rate = self.money(&b.get_ref().rate, &format!("{field}.rate"), "the price of one unit")?;
                    let ok = match out.last() {
                        None => from == 0.0,
                        Some(last) => from.is_finite() && from > last.0,
                    };
                    if !ok {
                        return Err(self.err(
                            b.get_ref().from.span(),
                            format!("{field}.from"),
                            format!(
                                "bands start at from = 0 and rise strictly (units within a billing period), got {from}"
                            ),
                        ));
                    }
                    out.push((from, rate));
                }
                if out.is_empty() {
                    return Err(self.err(
                        list.span(),
                        format!("{path}.bands"),
                        "give at least one band: [{ from = 0, rate = 5.0 }]",
                    ));
                }
                out
            }
            (Some(r), Some(_)) => {
                return Err(self.err(
                    r.span(),
                    format!("{path}.rate"),
                    "give either `rate` or `bands`, not both",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    c.per.span(),
                    path,
                    "give the contract a price: rate = 4.5, or bands = [{ from = 0, rate = 5.0 }, { from = 10000, rate = 4.2 }]",
                ));
            }
        };
        let band_pricing = self.word(
            &c.band_pricing,
            &format!("{path}.band_pricing"),
            &["tiered", "all_units"],
            &[BandPricing::Tiered, BandPricing::AllUnits],
            BandPricing::Tiered,
        )?;
        let minimum = match &c.minimum {
            None => 0.0,
            Some(m) => self.money(m, &format!("{path}.minimum"), "the least charge per billing period")?,
        };
        let billing = self.period(&c.billing, &format!("{path}.billing"), Period::Month)?;
        Ok(Contract {
            per,
            bands,
            band_pricing,
            minimum,
            billing,
            sla: Vec::new(),
        })
    }

    fn period(&self, v: &Option<Spanned<String>>, field: &str, default: Period) -> Result<Period> {
        self.word(
            v,
            field,
            &Period::NAMES,
            &[Period::Interval, Period::Day, Period::Week, Period::Month],
            default,
        )
    }

    /// Each contract's service-level clauses, and each site's groups. A clause's threshold
    /// joins the service-level thresholds of the types it measures, so that it is counted.
    pub(super) fn clauses(
        &self,
        raw: &RawScenario,
        sites: &mut [Site],
        groups: &[AgentGroup],
        types: &mut [ContactType],
    ) -> Result<()> {
        for (gi, g) in groups.iter().enumerate() {
            if let Some(s) = g.site {
                sites[s].groups.push(gi);
            }
        }
        for (si, site) in sites.iter_mut().enumerate() {
            let (Some(contract), Some(rc)) = (&mut site.contract, &raw.sites[si].get_ref().contract) else {
                continue;
            };
            for (k, clause) in rc.get_ref().sla.iter().enumerate() {
                let path = format!("sites[{si}].contract.sla[{k}]");
                let c = clause.get_ref();
                let within = self.positive_duration(&c.within, &format!("{path}.within"))?;
                let mut measured: Vec<TypeId> = match &c.types {
                    Some(list) => list
                        .get_ref()
                        .iter()
                        .enumerate()
                        .map(|(j, n)| {
                            let field = format!("{path}.types[{j}]");
                            self.type_named(n, types, &field).map(|t| TypeId(t as u16))
                        })
                        .collect::<Result<_>>()?,
                    None => site
                        .groups
                        .iter()
                        .flat_map(|g| groups[*g].serves.iter().copied())
                        .collect(),
                };
                measured.sort();
                measured.dedup();
                if measured.is_empty() {
                    return Err(self.err(
                        clause.span(),
                        path,
                        "the clause measures no contact type: the site has no groups; list the types in `types`",
                    ));
                }
                let mut with_index = Vec::new();
                for t in measured {
                    let th = &mut types[t.index()].sl_thresholds;
                    if !th.contains(&within) {
                        if th.len() == MAX_SL_THRESHOLDS {
                            return Err(self.err(
                                c.within.span(),
                                format!("{path}.within"),
                                format!(
                                    "contact type \"{}\" already has {MAX_SL_THRESHOLDS} service-level thresholds; use one of them ({} s) or give it fewer",
                                    types[t.index()].name,
                                    th.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" s, ")
                                ),
                            ));
                        }
                        th.push(within);
                        th.sort_by(f64::total_cmp);
                    }
                    with_index.push((t, 0));
                }
                let share = |v: &Spanned<f64>, field: &str| self.probability(v, &format!("{path}.{field}"));
                let target = share(&c.target, "target")?;
                let bonus_target = match &c.bonus_target {
                    None => target,
                    Some(b) => {
                        let b_share = share(b, "bonus_target")?;
                        if b_share < target {
                            return Err(self.err(
                                b.span(),
                                format!("{path}.bonus_target"),
                                format!("must be at least the target {target}, got {b_share}"),
                            ));
                        }
                        b_share
                    }
                };
                let amount = |v: &Option<Spanned<f64>>, field: &str| -> Result<f64> {
                    v.as_ref().map_or(Ok(0.0), |v| {
                        self.money(v, &format!("{path}.{field}"), "an amount of money")
                    })
                };
                contract.sla.push(SlaClause {
                    types: with_index,
                    within,
                    target,
                    bonus_target,
                    per: self.period(&c.per, &format!("{path}.per"), Period::Day)?,
                    of: self.word(
                        &c.of,
                        &format!("{path}.of"),
                        &["offered", "answered"],
                        &[SlaBase::Offered, SlaBase::Answered],
                        SlaBase::Offered,
                    )?,
                    penalty: amount(&c.penalty, "penalty")?,
                    penalty_per_point: amount(&c.penalty_per_point, "penalty_per_point")?,
                    max_penalty: match &c.max_penalty {
                        None => f64::INFINITY,
                        Some(m) => self.money(
                            m,
                            &format!("{path}.max_penalty"),
                            "the most one period's penalty can be",
                        )?,
                    },
                    bonus: amount(&c.bonus, "bonus")?,
                    bonus_per_point: amount(&c.bonus_per_point, "bonus_per_point")?,
                });
            }
        }
        // Thresholds may have moved: index each clause's threshold now that all are in.
        for site in sites.iter_mut() {
            for clause in site.contract.iter_mut().flat_map(|c| c.sla.iter_mut()) {
                for (t, k) in &mut clause.types {
                    *k = types[t.index()]
                        .sl_thresholds
                        .iter()
                        .position(|x| *x == clause.within)
                        .expect("added above");
                }
            }
        }
        Ok(())
    }

    /// `[costs]`.
    pub(super) fn costs(&self, raw: &RawScenario) -> Result<Costs> {
        let Some(c) = &raw.costs else {
            return Ok(Costs::default());
        };
        let c = c.get_ref();
        let price = |v: &Option<Spanned<f64>>, field: &str, what: &str| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(0.0), |v| self.money(v, &format!("costs.{field}"), what))
        };
        Ok(Costs {
            currency: c
                .currency
                .as_ref()
                .map_or(String::new(), |s| s.get_ref().trim().to_owned()),
            telephony_per_minute: price(
                &c.telephony_per_minute,
                "telephony_per_minute",
                "the price of a line minute",
            )?,
            self_service_per_contact: price(
                &c.self_service_per_contact,
                "self_service_per_contact",
                "the price of a contact self-service serves",
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn a_mask_zeroes_the_staffing_outside_the_windows_and_keeps_it_inside() {
        let points = [(0.0, 5), (100.0, 8)];
        assert_eq!(
            mask(&points, &[(50.0, 150.0), (300.0, 400.0)], 350.0),
            vec![(0.0, 0), (50.0, 5), (100.0, 8), (150.0, 0), (300.0, 8)]
        );
        assert_eq!(mask(&points, &[(0.0, 1000.0)], 500.0), points.to_vec());
    }
}
