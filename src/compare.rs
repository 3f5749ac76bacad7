//! Variants compared with the baseline on common random numbers: each variant runs the same
//! replications (the same seeds, so the same arrivals, handle times and patience wherever the
//! variant does not change them), and every ratio figure of every scope gets the paired
//! difference from the baseline with its 95% interval.
//!
//! A figure is a ratio over replications, `R = Σ xᵣ / Σ yᵣ` (see [`RatioTally`]); the
//! difference of two is `R_v − R_b`, and its delta-method variance uses the paired residuals
//! `dᵣ = (x_vᵣ − R_v y_vᵣ)/ȳ_v − (x_bᵣ − R_b y_bᵣ)/ȳ_b`: what the two runs share (the same busy
//! day in replication r) cancels in `dᵣ`, which is why a paired interval is much narrower than
//! two independent ones. A variant identical to the baseline gives every `dᵣ = 0` and a
//! difference of exactly zero with a zero-width interval.
//!
//! [`RatioTally`]: crate::stats::tally::RatioTally

use crate::scenario::Scenario;
use crate::scenario::Study;
use crate::stats::RepOutput;
use crate::stats::tally::student_t_975;
use crate::summary::{ScopeKind, ScopeLayout, Summary, scope_layouts};
use crate::sweep::{self, Plan, Sink, SweepError, SweepOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Paired sums of two ratio figures over replications: `(x_v, y_v, x_b, y_b)` per
/// replication, kept as plain sums and as co-moments of values shifted by the first
/// replication's (no cancellation, no division while adding).
#[derive(Debug, Clone, Copy, Default)]
pub struct PairedTally {
    n: u64,
    sum: [f64; 4],
    shift: [f64; 4],
    d: [f64; 4],
    /// Σ of products of shifted values, row-major (symmetric; all 16 kept for clarity).
    dd: [[f64; 4]; 4],
}

impl PairedTally {
    /// Adds one replication: the variant's numerator and denominator, then the baseline's.
    pub fn add(&mut self, xv: f64, yv: f64, xb: f64, yb: f64) {
        let z = [xv, yv, xb, yb];
        if self.n == 0 {
            self.shift = z;
        }
        self.n += 1;
        let mut s = [0.0; 4];
        for i in 0..4 {
            self.sum[i] += z[i];
            s[i] = z[i] - self.shift[i];
            self.d[i] += s[i];
        }
        for i in 0..4 {
            for j in 0..4 {
                self.dd[i][j] += s[i] * s[j];
            }
        }
    }

    /// Replications added.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// `R_v − R_b` with its 95% half-width (NaN with fewer than two replications, or where a
    /// denominator is zero).
    pub fn difference(&self) -> Difference {
        let (n, s) = (self.n, &self.sum);
        if n == 0 || s[1] <= 0.0 || s[3] <= 0.0 {
            return Difference {
                mean: f64::NAN,
                half_width: f64::NAN,
                n,
            };
        }
        let (rv, rb) = (s[0] / s[1], s[2] / s[3]);
        let mean = rv - rb;
        if n < 2 {
            return Difference {
                mean,
                half_width: f64::NAN,
                n,
            };
        }
        let nf = n as f64;
        let (yv, yb) = (s[1] / nf, s[3] / nf);
        // dᵣ = a · zᵣ; its variance is aᵀ C a, taken as the variant's block, the baseline's
        // block and twice their cross term, so that identical runs cancel exactly.
        let a = [1.0 / yv, -rv / yv, -1.0 / yb, rb / yb];
        let cov = |i: usize, j: usize| (self.dd[i][j] - self.d[i] * self.d[j] / nf) / (nf - 1.0);
        let block = |is: [usize; 2], js: [usize; 2]| {
            let mut q = 0.0;
            for i in is {
                for j in js {
                    q += a[i] * a[j] * cov(i, j);
                }
            }
            q
        };
        let var = (block([0, 1], [0, 1]) + block([2, 3], [2, 3]) + 2.0 * block([0, 1], [2, 3])).max(0.0);
        Difference {
            mean,
            half_width: student_t_975(n - 1) * (var / nf).sqrt(),
            n,
        }
    }
}

/// A paired difference `variant − baseline` with its 95% interval `mean ± half_width`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub mean: f64,
    pub half_width: f64,
    /// Replications paired.
    pub n: u64,
}

impl Difference {
    /// Whether the 95% interval excludes zero.
    pub fn significant(&self) -> bool {
        self.half_width.is_finite() && self.mean.abs() > self.half_width
    }
}

