//! The output reference, `docs/output.md`, against the files cxsim really writes: every CSV's
//! columns in order, `summary.json`'s schema and keys, every figure's definition; and the
//! files loaded by pandas with the documented types (`tests/python/check_outputs.py`).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const REFERENCE: &str = "docs/output.md";

fn reference() -> String {
    std::fs::read_to_string(REFERENCE).expect("docs/output.md is readable")
}

/// The rows of the first Markdown table after the heading line `heading`, as cells (the header
/// row and the `|---|` rule left out).
fn table_after(doc: &str, heading: &str) -> Vec<Vec<String>> {
    let start = doc
        .lines()
        .position(|l| l.trim() == heading)
        .unwrap_or_else(|| panic!("{REFERENCE} has no heading {heading:?}"));
    doc.lines()
        .skip(start + 1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

/// A results folder of a run with variants, costs and journeys: every kind of data file.
fn results_with_variants(dir: &Path) -> PathBuf {
    let out = dir.join("run");
    Command::cargo_bin("cxsim")
        .unwrap()
        .args(["run", "scenarios/automation_case.toml", "-r", "3", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    out
}

fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().next().unwrap().split(',').map(str::to_string).collect()
}

#[test]
fn every_csv_file_has_exactly_the_columns_the_reference_documents_in_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = results_with_variants(dir.path());
    let doc = reference();
    for file in ["summary.csv", "intervals.csv", "replications.csv", "comparison.csv"] {
        let documented: Vec<String> = table_after(&doc, &format!("## `{file}`"))
            .into_iter()
            .map(|row| row[0].clone())
            .collect();
        assert_eq!(header(&out.join(file)), documented, "{file}");
        let variant = out.join("variants/better-bots").join(file);
        if variant.exists() {
            assert_eq!(header(&variant), documented, "variants/better-bots/{file}");
        }
    }
    let estimate: Vec<String> = table_after(&doc, "## Estimate columns")
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    let summary = header(&out.join("summary.csv"));
    assert_eq!(summary[3..10], estimate[..], "summary.csv carries the estimate columns");
}

#[test]
fn summary_json_carries_its_schema_and_every_documented_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = results_with_variants(dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], cxsim::report::json::SUMMARY_SCHEMA);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    let documented: Vec<String> = table_after(&reference(), "## `summary.json`")
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    let mut keys_sorted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let mut documented_sorted = documented.clone();
    keys_sorted.sort();
    documented_sorted.sort();
    assert_eq!(keys_sorted, documented_sorted);
    assert!(
        reference().contains(&format!("`\"{}\"`", cxsim::report::json::SUMMARY_SCHEMA)),
        "the reference names the schema version"
    );
    for key in json["summary"].as_object().unwrap().keys() {
        assert!(
            reference().contains(&format!("`{key}`")),
            "summary.{key} is not documented"
        );
    }
}

/// The figure table as the code defines it (units, definitions and estimators of
/// [`cxsim::metrics::definitions`]).
fn figure_table() -> String {
    let mut out = String::from("| figure | unit | definition | estimator |\n|---|---|---|---|\n");
    let mut defs = cxsim::metrics::definitions();
    defs.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, unit, definition, estimator) in defs {
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| `{name}` | {unit} | {} | {} |\n",
            cell(definition),
            cell(estimator)
        ));
    }
    out
}

/// The table of a record file's columns (`cxsim::stats::records`), and for `contacts.csv` its
/// outcomes.
fn record_table(columns: &[cxsim::stats::records::Column], outcomes: &[(&str, &str)]) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for (name, kind, unit, meaning) in columns {
        let unit = match *unit {
            "" => "—",
            "s" => "seconds",
            other => other,
        };
        out.push_str(&format!("| `{name}` | {kind} | {unit} | {} |\n", cell(meaning)));
    }
    if !outcomes.is_empty() {
        out.push_str("\n| outcome | meaning |\n|---|---|\n");
        for (name, meaning) in outcomes {
            out.push_str(&format!("| `{name}` | {} |\n", cell(meaning)));
        }
    }
    out
}

#[test]
fn the_output_reference_lists_every_figure_as_the_code_defines_it() {
    use cxsim::stats::records::{CONTACT_COLUMNS, CONTACT_OUTCOMES, JOURNEY_COLUMNS};
    let mut doc = reference();
    let mut stale = Vec::new();
    for (tag, body) in [
        ("figures", figure_table()),
        ("contacts.csv", record_table(CONTACT_COLUMNS, CONTACT_OUTCOMES)),
        ("journeys.csv", record_table(JOURNEY_COLUMNS, &[])),
    ] {
        let (next, same) = super::support::with_generated(&doc, REFERENCE, tag, &body);
        if !same {
            stale.push(tag);
        }
        doc = next;
    }
    if std::env::var_os("CXSIM_BLESS_DOCS").is_some() {
        std::fs::write(REFERENCE, doc).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "the tables {stale:?} of {REFERENCE} are out of step with the code; regenerate them with \
         CXSIM_BLESS_DOCS=1 cargo test --release --test it -- reports_schema"
    );
}

#[test]
fn the_data_files_load_in_pandas_with_the_documented_types_and_row_counts() {
    let Some(python) = super::support::python_checks() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = results_with_variants(dir.path());
    let records = dir.path().join("records");
    Command::cargo_bin("cxsim")
        .unwrap()
        .args([
            "run",
            "scenarios/omnichannel_bank.toml",
            "-r",
            "2",
            "-q",
            "--records",
            "all",
            "-o",
        ])
        .arg(&records)
        .assert()
        .success();
    for folder in [&out, &records] {
        let status = std::process::Command::new(&python)
            .args(["tests/python/check_outputs.py", REFERENCE])
            .arg(folder)
            .status()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
        assert!(
            status.success(),
            "tests/python/check_outputs.py failed on {}",
            folder.display()
        );
    }
}
