//! Every plot is drawn from a small run: as SVG with its title, axis labels and series, and as
//! PNG with text from the embedded face; a run with one replication, one interval, no
//! abandonment or no cost still draws, and says where a band is missing. The plots of
//! variants mark significant differences apart from the others and join the runs no other
//! beats on cost and service; the staffing plot draws what the Erlang formulas give.

use cxsim::report::plot;
use cxsim::scenario::{self, Scenario};
use cxsim::summary::Summary;
use std::path::Path;

fn run_of(path: &str, replications: u32) -> (Scenario, Summary) {
    let mut sc = scenario::load(Path::new(path)).unwrap();
    sc.replications = replications;
    let s = crate::support::run(&sc, 2);
    (sc, s)
}

/// Lines and polygons an SVG draws (plotters draws series as `<polyline>` or `<path>`,
/// bands as `<polygon>`).
fn shapes(svg: &str) -> usize {
    svg.matches("<polyline").count() + svg.matches("<path").count() + svg.matches("<polygon").count()
}

#[test]
fn a_day_has_every_interval_plot_and_the_wait_plot_each_with_title_axes_and_series() {
    let (sc, s) = run_of("scenarios/day_profile.toml", 10);
    let plots = plot::plots(&s, Some(&sc));
    let names: Vec<&str> = plots.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        ["volumes", "service", "occupancy", "backlog", "wait", "staffing"]
    );
    let dir = tempfile::tempdir().unwrap();
    for p in &plots {
        let svg = plot::svg(&s, p).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{}",
            p.name
        );
        assert!(svg.contains(&p.title), "{}: title", p.name);
        assert!(!svg.contains("NaN"), "{}: a NaN coordinate", p.name);
        assert!(!p.missing_bands(), "{}: ten replications have bands", p.name);
        match &p.content {
            plot::Content::Intervals { series, .. } => {
                // The clock on the x axis (the day starts at 08:00) and every series' legend.
                assert!(
                    svg.contains("10:00") && svg.contains("16:00"),
                    "{}: clock labels",
                    p.name
                );
                for series in series {
                    assert!(svg.contains(&series.label), "{}: legend of {}", p.name, series.label);
                }
                // A band and a line per series at least.
                assert!(shapes(&svg) >= 2 * series.len(), "{}: {} shapes", p.name, shapes(&svg));
            }
            plot::Content::Wait { points, exact } => {
                assert!(svg.contains("wait (s)"));
                assert_eq!(points.len(), 5, "p50 to p99");
                assert!(exact.is_none(), "a day is no Erlang model");
                assert!(svg.matches("<circle").count() >= points.len());
            }
            plot::Content::Staffing { pools } => {
                assert_eq!(pools.len(), 1);
                assert!(svg.contains("agents on the phones") && svg.contains("clock time (hh:mm)"));
                assert!(svg.contains("planned: ") && svg.contains("for 80% within 20 s"));
            }
            other => panic!("{}: unexpected content {other:?}", p.name),
        }
        let png = dir.path().join(format!("{}.png", p.name));
        plot::png(&s, p, &png).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.name);
        // A blank 760 × 340 image compresses to about a kilobyte; a drawn plot does not.
        assert!(bytes.len() > 8_000, "{}: {} bytes", p.name, bytes.len());
    }
}