/// One figure of a variant beside the baseline's.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureComparison {
    pub kind: ScopeKind,
    pub scope: String,
    pub metric: String,
    pub difference: Difference,
}

/// A variant's results: its summary and its paired differences from the baseline, for every
/// ratio figure both have (in the variant's report order).
#[derive(Debug, Clone)]
pub struct VariantResult {
    pub name: String,
    pub summary: Summary,
    pub differences: Vec<FigureComparison>,
}

/// A study's results.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub baseline: Summary,
    pub variants: Vec<VariantResult>,
}

impl VariantResult {
    /// The paired difference of `metric` in scope `(kind, scope)`.
    pub fn difference(&self, kind: ScopeKind, scope: &str, metric: &str) -> Option<&Difference> {
        self.differences
            .iter()
            .find(|f| f.kind == kind && f.scope == scope && f.metric == metric)
            .map(|f| &f.difference)
    }
}

/// Identifies a figure across scenarios: scope kind, scope name, metric.
type FigureKey = (ScopeKind, String, String);

/// Each replication's whole-period figures of a run, kept in job order: `(x, y)` per figure.
struct Figures {
    layouts: Vec<ScopeLayout>,
    keys: Vec<FigureKey>,
    values: Vec<(f64, f64)>,
    reps: usize,
}

impl Figures {
    fn new(sc: &Scenario) -> Self {
        Self {
            layouts: scope_layouts(sc),
            keys: Vec::new(),
            values: Vec::new(),
            reps: 0,
        }
    }

    /// One replication's figures, in layout order, with their keys on the first call.
    fn read(&mut self, sc: &Scenario, out: &RepOutput, into: &mut Vec<(f64, f64)>) {
        into.clear();
        let first = self.keys.is_empty();
        for layout in &self.layouts {
            for (name, _, x, y) in layout.replication_figures(sc, out) {
                if first {
                    self.keys
                        .push((layout.kind(), layout.name().to_owned(), name.to_owned()));
                }
                into.push((x, y));
            }
        }
    }
}

/// Keeps the baseline's figures, replication by replication.
struct Keep<'a> {
    figures: Figures,
    next: &'a mut (dyn Sink + Send),
    scratch: Vec<(f64, f64)>,
}

impl Sink for Keep<'_> {
    fn on_output(&mut self, sc: &Scenario, out: &RepOutput) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut row = std::mem::take(&mut self.scratch);
        self.figures.read(sc, out, &mut row);
        self.figures.values.extend_from_slice(&row);
        self.figures.reps += 1;
        self.scratch = row;
        self.next.on_output(sc, out)
    }
}

/// Pairs a variant's figures with the baseline's of the same replication.
struct Pair<'a> {
    baseline: &'a Figures,
    figures: Figures,
    /// For each of the variant's figures, the baseline's figure with the same key.
    matched: Vec<Option<usize>>,
    tallies: Vec<PairedTally>,
    rep: usize,
    next: &'a mut (dyn Sink + Send),
    scratch: Vec<(f64, f64)>,
}

impl Sink for Pair<'_> {
    fn on_output(&mut self, sc: &Scenario, out: &RepOutput) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut row = std::mem::take(&mut self.scratch);
        self.figures.read(sc, out, &mut row);
        if self.rep == 0 {
            let index: HashMap<&FigureKey, usize> =
                self.baseline.keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
            self.matched = self.figures.keys.iter().map(|k| index.get(k).copied()).collect();
            self.tallies = vec![PairedTally::default(); self.matched.len()];
        }
        let width = self.baseline.keys.len();
        let base = &self.baseline.values[self.rep * width..(self.rep + 1) * width];
        for ((tally, m), (xv, yv)) in self.tallies.iter_mut().zip(&self.matched).zip(&row) {
            if let Some(b) = m {
                let (xb, yb) = base[*b];
                tally.add(*xv, *yv, xb, yb);
            }
        }
        self.rep += 1;
        self.scratch = row;
        self.next.on_output(sc, out)
    }
}

/// Runs the baseline and every variant of `study` on the same replications and pairs their
/// figures. `sinks(i)` gives the sink that also sees run `i`'s outputs (0 the baseline, `1 +
/// k` variant k), e.g. to stream `replications.csv`.
pub fn run_study(
    study: &Study,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
    sinks: &mut [&mut (dyn Sink + Send)],
) -> Result<Comparison, SweepError> {
    run_study_with(study, sinks, &mut |_, sc, sink| {
        sweep::run_built_in(sc, &Plan::all(sc), opts, on_done, sink)
    })
}

