//! Per-contact and per-journey records (`--records`, `sweep::run_recording`): every counted
//! outcome agrees exactly with the collector, the files do not depend on the thread count, and
//! recording leaves the summary's bits alone.

use super::support::{bits, scenario};
use assert_cmd::Command;
use cxsim::scenario::Scenario;
use cxsim::stats::RepOutput;
use cxsim::stats::records::{CONTACT_COLUMNS, JOURNEY_COLUMNS};
use cxsim::summary::{ScopeKind, Summary};
use cxsim::sweep::{self, SweepOptions};
use predicates::prelude::*;
use std::path::Path;

/// Runs `sc` on `threads` threads recording contacts and journeys: (summary, contacts.csv,
/// journeys.csv).
fn record(sc: &Scenario, threads: usize) -> (Summary, String, String) {
    let (summary, contacts, journeys) =
        sweep::run_recording(sc, SweepOptions { threads }, Vec::new(), Some(Vec::new())).expect("runs");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    (summary, text(contacts), text(journeys.expect("asked for")))
}

/// A record file read back: its header and rows.
struct Table {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn parse(text: &str) -> Self {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().expect("a header").iter().map(str::to_owned).collect();
        let rows = r.records().map(|row| row.expect("a row")).collect();
        Self { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// The measured rows of type `ty`.
    fn measured_of<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a csv::StringRecord> + 'a {
        let (t, m) = (self.col("type"), self.col("measured"));
        self.rows.iter().filter(move |r| &r[t] == ty && &r[m] == "true")
    }

    /// Measured rows of type `ty` whose column `col` is `value`.
    fn count(&self, ty: &str, col: &str, value: &str) -> u64 {
        let c = self.col(col);
        self.measured_of(ty).filter(|r| &r[c] == value).count() as u64
    }

