//! `report.html` from a results folder: self-contained (nothing fetched), every plot inline,
//! every figure's mean and interval equal to `summary.json`'s, variants' paired differences
//! beside them (as tables and drawn, with the cost frontier where there are prices), and the
//! plots also as files.

use assert_cmd::Command;
use std::path::Path;

fn cxsim() -> Command {
    Command::cargo_bin("cxsim").expect("binary built")
}

/// The value of attribute `name` in the first tag of `html` that has it.
fn attribute<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = html.find(&key)? + key.len();
    Some(&html[start..start + html[start..].find('"')?])
}

/// `(scope kind, scope, metric) → [mean, 95% low, 95% high]` from the page's figure tables.
fn page_figures(html: &str) -> Vec<((String, String, String), Vec<String>)> {
    let mut out = Vec::new();
    for table in html.split("<table class=\"figures\"").skip(1) {
        let table = &table[..table.find("</table>").unwrap()];
        let (kind, scope) = (
            attribute(table, "data-scope-kind").unwrap(),
            attribute(table, "data-scope").unwrap(),
        );
        for row in table.split("<tr data-metric=").skip(1) {
            let metric = row[1..].split('"').next().unwrap();
            let values: Vec<String> = row
                .split("data-value=\"")
                .skip(1)
                .map(|v| v.split('"').next().unwrap().to_owned())
                .collect();
            out.push(((kind.to_owned(), scope.to_owned(), metric.to_owned()), values));
        }
    }
    out
}

/// Runs `scenario` for `replications` with `--report` into a folder under `dir`.
fn report_into(dir: &Path, scenario: &str, replications: &str) -> std::path::PathBuf {
    let out = dir.join(Path::new(scenario).file_stem().unwrap());
    cxsim()
        .args(["run", scenario, "-r", replications, "-q", "--report", "-o"])
        .arg(&out)
        .assert()
        .success();
    out
}

fn assert_self_contained(html: &str) {
    for fetch in ["<script", "<link", " src=", "url(", "@import", "<iframe", "<img"] {
        assert!(!html.contains(fetch), "the page fetches or runs something: {fetch}");
    }
}

#[test]
fn the_report_is_self_contained_and_its_tables_hold_the_numbers_of_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_into(dir.path(), "scenarios/day_profile.toml", "6");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert_self_contained(&html);
    assert!(html.contains("@media print"));
    // Every plot inline, and as a file.
    for name in ["volumes", "service", "occupancy", "backlog", "wait"] {
        let figure = html
            .split(&format!("<figure data-plot=\"{name}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no {name} plot"));
        assert!(figure[..figure.find("</figure>").unwrap()].contains("<svg"), "{name}");
        assert!(out.join("plots").join(format!("{name}.svg")).exists(), "{name}.svg");
    }
    // Every figure shown is summary.json's, bit for bit.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let figures = page_figures(&html);
    let mut checked = 0;
    for scope in json["summary"]["scopes"].as_array().unwrap() {
        for m in scope["metrics"].as_array().unwrap() {
            let key = (
                scope["kind"].as_str().unwrap().to_owned(),
                scope["name"].as_str().unwrap().to_owned(),
                m["name"].as_str().unwrap().to_owned(),
            );
            let Some((_, values)) = figures.iter().find(|(k, _)| *k == key) else {
                continue; // a figure hidden because it is zero throughout
            };
            let (mean, half) = (m["mean"].as_f64(), m["half_width"].as_f64());
            match mean {
                Some(x) => assert_eq!(values[0].parse::<f64>().unwrap(), x, "{key:?}"),
                None => assert_eq!(values[0], "", "{key:?}"),
            }
            if let (Some(x), Some(h)) = (mean, half) {
                assert_eq!(values[1].parse::<f64>().unwrap(), x - h, "{key:?} low");
                assert_eq!(values[2].parse::<f64>().unwrap(), x + h, "{key:?} high");
            }
            checked += 1;
        }
    }
    // Every row of the page is one of summary.json's figures.
    assert_eq!(checked, figures.len());
    assert!(checked > 60, "only {checked} figures checked");
    // The manifest: version, seed, input hash and the command that repeats the run.
    for field in ["cxsim_version", "seed", "input_hash", "repeat with"] {
        assert!(html.contains(&format!("<dt>{field}</dt>")), "{field}");
    }
}