/// Where a study's runs get their replications: `runner(i, scenario, sink)` folds run `i`'s
/// (0 the baseline, `1 + k` variant k) replications `0..scenario.replications` in order through
/// `sink` into a summary — by simulating them ([`run_study`]) or by reading them back from a
/// sweep's shards ([`crate::shard`]).
pub type Runner<'r> = dyn FnMut(usize, &Scenario, &mut (dyn Sink + Send)) -> Result<Summary, SweepError> + 'r;

/// [`run_study`] with the replications of each run from `runner`: the same comparison, bit for
/// bit, whenever the runner folds the same outputs in the same order.
pub fn run_study_with(
    study: &Study,
    sinks: &mut [&mut (dyn Sink + Send)],
    runner: &mut Runner<'_>,
) -> Result<Comparison, SweepError> {
    let mut sinks = sinks.iter_mut();
    let baseline_sc = &study.baseline;
    let mut none = sweep::NoSink;
    let mut keep = Keep {
        figures: Figures::new(baseline_sc),
        next: match sinks.next() {
            Some(s) => &mut **s,
            None => &mut none,
        },
        scratch: Vec::new(),
    };
    let baseline = runner(0, baseline_sc, &mut keep)?;
    let figures = keep.figures;
    let mut variants = Vec::with_capacity(study.variants.len());
    for (k, v) in study.variants.iter().enumerate() {
        let mut none = sweep::NoSink;
        let mut pair = Pair {
            baseline: &figures,
            figures: Figures::new(&v.scenario),
            matched: Vec::new(),
            tallies: Vec::new(),
            rep: 0,
            next: match sinks.next() {
                Some(s) => &mut **s,
                None => &mut none,
            },
            scratch: Vec::new(),
        };
        let summary = runner(k + 1, &v.scenario, &mut pair)?;
        let differences = pair
            .figures
            .keys
            .iter()
            .zip(&pair.matched)
            .zip(&pair.tallies)
            .filter(|((_, m), _)| m.is_some())
            .map(|(((kind, scope, metric), _), t)| FigureComparison {
                kind: *kind,
                scope: scope.clone(),
                metric: metric.clone(),
                difference: t.difference(),
            })
            .collect();
        variants.push(VariantResult {
            name: v.name.clone(),
            summary,
            differences,
        });
    }
    Ok(Comparison { baseline, variants })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_runs_differ_by_exactly_zero() {
        let mut t = PairedTally::default();
        for (x, y) in [(3.0, 10.0), (5.5, 12.0), (0.25, 7.0), (9.0, 31.0)] {
            t.add(x, y, x, y);
        }
        let d = t.difference();
        assert_eq!((d.mean, d.half_width), (0.0, 0.0));
        assert!(!d.significant());
    }

    #[test]
    fn the_paired_interval_is_the_t_interval_of_the_residuals() {
        // With y = 1 throughout the difference is the mean of x_v − x_b, and the interval is
        // the one-sample t interval of those differences.
        let pairs = [(3.0, 1.0), (5.0, 4.5), (2.0, 0.5), (7.0, 6.0), (4.0, 2.0)];
        let mut t = PairedTally::default();
        for (v, b) in pairs {
            t.add(v, 1.0, b, 1.0);
        }
        let d: Vec<f64> = pairs.iter().map(|(v, b)| v - b).collect();
        let mean = d.iter().sum::<f64>() / 5.0;
        let s2 = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0;
        let got = t.difference();
        assert!((got.mean - mean).abs() < 1e-12);
        assert!((got.half_width - 2.776_445_105 * (s2 / 5.0).sqrt()).abs() < 1e-8);
        assert!(got.significant());
    }

    #[test]
    fn the_paired_ratio_interval_matches_the_residuals_computed_directly() {
        let v = [(3.0, 10.0), (5.5, 12.0), (1.0, 7.0), (9.0, 31.0), (4.0, 16.0)];
        let b = [(4.0, 10.0), (5.0, 13.0), (2.5, 6.0), (8.0, 30.0), (6.0, 17.0)];
        let mut t = PairedTally::default();
        for (p, q) in v.iter().zip(&b) {
            t.add(p.0, p.1, q.0, q.1);
        }
        let sum = |s: &[(f64, f64)]| s.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        let ((sxv, syv), (sxb, syb)) = (sum(&v), sum(&b));
        let (rv, rb) = (sxv / syv, sxb / syb);
        let d: Vec<f64> = v
            .iter()
            .zip(&b)
            .map(|(p, q)| (p.0 - rv * p.1) / (syv / 5.0) - (q.0 - rb * q.1) / (syb / 5.0))
            .collect();
        let mean_d = d.iter().sum::<f64>() / 5.0;
        let s2 = d.iter().map(|x| (x - mean_d).powi(2)).sum::<f64>() / 4.0;
        let got = t.difference();
        assert!((got.mean - (rv - rb)).abs() < 1e-15);
        assert!(
            (got.half_width - 2.776_445_105 * (s2 / 5.0).sqrt()).abs() < 1e-9,
            "{got:?}"
        );
    }
}

