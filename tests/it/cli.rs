//! The `cxsim` command as a user runs it.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn cxsim() -> Command {
    Command::cargo_bin("cxsim").expect("binary built")
}

#[test]
fn check_accepts_every_example_scenario() {
    cxsim()
        .args(["check", "scenarios/erlang_a.toml", "scenarios/day_profile.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("scenarios/erlang_a.toml: ok"))
        .stdout(predicate::str::contains("2 contact type(s)"));
}

#[test]
fn check_rejects_an_unknown_contact_type_with_exit_code_2() {
    cxsim()
        .args(["check", "tests/fixtures/broken/group_serves_unknown_type.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: tests/fixtures/broken/group_serves_unknown_type.toml:21:11: agent_groups[0].serves[0]: unknown contact type \"biling\" (known: billing, tech)",
        ));
}

#[test]
fn a_missing_scenario_file_exits_with_code_2() {
    cxsim()
        .args(["run", "nope.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml: cannot read scenario"));
}

#[test]
fn bad_arguments_exit_with_code_2() {
    cxsim().args(["run"]).assert().code(2);
    cxsim().args(["frobnicate"]).assert().code(2);
    cxsim()
        .args(["run", "scenarios/erlang_a.toml", "--threads", "0", "--no-write"])
        .assert()
        .code(2);
}

#[test]
fn run_writes_every_results_file_into_the_out_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run1");
    cxsim()
        .args([
            "run",
            "scenarios/erlang_a.toml",
            "-r",
            "4",
            "-j",
            "2",
            "--progress",
            "never",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("This scenario is an Erlang A model"))
        .stdout(predicate::str::contains("p_abandon"))
        .stdout(predicate::str::contains("results: "));
    for f in [
        "summary.csv",
        "intervals.csv",
        "replications.csv",
        "summary.json",
        "run.toml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let run_toml = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(run_toml.contains("replications = 4"), "{run_toml}");
    assert!(run_toml.contains("threads = 2"));
    assert!(run_toml.contains("input_hash = \""));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["replications"], 4);
    assert!(json["definitions"]["sl_offered_T"]["definition"].is_string());
    assert!(json["definitions"]["sl_offered_T"]["estimator"].is_string());
    // Nothing else is left beside the results folder (no temporary folder).
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let csv = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        cxsim()
            .args([
                "run",
                "scenarios/day_profile.toml",
                "-r",
                "6",
                "-q",
                "-j",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        (
            std::fs::read_to_string(out.join("summary.csv")).unwrap(),
            std::fs::read_to_string(out.join("intervals.csv")).unwrap(),
            std::fs::read_to_string(out.join("replications.csv")).unwrap(),
        )
    };
    assert_eq!(csv("1"), csv("3"));
}

#[test]
fn rerunning_into_the_same_folder_replaces_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("same");
    for seed in ["1", "2"] {
        cxsim()
            .args(["run", "scenarios/erlang_c.toml", "-r", "2", "-q", "-s", seed, "--out"])
            .arg(&out)
            .assert()
            .success();
    }
    let run_toml = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(run_toml.contains("seed = 2"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn erlang_prints_b_c_and_a_figures() {
    cxsim()
        .args([
            "erlang",
            "--agents",
            "50",
            "--rate",
            "0.15/s",
            "--aht",
            "300s",
            "--patience",
            "300s",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Erlang B"))
        .stdout(predicate::str::contains("Erlang C"))
        .stdout(predicate::str::contains("Erlang A"))
        .stdout(predicate::str::contains("offered load 45.0000 Erlangs"));
}

#[test]
fn erlang_rejects_a_bad_rate_with_exit_code_2() {
    cxsim()
        .args(["erlang", "--agents", "5", "--rate", "fast", "--aht", "300s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--rate: invalid rate \"fast\""));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `cxsim erlang … | head -c 1`: the reader goes away; cxsim must exit 0 quietly.
    let bin = assert_cmd::cargo::cargo_bin("cxsim");
    let script = format!(
        "'{}' erlang --agents 50 --rate 0.15/s --aht 300s --patience 300s | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        bin.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        code == "0",
        "exit code {code}, stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Path::new(&bin).exists());
}

#[test]
fn run_refuses_to_replace_a_folder_that_is_not_a_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("thesis");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("chapter1.tex"), "keep me").unwrap();
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "-q", "--out"])
        .arg(&precious)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not a cxsim results folder (it holds \"chapter1.tex\")",
        ));
    assert_eq!(
        std::fs::read_to_string(precious.join("chapter1.tex")).unwrap(),
        "keep me"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary folder left"
    );
}

#[test]
fn results_are_written_even_when_the_reader_of_stdout_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("piped");
    let bin = assert_cmd::cargo::cargo_bin("cxsim");
    let script = format!(
        "'{}' run scenarios/day_profile.toml -r 2 --out '{}' | head -c 1 >/dev/null",
        bin.display(),
        out.display()
    );
    let status = std::process::Command::new("bash")
        .args(["-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(out.join("summary.csv").is_file(), "results missing after a closed pipe");
}

#[test]
fn a_seed_beyond_what_toml_can_hold_is_refused() {
    cxsim()
        .args([
            "run",
            "scenarios/erlang_c.toml",
            "--no-write",
            "--seed",
            "18446744073709551615",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not in 0..=9223372036854775807"));
}

#[test]
fn a_folder_of_result_like_files_not_written_by_cxsim_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("reports");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("summary.csv"), "my own numbers").unwrap();
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "-q", "--out"])
        .arg(&mine)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without cxsim's run.toml"));
    assert_eq!(
        std::fs::read_to_string(mine.join("summary.csv")).unwrap(),
        "my own numbers"
    );
}

#[test]
fn runs_into_the_default_folder_never_replace_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::canonicalize("scenarios/erlang_c.toml").unwrap();
    for _ in 0..3 {
        cxsim()
            .current_dir(dir.path())
            .args(["run", "-r", "2", "-q"])
            .arg(&scenario)
            .assert()
            .success();
    }
    let runs = std::fs::read_dir(dir.path().join("results/erlang-c")).unwrap().count();
    assert_eq!(runs, 3, "three runs, three folders");
}