    /// Measured rows of type `ty` with a value in column `col`, and the sum of the values.
    fn given(&self, ty: &str, col: &str) -> (u64, f64) {
        let c = self.col(col);
        self.measured_of(ty)
            .filter(|r| !r[c].is_empty())
            .fold((0, 0.0), |(n, s), r| {
                (n + 1, s + r[c].parse::<f64>().expect("a number"))
            })
    }
}

/// The collector's outputs of every replication of `sc`.
fn outputs(sc: &Scenario) -> Vec<RepOutput> {
    (0..sc.replications)
        .map(|rep| sweep::run_replication(sc, rep))
        .collect()
}

/// `f` of type `ty`'s counts summed over replications and intervals.
fn total(outs: &[RepOutput], ty: usize, f: impl Fn(&cxsim::stats::TypeCounts) -> u64) -> u64 {
    outs.iter().flat_map(|o| o.type_intervals(ty)).map(&f).sum()
}

fn sum_f(outs: &[RepOutput], ty: usize, f: impl Fn(&cxsim::stats::TypeCounts) -> f64) -> f64 {
    outs.iter().flat_map(|o| o.type_intervals(ty)).map(&f).sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A shipped scenario with only `replications` replications.
fn shipped(file: &str, replications: u32) -> Scenario {
    let mut sc = cxsim::scenario::load(Path::new(file)).expect("a shipped scenario");
    sc.replications = replications;
    sc
}

const MMC: &str = r#"
    [simulation]
    horizon = "6h"
    warmup = "1h"
    replications = 6
    seed = 11

    [[contact_types]]
    name = "calls"
    arrivals = { rate = "300/h" }
    handle_time = { dist = "exponential", mean = "5m" }

    [[contact_types]]
    name = "queries"
    arrivals = { rate = "60/h" }
    handle_time = { dist = "exponential", mean = "3m" }
    patience = { dist = "exponential", mean = "2m" }

    [[agent_groups]]
    name = "team"
    serves = ["calls", "queries"]
    headcount = 29
"#;

#[test]
fn every_counted_outcome_of_the_records_agrees_exactly_with_the_collector() {
    for (file, reps) in [
        ("scenarios/bank_journeys.toml", 2),
        ("scenarios/omnichannel_bank_bots.toml", 3),
    ] {
        let sc = shipped(file, reps);
        let (_, contacts, _) = record(&sc, 2);
        let table = Table::parse(&contacts);
        let outs = outputs(&sc);
        for (t, ct) in sc.contact_types.iter().enumerate() {
            let name = ct.name.as_str();
            let at = |what: &str| format!("{file}: type {name}: {what}");
            // Every measured arrival is a row, routed ones included.
            let rows = table.measured_of(name).count() as u64;
            assert_eq!(rows, total(&outs, t, |c| c.offered), "{}", at("offered"));
            let (answered, _) = table.given(name, "answered_s");
            assert_eq!(answered, total(&outs, t, |c| c.answered), "{}", at("answered"));
            for (outcome, expected) in [
                ("abandoned", total(&outs, t, |c| c.abandoned)),
                ("blocked", total(&outs, t, |c| c.blocked)),
                ("refused", total(&outs, t, |c| c.refused)),
                ("balked", total(&outs, t, |c| c.balked)),
                ("message", total(&outs, t, |c| c.messages)),
                ("cleared", total(&outs, t, |c| c.cleared)),
                ("callback_failed", total(&outs, t, |c| c.callbacks_failed)),
                ("contained", total(&outs, t, |c| c.contained)),
                ("ivr_hangup", total(&outs, t, |c| c.ivr_hangups)),
                ("routed", total(&outs, t, |c| c.routed)),
                ("transferred", total(&outs, t, |c| c.transferred)),
                ("in_system_at_end", outs.iter().map(|o| o.in_system_at_end[t]).sum()),
            ] {
                assert_eq!(table.count(name, "outcome", outcome), expected, "{}", at(outcome));
            }
            let (retried, _) = table.given(name, "retry_at_s");
            assert_eq!(retried, total(&outs, t, |c| c.retried), "{}", at("retried"));
            assert_eq!(
                table.count(name, "queued", "true"),
                total(&outs, t, |c| c.waited),
                "{}",
                at("queued")
            );
            // Waits and handle times of the answered rows sum to the collector's sums.
            let wait = table
                .measured_of(name)
                .filter(|r| !r[table.col("answered_s")].is_empty())
                .map(|r| r[table.col("wait_s")].parse::<f64>().unwrap())
                .sum::<f64>();
            let expected = sum_f(&outs, t, |c| c.wait_answered);
            assert!(close(wait, expected), "{}: {wait} vs {expected}", at("wait"));
            let (_, handle) = table.given(name, "handle_s");
            let expected = sum_f(&outs, t, |c| c.handle);
            assert!(close(handle, expected), "{}: {handle} vs {expected}", at("handle"));
        }
    }
}

#[test]
fn the_mean_wait_of_answered_rows_is_the_summarys_asa_on_an_mmc_scenario() {
    let sc = scenario(MMC);
    let (summary, contacts, _) = record(&sc, 2);
    let table = Table::parse(&contacts);
    let outs = outputs(&sc);
    for (t, name) in ["calls", "queries"].into_iter().enumerate() {
        // Nothing is transferred or left in service here: every answered row ends "answered".
        assert_eq!(
            table.count(name, "outcome", "answered"),
            total(&outs, t, |c| c.answered),
            "{name}"
        );
        assert_eq!(
            table.count(name, "outcome", "abandoned"),
            total(&outs, t, |c| c.abandoned),
            "{name}"
        );
        let wait_col = table.col("wait_s");
        let waits: Vec<f64> = table
            .measured_of(name)
            .filter(|r| &r[table.col("outcome")] == "answered")
            .map(|r| r[wait_col].parse().unwrap())
            .collect();
        let mean = waits.iter().sum::<f64>() / waits.len() as f64;
        let asa = summary
            .scope(ScopeKind::Type, name)
            .and_then(|s| s.get("asa_answered_s"))
            .expect("an ASA")
            .estimate
            .mean;
        assert!(
            (mean - asa).abs() <= 1e-9 * asa,
            "{name}: mean wait of rows {mean} vs ASA {asa}"
        );
        // Rows before the warm-up are written, and flagged.
        let early = table
            .rows
            .iter()
            .filter(|r| &r[table.col("type")] == name && &r[table.col("measured")] == "false")
            .count();
        assert!(early > 0, "{name}: warm-up rows");
    }
}

#[test]
fn records_are_byte_identical_on_one_and_two_threads_and_leave_the_summary_unchanged() {
    let sc = shipped("scenarios/omnichannel_bank_bots.toml", 5);
    let (one, contacts_1, journeys_1) = record(&sc, 1);
    let (two, contacts_2, journeys_2) = record(&sc, 2);
    assert!(contacts_1 == contacts_2, "contacts.csv differs between 1 and 2 threads");
    assert!(journeys_1 == journeys_2, "journeys.csv differs between 1 and 2 threads");
    let plain = sweep::run(&sc, SweepOptions { threads: 2 }, &|| {}).expect("runs");
    assert_eq!(bits(&one), bits(&plain));
    assert_eq!(bits(&two), bits(&plain));

    // Headers come from the declared columns; replications in order, rows of a replication
    // in the order they ended.
    let table = Table::parse(&contacts_1);
    let names: Vec<&str> = CONTACT_COLUMNS.iter().map(|c| c.0).collect();
    assert_eq!(table.header, names);
    let journeys = Table::parse(&journeys_1);
    let names: Vec<&str> = JOURNEY_COLUMNS.iter().map(|c| c.0).collect();
    assert_eq!(journeys.header, names);
    let (rep, end) = (table.col("replication"), table.col("end_s"));
    let keys: Vec<(u32, f64)> = table
        .rows
        .iter()
        .map(|r| (r[rep].parse().unwrap(), r[end].parse().unwrap()))
        .collect();
    assert!(
        keys.windows(2)
            .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 <= w[1].1))
    );
    assert_eq!(keys.last().map(|k| k.0), Some(4));
}