#[test]
fn the_wait_plot_of_erlang_c_draws_the_exact_curve_through_the_simulated_percentiles() {
    let (sc, s) = run_of("scenarios/erlang_c.toml", 20);
    let p = plot::plots(&s, Some(&sc))
        .into_iter()
        .find(|p| p.name == "wait")
        .unwrap();
    let plot::Content::Wait {
        points,
        exact: Some((label, curve)),
    } = &p.content
    else {
        panic!("no exact curve")
    };
    assert_eq!(label, "Erlang C");
    // The curve is Erlang C's P(W > t); each simulated percentile's share sits on it within
    // the percentile's interval.
    let m = sc.erlang_model().unwrap();
    let c = cxsim::erlang::erlang_c(m.agents, m.arrival_rate, m.mean_service).unwrap();
    for (t, y) in curve {
        assert!((y - c.p_wait_gt(*t)).abs() < 1e-12);
    }
    for (share, e) in points.iter().filter(|(_, e)| e.mean > 0.0) {
        let (lo, hi) = (
            c.p_wait_gt(e.mean + e.half_width),
            c.p_wait_gt((e.mean - e.half_width).max(0.0)),
        );
        assert!(lo <= *share && *share <= hi, "{share} outside [{lo}, {hi}]");
    }
    assert!(plot::svg(&s, &p).unwrap().contains("Erlang C (exact)"));
}

#[test]
fn one_replication_of_one_interval_without_abandonment_still_draws_and_says_the_bands_are_missing() {
    let sc = crate::support::scenario(
        r#"
name = "tiny"
[simulation]
horizon = "30m"
interval = "30m"
replications = 1
[[contact_types]]
name = "calls"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "2m" }
[[agent_groups]]
name = "team"
serves = ["calls"]
headcount = 4
"#,
    );
    let s = crate::support::run(&sc, 1);
    let plots = plot::plots(&s, Some(&sc));
    assert!(plots.iter().any(|p| p.name == "service"));
    for p in &plots {
        let svg = plot::svg(&s, p).unwrap();
        assert!(!svg.contains("NaN"), "{}", p.name);
        if p.name == "staffing" {
            // Computed, not simulated: it never has an interval, and says so.
            assert!(!p.missing_bands() && svg.contains("no interval"));
            continue;
        }
        assert!(p.missing_bands(), "{}", p.name);
        assert!(p.caption().contains("no 95%"), "{}", p.name);
        assert!(svg.contains("no 95%"), "{}: the caption is drawn", p.name);
    }
}

/// The `<circle` tags of an SVG: `(filled, hollow)`.
fn circles(svg: &str) -> (usize, usize) {
    let tags: Vec<&str> = svg
        .split("<circle")
        .skip(1)
        .map(|t| &t[..t.find("/>").unwrap()])
        .collect();
    let hollow = tags.iter().filter(|t| t.contains("fill=\"none\"")).count();
    (tags.len() - hollow, hollow)
}

/// Polylines drawn in a colour (axes and ticks are black, the zero line grey).
fn coloured_strokes(svg: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .map(|t| &t[..t.find("/>").unwrap()])
        .filter(|t| !t.contains("stroke=\"#000000\"") && !t.contains("stroke=\"#787878\""))
        .count()
}

fn assert_drawn(svg: &str, p: &plot::Plot, labels: &[&str]) {
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{}",
        p.name
    );
    assert!(svg.contains(&p.title), "{}: title", p.name);
    assert!(!svg.contains("NaN"), "{}: a NaN", p.name);
    assert!(svg.contains(&p.caption()), "{}: caption", p.name);
    for l in labels {
        assert!(svg.contains(l), "{}: no \"{l}\" in the drawing", p.name);
    }
}

/// Nine agents on calls at 120 an hour, a price per agent hour, and `variants` (TOML).
fn priced(replications: u32, hourly_cost: f64, patience: bool, variants: &str) -> String {
    let patience = if patience {
        "patience = { dist = \"exponential\", mean = \"5m\" }"
    } else {
        ""
    };
    format!(
        r#"
name = "priced"
[simulation]
horizon = "2h"
interval = "30m"
seed = 5
replications = {replications}
[costs]
currency = "EUR"

[[contact_types]]
name = "calls"
arrivals = {{ rate = "120/h" }}
handle_time = {{ dist = "exponential", mean = "4m" }}
{patience}

[[agent_groups]]
name = "team"
serves = ["calls"]
headcount = 9
hourly_cost = {hourly_cost}
{variants}
"#
    )
}

/// A variant identical to the baseline and a sweep over the headcount.
const SAME_AND_SWEEP: &str = r#"
[[variants]]
name = "same"
set = { "agent_groups.team.headcount" = 9 }