#[test]
fn the_report_of_variants_shows_each_ones_paired_differences_and_marks_the_significant() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize("scenarios/erlang_a.toml").unwrap();
    let scenario = dir.path().join("sweep.toml");
    std::fs::write(
        &scenario,
        format!(
            "extends = {:?}\n[[sweeps]]\nover = {{ \"agent_groups.agents.headcount\" = [45, 50, 55] }}\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    cxsim()
        .args(["run", "-r", "10", "-q", "-o"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    cxsim().args(["report", "--png"]).arg(&out).assert().success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_self_contained(&html);
    let tables = html.matches("<table class=\"comparison\"").count();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(out.join("comparison.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let variants: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(tables, variants.len());
    // Fewer or more agents move the service level beyond the noise on common random numbers.
    let significant = html.matches("<tr class=\"sig\"").count();
    let expected = rows.iter().filter(|r| r.get(11) == Some("true")).count();
    assert!(expected > 0);
    assert_eq!(significant, expected);
    assert!(Path::new(&out.join("plots").join("service.png")).exists());
    // The differences are drawn; with no price there is no frontier.
    assert!(html.contains("<figure data-plot=\"comparison\">"));
    assert!(out.join("plots").join("comparison.png").exists());
    assert!(!html.contains("data-plot=\"frontier\""));
}

/// A small priced scenario: nine agents at 30 EUR an hour, with `variants` (TOML).
fn priced(variants: &str) -> String {
    format!(
        r#"
name = "priced"
[simulation]
horizon = "1h"
interval = "30m"
seed = 5
replications = 4
[costs]
currency = "EUR"

[[contact_types]]
name = "calls"
arrivals = {{ rate = "120/h" }}
handle_time = {{ dist = "exponential", mean = "4m" }}
patience = {{ dist = "exponential", mean = "5m" }}

[[agent_groups]]
name = "team"
serves = ["calls"]
headcount = 9
hourly_cost = 30.0
{variants}
"#
    )
}

/// Runs `text` with `--report` and returns the page and the results folder.
fn report_of(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("priced.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    cxsim()
        .args(["run", "-q", "--report", "-o"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    (dir, html)
}

/// The inline SVG of plot `name` on the page, if it has one.
fn inline_plot<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let figure = html.split(&format!("<figure data-plot=\"{name}\">")).nth(1)?;
    Some(&figure[..figure.find("</figure>")?])
}

#[test]
fn a_report_of_priced_variants_draws_their_differences_and_the_cost_frontier() {
    let (dir, html) = report_of(&priced(
        "[[sweeps]]\nover = { \"agent_groups.team.headcount\" = [7, 12] }\n",
    ));
    assert_self_contained(&html);
    for name in ["comparison", "frontier"] {
        let svg = inline_plot(&html, name).unwrap_or_else(|| panic!("no {name} plot"));
        assert!(svg.contains("<svg") && !svg.contains("NaN"), "{name}");
        assert!(
            dir.path()
                .join("out")
                .join("plots")
                .join(format!("{name}.svg"))
                .exists(),
            "{name}.svg"
        );
    }
    let frontier = inline_plot(&html, "frontier").unwrap();
    for label in [
        "baseline",
        "headcount=7",
        "headcount=12",
        "total cost per replication (EUR)",
    ] {
        assert!(frontier.contains(label), "{label}");
    }
    // The plots of variants sit with the comparison tables, after the run's own plots.
    let section = html.find("<h2>Variants against the scenario</h2>").unwrap();
    assert!(html.find("data-plot=\"comparison\"").unwrap() > section);
    assert!(html.find("data-plot=\"volumes\"").unwrap() < section);
}

#[test]
fn a_report_without_variants_draws_no_differences_and_no_frontier() {
    let (dir, html) = report_of(&priced(""));
    assert!(inline_plot(&html, "volumes").is_some());
    assert!(inline_plot(&html, "staffing").is_some());
    for name in ["comparison", "frontier"] {
        assert!(inline_plot(&html, name).is_none(), "{name}");
        assert!(
            !dir.path()
                .join("out")
                .join("plots")
                .join(format!("{name}.svg"))
                .exists()
        );
    }
}

#[test]
fn the_report_opens_in_a_real_browser_with_every_plot_drawn_the_numbers_of_summary_json_and_no_request() {
    let Some(python) = super::support::python_checks() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = report_into(dir.path(), "scenarios/day_profile.toml", "6");
    let shot = dir.path().join("report.png");
    let status = std::process::Command::new(&python)
        .arg("tests/python/check_report.py")
        .arg(&out)
        .arg(&shot)
        .status()
        .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
    assert!(
        status.success(),
        "tests/python/check_report.py failed on {}",
        out.display()
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
}

#[test]
fn the_report_lists_the_assumptions_in_force_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = report_into(dir.path(), "scenarios/omnichannel_bank.toml", "2");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Assumptions in force</h2>"));
    let sc = cxsim::scenario::load(Path::new("scenarios/omnichannel_bank.toml")).unwrap();
    let assumptions = cxsim::assumptions::in_force(&sc);
    assert!(
        assumptions.iter().any(|a| a.key == "csat.per_repeat"),
        "journeys are followed"
    );
    for a in &assumptions {
        let row = format!("<tr data-key=\"{}\">", cxsim::report::html::escape(&a.key));
        let at = html
            .find(&row)
            .unwrap_or_else(|| panic!("{} is not in the page", a.key));
        let end = at + html[at..].find("</tr>").unwrap();
        let cells = &html[at..end];
        assert!(
            cells.contains(&cxsim::report::html::escape(&a.value)),
            "{}: {cells}",
            a.key
        );
        assert!(
            cells.contains(if a.set { ">scenario<" } else { ">default<" }),
            "{cells}"
        );
        assert!(
            cells.contains("MODEL.md") || cells.contains("cxsim:"),
            "{}: no source",
            a.key
        );
    }
    // A plain Erlang scenario uses no behavioural model, and says so.
    let plain = report_into(dir.path(), "scenarios/erlang_c.toml", "2");
    let html = std::fs::read_to_string(plain.join("report.html")).unwrap();
    assert!(html.contains("uses none of the behavioural models"));
}