#[test]
fn journey_rows_per_outcome_match_the_journey_figures() {
    for (file, reps) in [
        ("scenarios/bank_journeys.toml", 2),
        ("scenarios/omnichannel_bank_bots.toml", 3),
    ] {
        let sc = shipped(file, reps);
        assert!(sc.follow_journeys);
        let (summary, _, journeys) = record(&sc, 2);
        let table = Table::parse(&journeys);
        let outs = outputs(&sc);
        for (t, ct) in sc.contact_types.iter().enumerate() {
            let name = ct.name.as_str();
            for (outcome, expected) in [
                ("resolved", total(&outs, t, |c| c.resolved)),
                ("unresolved", total(&outs, t, |c| c.unresolved)),
                ("gave_up", total(&outs, t, |c| c.gave_up)),
                ("open", total(&outs, t, |c| c.open)),
            ] {
                assert_eq!(
                    table.count(name, "outcome", outcome),
                    expected,
                    "{file}: {name} {outcome}"
                );
            }
            assert_eq!(
                table.measured_of(name).count() as u64,
                total(&outs, t, |c| c.journeys),
                "{file}: {name} journeys"
            );
            assert_eq!(
                table.count(name, "contained", "true"),
                total(&outs, t, |c| c.journeys_contained),
                "{file}: {name} contained"
            );
            let (_, transfers) = table.given(name, "transfers");
            assert_eq!(
                transfers as u64,
                total(&outs, t, |c| c.journey_transfers),
                "{file}: {name}"
            );
            let (_, switches) = table.given(name, "switches");
            assert_eq!(
                switches as u64,
                total(&outs, t, |c| c.journey_switches),
                "{file}: {name}"
            );
            let (n, p) = table.given(name, "p_satisfied");
            let expected = sum_f(&outs, t, |c| c.csat);
            assert!(close(p, expected), "{file}: {name} csat {p} vs {expected} over {n}");
        }
        assert!(summary.replications == reps);
    }
}

