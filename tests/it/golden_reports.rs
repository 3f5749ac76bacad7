//! Pinned report formats: the terminal table and the heads of the CSV and JSON files of a
//! small deterministic run. A change of layout or of any number shows up as a readable diff.

use super::support::{run, run_with_replications};
use std::path::Path;

fn small() -> (cxsim::scenario::Scenario, cxsim::summary::Summary) {
    let mut sc = cxsim::scenario::load(Path::new("scenarios/erlang_a.toml")).expect("loads");
    sc.replications = 5;
    let s = run(&sc, 2);
    (sc, s)
}

#[test]
fn the_terminal_summary_keeps_its_layout() {
    let (_, s) = small();
    insta::assert_snapshot!(cxsim::report::table::render(&s, 2, 0.0));
}

#[test]
fn the_csv_files_keep_their_columns_and_first_rows() {
    let (sc, _) = small();
    let (s, replications) = run_with_replications(&sc, 2);
    let mut text = String::new();
    let mut files = Vec::new();
    for name in ["summary.csv", "intervals.csv"] {
        let mut buf: Vec<u8> = Vec::new();
        match name {
            "summary.csv" => cxsim::report::csv::write_summary(&s, &mut buf),
            _ => cxsim::report::csv::write_intervals(&s, &mut buf),
        }
        .expect("writes");
        files.push((name, buf));
    }
    files.push(("replications.csv", replications.into_bytes()));
    for (name, buf) in files {
        let body = String::from_utf8(buf).unwrap();
        text.push_str(&format!("== {name} ({} lines)\n", body.lines().count()));
        for line in body.lines().take(8) {
            text.push_str(line);
            text.push('\n');
        }
    }
    insta::assert_snapshot!(text);
}

#[test]
fn summary_json_documents_every_figure() {
    let (sc, s) = small();
    let info = cxsim::report::RunInfo {
        cxsim_version: "test".into(),
        scenario: sc.name.clone(),
        scenario_file: "scenarios/erlang_a.toml".into(),
        input_hash: sc.input_hash.clone(),
        seed: sc.seed,
        replications: sc.replications,
        threads: 2,
        started_utc: "2026-01-01T00:00:00Z".into(),
        elapsed_s: 0.0,
        replications_csv: None,
        records: Vec::new(),
        record_files: Vec::new(),
        variants: Vec::new(),
        precision: None,
        selection: None,
    };
    let json: serde_json::Value = serde_json::from_str(&cxsim::report::json::render(&s, &info).unwrap()).unwrap();
    let defs = json["definitions"].as_object().unwrap();
    for scope in json["summary"]["scopes"].as_array().unwrap() {
        for m in scope["metrics"].as_array().unwrap() {
            let name = m["name"].as_str().unwrap();
            let key = if name.starts_with("sl_") {
                format!("{}_T", name.rsplit_once('_').unwrap().0)
            } else {
                name.to_string()
            };
            assert!(defs.contains_key(&key), "{name} has no definition in summary.json");
        }
    }
    let keys: Vec<&String> = defs.keys().collect();
    insta::assert_snapshot!(format!("{keys:#?}"));
}

#[test]
fn every_example_scenarios_terminal_summary_fits_in_100_columns() {
    let mut seen = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let out = assert_cmd::Command::cargo_bin("cxsim")
            .unwrap()
            .arg("run")
            .arg(&path)
            .args(["-r", "2", "--no-write"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", path.display());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(
                line.chars().count() <= cxsim::report::table::TERMINAL_WIDTH,
                "{}: a line of {} characters:\n{line}",
                path.display(),
                line.chars().count()
            );
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen} scenarios");
}

#[test]
fn the_terminal_comparison_of_variants_keeps_its_layout() {
    let out = assert_cmd::Command::cargo_bin("cxsim")
        .unwrap()
        .args([
            "run",
            "scenarios/automation_case.toml",
            "-r",
            "3",
            "-j",
            "2",
            "--no-write",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // The first line holds the elapsed time; the rest is deterministic.
    let body: Vec<&str> = text.lines().skip(1).collect();
    let start = body.iter().position(|l| l.contains("against")).unwrap_or(0);
    insta::assert_snapshot!(body[start..].join("\n"));
}