/// Two runs made apart, compared: paired by replication when both ran the same replications
/// of the same seed with the same cxsim version (their random streams then line up), else
/// unpaired.
#[derive(Debug, Clone)]
pub struct Apart {
    /// The second run against the first: `second − first` for every figure both have.
    pub result: VariantResult,
    /// Whether the differences are paired; if not, why not.
    pub paired: Result<(), String>,
}

/// A row of `replications.csv`: replication, scope kind, scope, metric.
pub type ReplicationFigure = (u32, String, String, String);

/// What a results folder holds that a comparison needs.
#[derive(Debug, Clone)]
pub struct RunFiles {
    pub summary: Summary,
    pub seed: u64,
    pub version: String,
    /// `(replication, scope kind, scope, metric) → (numerator, denominator)` from
    /// `replications.csv`, in file order.
    pub figures: Vec<(ReplicationFigure, (f64, f64))>,
}

/// `(numerator, denominator)` per replication, by (scope kind, scope, metric).
type RowsByFigure<'a> = HashMap<(&'a str, &'a str, &'a str), Vec<(f64, f64)>>;

/// Compares `second` with `first` (`name` labels the second in the result).
pub fn compare_apart(first: &RunFiles, second: &RunFiles, name: &str) -> Apart {
    let reps = |r: &RunFiles| {
        let mut v: Vec<u32> = r.figures.iter().map(|f| f.0.0).collect();
        v.dedup();
        v
    };
    let paired = if first.version != second.version {
        Err(format!("made by cxsim {} and {}", first.version, second.version))
    } else if first.seed != second.seed {
        Err(format!("seeds {} and {} differ", first.seed, second.seed))
    } else if reps(first) != reps(second) || reps(first).is_empty() {
        Err("their replications differ (or replications.csv is empty)".into())
    } else {
        Ok(())
    };
    // Each run's rows by figure, in replication order (read once, not once per figure).
    let by_figure: [RowsByFigure<'_>; 2] = [first, second].map(|r| {
        let mut map = RowsByFigure::new();
        for ((_, k, s, n), xy) in &r.figures {
            map.entry((k.as_str(), s.as_str(), n.as_str())).or_default().push(*xy);
        }
        map
    });
    let mut differences = Vec::new();
    for scope in &second.summary.scopes {
        let Some(base) = first.summary.scope(scope.kind, &scope.name) else {
            continue;
        };
        for m in &scope.metrics {
            let Some(b) = base.get(&m.name) else { continue };
            let difference = match &paired {
                Ok(()) => {
                    let key = (scope.kind.as_str(), scope.name.as_str(), m.name.as_str());
                    let (Some(a), Some(v)) = (by_figure[0].get(&key), by_figure[1].get(&key)) else {
                        continue; // not a ratio figure (percentiles and maxima are pooled)
                    };
                    if a.len() != v.len() {
                        continue; // not a ratio figure (percentiles and maxima are pooled)
                    }
                    let mut t = PairedTally::default();
                    for ((xv, yv), (xb, yb)) in v.iter().zip(a.iter()) {
                        t.add(*xv, *yv, *xb, *yb);
                    }
                    t.difference()
                }
                Err(_) => Difference {
                    mean: m.estimate.mean - b.estimate.mean,
                    half_width: (m.estimate.half_width.powi(2) + b.estimate.half_width.powi(2)).sqrt(),
                    n: m.estimate.n.min(b.estimate.n),
                },
            };
            differences.push(FigureComparison {
                kind: scope.kind,
                scope: scope.name.clone(),
                metric: m.name.clone(),
                difference,
            });
        }
    }
    Apart {
        result: VariantResult {
            name: name.to_owned(),
            summary: second.summary.clone(),
            differences,
        },
        paired,
    }
}