[[sweeps]]
over = { "agent_groups.team.headcount" = [7, 12] }
"#;

/// Runs the study in `text` and returns the baseline and the rows of `comparison.csv`.
fn study_rows(text: &str) -> (Summary, Vec<cxsim::report::csv::ComparisonRow>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.toml");
    std::fs::write(&path, text).unwrap();
    let study = scenario::load_study(&path).unwrap_or_else(|e| panic!("{e}"));
    let opts = cxsim::sweep::SweepOptions { threads: 2 };
    let c = cxsim::compare::run_study(&study, opts, &|| {}, &mut []).unwrap();
    let rows = cxsim::report::csv::comparison_rows(
        &c.baseline,
        c.variants
            .iter()
            .map(|v| (v.name.as_str(), &v.summary, v.differences.as_slice())),
    );
    (c.baseline, rows)
}

#[test]
fn the_comparison_plot_has_one_bar_per_variant_and_figure_and_fills_only_the_significant() {
    let (base, rows) = study_rows(&priced(8, 30.0, true, SAME_AND_SWEEP));
    let plots = plot::variant_plots(&base, &rows);
    let names: Vec<&str> = plots.iter().map(|p| p.name).collect();
    assert_eq!(names, ["comparison", "frontier"]);
    let p = &plots[0];
    let plot::Content::Differences { panels } = &p.content else {
        panic!("not differences")
    };
    let labels: Vec<&str> = panels.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "service level (20 s), calls",
            "ASA, calls",
            "P(abandon), calls",
            "total cost per replication",
            "occupancy, team"
        ]
    );
    let (mut significant, mut other) = (0, 0);
    for panel in panels {
        let variants: Vec<&str> = panel.rows.iter().map(|r| r.variant.as_str()).collect();
        assert_eq!(variants, ["same", "headcount=7", "headcount=12"], "{}", panel.label);
        // The identical variant differs by exactly zero, with a zero-width interval.
        let same = &panel.rows[0];
        assert_eq!(
            (same.difference, same.low, same.high),
            (0.0, 0.0, 0.0),
            "{}",
            panel.label
        );
        assert!(!same.significant);
        for r in &panel.rows {
            // Each row is comparison.csv's, in the panel's unit.
            let row = rows
                .iter()
                .find(|x| x.variant == r.variant && x.metric == panel.figure.2 && x.scope == panel.figure.1)
                .unwrap();
            let scale = if panel.unit == "percentage points" { 100.0 } else { 1.0 };
            assert_eq!(r.difference, row.difference.unwrap() * scale);
            assert_eq!(r.significant, row.significant == Some(true));
            if r.significant {
                significant += 1;
            } else {
                other += 1;
            }
        }
    }
    // Two fewer or three more agents of nine move every figure beyond the noise.
    assert_eq!(significant, 2 * panels.len());
    assert_eq!(other, panels.len());
    let svg = plot::svg(&base, p).unwrap();
    assert_drawn(
        &svg,
        p,
        &[
            "variant − baseline (percentage points)",
            "variant − baseline (s)",
            "variant − baseline (EUR)",
            "headcount=12",
        ],
    );
    // One marker per variant and figure, filled where significant (each with its value
    // beside it) and hollow elsewhere, plus the key's two.
    assert_eq!(circles(&svg), (significant + 1, other + 1));
    let marks: Vec<&str> = svg
        .lines()
        .filter(|l| l.starts_with(['+', '-']) && [" pp", " s", " EUR"].iter().any(|u| l.ends_with(u)))
        .collect();
    assert_eq!(marks.len(), significant, "{marks:?}");
    // A bar (three strokes: the interval and its two ends) for each row of non-zero width,
    // and a zero line per panel.
    let bars = panels.iter().flat_map(|p| &p.rows).filter(|r| r.high > r.low).count();
    assert!(bars >= panels.len(), "{bars} bars");
    assert_eq!(coloured_strokes(&svg), 3 * bars);
    assert_eq!(svg.matches("stroke=\"#787878\"").count(), panels.len());
}