#[test]
fn a_contact_passes_through_its_journey_row_by_row() {
    // One journey traced through the records: a bot's hand-off arrives again as a routed
    // row of the same journey, after the graph's "routed" row ended at that instant.
    let sc = shipped("scenarios/omnichannel_bank_bots.toml", 1);
    let (_, contacts, _) = record(&sc, 1);
    let table = Table::parse(&contacts);
    let (j, out, routed, arrival, end) = (
        table.col("journey"),
        table.col("outcome"),
        table.col("routed"),
        table.col("arrival_s"),
        table.col("end_s"),
    );
    let graph_exit = table
        .rows
        .iter()
        .position(|r| &r[out] == "routed")
        .expect("a contact routed by the graph");
    let next = table.rows[graph_exit + 1..]
        .iter()
        .find(|r| r[j] == table.rows[graph_exit][j])
        .expect("its next row");
    assert_eq!(&next[routed], "true");
    assert_eq!(next[arrival], table.rows[graph_exit][end]);
}

fn cxsim() -> Command {
    Command::cargo_bin("cxsim").expect("binary built")
}

#[test]
fn records_with_no_write_is_a_usage_error_with_a_clear_message() {
    cxsim()
        .args([
            "run",
            "scenarios/erlang_a.toml",
            "-r",
            "2",
            "--no-write",
            "--records",
            "contacts",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--records writes contacts.csv and journeys.csv into the results folder, so it cannot go with --no-write",
        ));
}

#[test]
fn records_of_journeys_a_scenario_does_not_follow_or_of_variants_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    cxsim()
        .args([
            "run",
            "scenarios/erlang_a.toml",
            "-r",
            "2",
            "--records",
            "journeys",
            "-o",
        ])
        .arg(dir.path().join("a"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not follow journeys"));
    let study = dir.path().join("study.toml");
    let base = std::fs::canonicalize("scenarios/erlang_a.toml").unwrap();
    std::fs::write(
        &study,
        format!(
            "extends = {:?}\n[[variants]]\nname = \"more\"\nset = {{ \"agent_groups.agents.headcount\" = 52 }}\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    cxsim()
        .args(["run", "-r", "2", "--records", "all", "-o"])
        .arg(dir.path().join("b"))
        .arg(&study)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--records records a single scenario"));
    assert!(!dir.path().join("a").exists() && !dir.path().join("b").exists());
}

#[test]
fn run_with_records_writes_them_into_the_results_folder_and_names_them_in_run_toml() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = |threads: &str, out: &Path| {
        cxsim()
            .args([
                "run",
                "scenarios/bank_journeys.toml",
                "-r",
                "2",
                "-j",
                threads,
                "-q",
                "--records",
                "all",
                "-o",
            ])
            .arg(out)
            .assert()
            .success();
    };
    run("2", &out);
    let contacts = std::fs::read_to_string(out.join("contacts.csv")).unwrap();
    let journeys = std::fs::read_to_string(out.join("journeys.csv")).unwrap();
    assert!(contacts.starts_with("replication,journey,attempt,"));
    assert!(journeys.starts_with("replication,journey,type,start_s,"));
    let run_toml = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(
        run_toml.contains("records = [\"contacts\", \"journeys\"]"),
        "{run_toml}"
    );
    // Nothing left beside the results: no streamed file, no spool of part files.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["run"]);
    // The same bytes on one thread; the summary the same as without records.
    let again = dir.path().join("again");
    run("1", &again);
    assert!(std::fs::read(again.join("contacts.csv")).unwrap() == contacts.as_bytes());
    assert!(std::fs::read(again.join("journeys.csv")).unwrap() == journeys.as_bytes());
    let plain = dir.path().join("plain");
    cxsim()
        .args(["run", "scenarios/bank_journeys.toml", "-r", "2", "-q", "-o"])
        .arg(&plain)
        .assert()
        .success();
    for file in ["summary.csv", "replications.csv", "intervals.csv"] {
        assert!(
            std::fs::read(plain.join(file)).unwrap() == std::fs::read(out.join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(!plain.join("contacts.csv").exists());
    // Rerunning into a folder with records replaces it whole.
    cxsim()
        .args(["run", "scenarios/bank_journeys.toml", "-r", "2", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("contacts.csv").exists());
}
