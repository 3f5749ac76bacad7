//! Every plot is drawn from a small run: as SVG with its title, axis labels and series, and as
//! PNG with text from the embedded face; a run with one replication, one interval or no
//! abandonment still draws, and says where a band is missing.

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
    assert_eq!(names, ["volumes", "service", "occupancy", "backlog", "wait"]);
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
        assert!(p.missing_bands(), "{}", p.name);
        assert!(p.caption().contains("no 95%"), "{}", p.name);
        assert!(svg.contains("no 95%"), "{}: the caption is drawn", p.name);
    }
}