#[test]
fn the_frontier_labels_every_run_and_joins_those_no_other_beats_on_cost_and_service() {
    let (base, rows) = study_rows(&priced(8, 30.0, true, SAME_AND_SWEEP));
    let p = plot::variant_plots(&base, &rows)
        .into_iter()
        .find(|p| p.name == "frontier")
        .unwrap();
    let plot::Content::Frontier {
        x_label,
        y_label,
        points,
        ..
    } = &p.content
    else {
        panic!("not a frontier")
    };
    assert_eq!(x_label, "total cost per replication (EUR)");
    assert_eq!(y_label, "service level (20 s), calls (%)");
    let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["baseline", "same", "headcount=7", "headcount=12"]);
    // The baseline's point is the summary's; each variant's is comparison.csv's.
    let cost = base.scope(cxsim::summary::ScopeKind::Cost, "all").unwrap();
    assert_eq!(points[0].cost.mean, cost.get("total_cost").unwrap().estimate.mean);
    let row = rows
        .iter()
        .find(|r| r.variant == "headcount=12" && r.metric == "sl_offered_20s")
        .unwrap();
    assert_eq!(points[3].experience.mean, row.value.unwrap());
    assert_eq!(points[3].experience.half_width, row.ci95_half_width.unwrap());
    // More agents cost more and serve better: none beats another on both.
    assert!(points.iter().all(|p| p.on_frontier));
    let svg = plot::svg(&base, &p).unwrap();
    assert_drawn(
        &svg,
        &p,
        &[
            "baseline, same",
            "headcount=7",
            "headcount=12",
            "total cost per replication (EUR)",
            "frontier",
        ],
    );
    // A marker per run and two in the legend.
    assert_eq!(circles(&svg).0, points.len() + 2);
}

#[test]
fn a_run_another_beats_on_both_cost_and_service_is_off_the_frontier() {
    let point = |name: &str, cost: f64, sl: f64| plot::FrontierPoint {
        name: name.into(),
        cost: plot::Ci {
            mean: cost,
            half_width: 1.0,
        },
        experience: plot::Ci {
            mean: sl,
            half_width: 0.01,
        },
        on_frontier: false,
    };
    let mut points = vec![
        point("baseline", 100.0, 0.80),
        point("dearer and worse", 120.0, 0.75),
        point("as dear, worse", 100.0, 0.70),
        point("cheaper, worse", 90.0, 0.60),
        point("dearer, better", 130.0, 0.90),
        point("twin", 100.0, 0.80),
    ];
    plot::mark_frontier(&mut points);
    let on: Vec<&str> = points
        .iter()
        .filter(|p| p.on_frontier)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(on, ["baseline", "cheaper, worse", "dearer, better", "twin"]);
}

#[test]
fn one_replication_at_zero_cost_without_abandonment_still_draws_the_plots_of_variants() {
    let one = r#"
[[variants]]
name = "same"
set = { "agent_groups.team.headcount" = 9 }
[[variants]]
name = "more"
set = { "agent_groups.team.headcount" = 11 }
"#;
    let (base, rows) = study_rows(&priced(1, 0.0, false, one));
    let plots = plot::variant_plots(&base, &rows);
    let names: Vec<&str> = plots.iter().map(|p| p.name).collect();
    assert_eq!(names, ["comparison", "frontier"]);
    for p in &plots {
        assert!(p.missing_bands(), "{}", p.name);
        assert!(p.caption().contains("no 95% interval"), "{}", p.name);
        let svg = plot::svg(&base, p).unwrap();
        assert_drawn(&svg, p, &["more"]);
        if let plot::Content::Differences { panels } = &p.content {
            // Without an interval nothing is significant: every marker hollow.
            assert!(panels.iter().flat_map(|p| &p.rows).all(|r| !r.significant));
            let rows: usize = panels.iter().map(|p| p.rows.len()).sum();
            assert_eq!(circles(&svg), (1, rows + 1));
            assert!(panels.iter().any(|p| p.label == "total cost per replication"));
        }
        if let plot::Content::Frontier { points, .. } = &p.content {
            assert!(points.iter().all(|p| p.cost.mean == 0.0));
        }
    }
    // Without variants there is nothing to draw.
    assert!(plot::variant_plots(&base, &[]).is_empty());
}

#[test]
fn the_journey_plot_shows_resolution_csat_and_contacts_per_resolved_journey_of_each_type() {
    let sc = crate::support::scenario(
        r#"
name = "journeys"
[simulation]
horizon = "4h"
interval = "1h"
seed = 5
replications = 5
[csat]

[[contact_types]]
name = "accounts"
arrivals = { rate = "100/h" }
handle_time = { dist = "exponential", mean = "3m" }
patience = { dist = "exponential", mean = "5m" }
resolution = { probability = 0.7, repeat = { probability = 0.8, delay = { dist = "exponential", mean = "20m" }, max_contacts = 3 } }

[[contact_types]]
name = "cards"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "5m" }
resolution = { probability = 0.85 }

[[agent_groups]]
name = "team"
serves = ["accounts", "cards"]
headcount = 12
"#,
    );
    let s = crate::support::run(&sc, 2);
    let p = plot::plots(&s, Some(&sc))
        .into_iter()
        .find(|p| p.name == "journeys")
        .expect("a journey plot");
    let plot::Content::Journeys {
        types,
        shares,
        contacts,
    } = &p.content
    else {
        panic!("not journeys")
    };
    assert_eq!(types, &["accounts", "cards", "all types"]);
    let labels: Vec<&str> = shares.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["first-contact resolution", "resolved", "CSAT (top-2-box)"]);
    // Each value is the summary's, interval included.
    let fcr = s
        .scope(cxsim::summary::ScopeKind::Type, "accounts")
        .unwrap()
        .get("true_fcr")
        .unwrap();
    assert_eq!(shares[0].1[0].mean, fcr.estimate.mean);
    assert_eq!(shares[0].1[0].half_width, fcr.estimate.half_width);
    let all = s.scope(cxsim::summary::ScopeKind::All, "all").unwrap();
    assert_eq!(
        contacts[2].mean,
        all.get("contacts_per_resolved").unwrap().estimate.mean
    );
    assert!(!p.missing_bands());
    let svg = plot::svg(&s, &p).unwrap();
    assert_drawn(
        &svg,
        &p,
        &[
            "share of journeys (%)",
            "contacts per resolved journey",
            "first-contact resolution",
            "CSAT (top-2-box)",
            "accounts",
            "all types",
        ],
    );
    // A dot per type and figure, and one per figure in the legends; a whisker per dot.
    assert_eq!(circles(&svg).0, 3 * 3 + 3 + 4);
    assert_eq!(coloured_strokes(&svg), 3 * 3 + 3);
}

#[test]
fn the_workforce_plots_draw_each_groups_headcount_burnout_and_strain_per_day() {
    let sc = crate::support::scenario(
        r#"
name = "wf"
[simulation]
horizon = "5d"
interval = "1d"
seed = 5
replications = 3

[[contact_types]]
name = "calls"
arrivals = { rate = "100/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "10m" }
hours = { open = "08:00", close = "16:00", when_closed = "refuse" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
employees = 12
shifts = [ { start = "08:00", length = "8h", agents = 9 } ]

[workforce]
"#,
    );
    let s = crate::support::run(&sc, 2);
    let plots = plot::plots(&s, Some(&sc));
    let group = s.scope(cxsim::summary::ScopeKind::Group, "agents").unwrap();
    for (name, expected) in [
        ("headcount", vec![("employed: agents", "employed_agents")]),
        (
            "stress",
            vec![
                ("burnt out: agents", "burnout_share"),
                ("mean strain: agents", "strain"),
            ],
        ),
    ] {
        let p = plots
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name}"));
        let plot::Content::Intervals { series, .. } = &p.content else {
            panic!("{name}: not intervals")
        };
        assert_eq!(series.len(), expected.len(), "{name}");
        for (s_, (label, metric)) in series.iter().zip(&expected) {
            assert_eq!(s_.label, *label);
            assert_eq!(s_.values.len(), 5, "{name}: a value a day");
            for (row, e) in s_.values.iter().enumerate() {
                assert_eq!(*e, group.interval(row, metric).unwrap(), "{name} {metric} day {row}");
            }
        }
        let svg = plot::svg(&s, p).unwrap();
        let labels: Vec<&str> = expected.iter().map(|(l, _)| *l).collect();
        assert_drawn(&svg, p, &labels);
        assert!(svg.contains("agents employed") || svg.contains("burnt-out share"));
        // A band and a line per series.
        assert!(shapes(&svg) >= 2 * series.len(), "{name}");
    }
    // Without [workforce] neither is drawn.
    let (sc, s) = run_of("scenarios/erlang_c.toml", 2);
    assert!(
        plot::plots(&s, Some(&sc))
            .iter()
            .all(|p| p.name != "headcount" && p.name != "stress")
    );
}

/// The fewest agents with `sl(n) >= target`, counted up from 1.
fn fewest(sl: impl Fn(u32) -> f64, target: f64) -> u32 {
    (1..1000).find(|n| sl(*n) >= target).unwrap()
}

#[test]
fn the_staffing_plot_puts_the_plan_beside_the_fewest_agents_erlang_needs_in_each_interval() {
    let text = |patience: &str| {
        format!(
            r#"
name = "plan"
[simulation]
horizon = "3h"
interval = "1h"
seed = 5
replications = 2

[[contact_types]]
name = "calls"
arrivals = {{ rates = ["60/h", "240/h", "120/h"] }}
handle_time = {{ dist = "exponential", mean = "4m" }}
sl_threshold = "30s"
{patience}

[[agent_groups]]
name = "team"
serves = ["calls"]
headcount = [5, 14, 9]
"#
        )
    };
    // No patience: Erlang C.
    let sc = crate::support::scenario(&text(""));
    let s = crate::support::run(&sc, 2);
    let pools = plot::staffing_pools(&s, &sc);
    assert_eq!(pools.len(), 1);
    let pool = &pools[0];
    assert_eq!(pool.label, "team: calls");
    assert_eq!((pool.model, pool.target, pool.threshold_s), ("Erlang C", 0.8, 30.0));
    assert_eq!(pool.on_duty, [5, 14, 9]);
    for (i, rate) in [60.0, 240.0, 120.0].iter().enumerate() {
        let expected = fewest(
            |n| cxsim::erlang::erlang_c(n, rate / 3600.0, 240.0).map_or(0.0, |c| c.service_level(30.0)),
            0.8,
        );
        assert_eq!(pool.required[i], expected, "interval {i}");
    }
    let p = plot::plots(&s, Some(&sc))
        .into_iter()
        .find(|p| p.name == "staffing")
        .unwrap();
    let svg = plot::svg(&s, &p).unwrap();
    assert_drawn(
        &svg,
        &p,
        &[
            "planned: team: calls",
            "Erlang C for 80% within 30 s (convention): team: calls",
            "agents on the phones",
        ],
    );
    // Exponential patience: Erlang A, the service level over offered contacts.
    let sc = crate::support::scenario(&text("patience = { dist = \"exponential\", mean = \"3m\" }"));
    let s = crate::support::run(&sc, 2);
    let pool = &plot::staffing_pools(&s, &sc)[0];
    assert_eq!(pool.model, "Erlang A");
    let expected = fewest(
        |n| cxsim::erlang::erlang_a(n, 240.0 / 3600.0, 240.0, 180.0).sl_offered(30.0),
        0.8,
    );
    assert_eq!(pool.required[1], expected);
}
