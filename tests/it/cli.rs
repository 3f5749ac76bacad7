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

#[test]
fn help_written_to_a_full_device_is_an_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cxsim"))
        .arg("--help")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: cannot write to standard output"), "{stderr}");
}

#[test]
fn check_reports_every_bad_file_not_only_the_first() {
    cxsim()
        .args([
            "check",
            "nope.toml",
            "scenarios/erlang_a.toml",
            "tests/fixtures/broken/negative_rate.toml",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("scenarios/erlang_a.toml: ok"))
        .stderr(predicate::str::contains("error: nope.toml: cannot read scenario"))
        .stderr(predicate::str::contains(
            "error: tests/fixtures/broken/negative_rate.toml:",
        ));
}

#[test]
fn a_file_error_names_the_system_error_once() {
    let out = cxsim().args(["check", "nope.toml"]).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: nope.toml: cannot read scenario: No such file or directory (os error 2)\n"
    );
}

#[test]
fn check_and_run_print_the_scenario_warnings_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unit.toml");
    std::fs::write(
        &path,
        "[simulation]\nhorizon = \"1h\"\nreplications = 1\n[[contact_types]]\nname = \"billing\"\narrivals = { rate = 2 }\nhandle_time = { dist = \"exponential\", mean = \"5m\" }\n[[agent_groups]]\nname = \"team\"\nserves = [\"billing\"]\nheadcount = 50\n",
    )
    .unwrap();
    let warning = "contact_types[0].arrivals: \"billing\": offered load 600 Erlangs vs at most 50 agents serving it and no patience: the queue grows without bound (about 1.833 contacts/s); `rate = 2` has no unit and means per second";
    cxsim()
        .arg("check")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 warning(s)"))
        .stderr(predicate::str::contains(warning));
    cxsim()
        .args(["run", "--no-write", "-q"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains(warning));
}

#[test]
fn erlang_refuses_absurd_inputs_instead_of_printing_nan() {
    for (args, message) in [
        (
            ["--agents", "4000000000", "--rate", "1/s", "--aht", "300s"],
            "--agents: 4000000000 agents; at most 1000000 are computed",
        ),
        (
            ["--agents", "5", "--rate", "1e300/s", "--aht", "300s"],
            "--rate: the offered load (rate × aht) is 3.000e302 Erlangs; the formulas are computed for 1e-9 to 1e7 Erlangs",
        ),
    ] {
        cxsim()
            .arg("erlang")
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
    let out = cxsim()
        .args([
            "erlang",
            "--agents",
            "50",
            "--rate",
            "0.15/s",
            "--aht",
            "300",
            "--patience",
            "1e-300",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
}

#[test]
fn an_unwritable_results_folder_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    // Without --quiet the summary table is printed after simulating: none is printed.
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "--progress", "never", "-o"])
        .arg(file.join("results"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("cannot write results to")
                .and(predicate::str::contains("a-file is a file, not a folder")),
        );
}

#[test]
fn a_second_run_writing_to_the_same_folder_is_refused_not_silently_lost() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shared");
    // A running process (this test) holds the folder's lock.
    std::fs::write(dir.path().join(".shared.lock"), format!("{}\n", std::process::id())).unwrap();
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "--progress", "never", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "another cxsim run (process {}) is writing to",
            std::process::id()
        )));
    assert!(!out.exists());
    // A lock whose process is gone is taken over, and released after the run.
    std::fs::write(dir.path().join(".shared.lock"), "4194304999\n").unwrap();
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "-q", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("summary.json").is_file());
    assert!(!dir.path().join(".shared.lock").exists());
}

#[test]
fn temporary_folders_of_killed_runs_are_cleaned_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    // Left by processes that no longer exist (pids above the kernel's maximum).
    std::fs::create_dir(dir.path().join(".out.tmp-4194304999")).unwrap();
    std::fs::create_dir(dir.path().join(".other.tmp-4194304998")).unwrap();
    // One of a running process (this test) is left alone.
    let live = dir.path().join(format!(".busy.tmp-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    cxsim()
        .args(["run", "scenarios/erlang_c.toml", "-r", "2", "-q", "-o"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [format!(".busy.tmp-{}", std::process::id()), "out".to_string()]);
}

#[test]
fn an_interrupted_run_leaves_no_lock_and_no_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("cxsim");
    let mut child = std::process::Command::new(bin)
        .args(["run", "scenarios/erlang_c.toml", "-r", "1000000", "-q", "-o"])
        .arg(dir.path().join("long"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join(".long.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(lock.exists(), "the run took no lock");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
}

#[test]
fn the_run_toml_of_a_results_folder_repeats_the_run_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenario")).unwrap();
    std::fs::copy(
        "tests/fixtures/samples/talk_times.txt",
        dir.path().join("data/talk.txt"),
    )
    .unwrap();
    let scenario = dir.path().join("scenario/empirical.toml");
    std::fs::write(
        &scenario,
        "[simulation]\nhorizon = \"4h\"\ninterval = \"1h\"\n[[contact_types]]\nname = \"calls\"\narrivals = { rates = [\"100/h\", \"140/h\"] }\nhandle_time = { dist = \"empirical\", file = \"../data/talk.txt\" }\npatience = { dist = \"exponential\", mean = \"3m\" }\n[[agent_groups]]\nname = \"team\"\nserves = [\"calls\"]\nheadcount = [8, 10, 12, 10]\n",
    )
    .unwrap();
    let first = dir.path().join("first");
    cxsim()
        .args(["run", "-r", "3", "-s", "7", "-q"])
        .arg(&scenario)
        .arg("-o")
        .arg(&first)
        .assert()
        .success();
    // Run the record from another folder: the samples file is found by absolute path.
    let again = dir.path().join("again");
    cxsim()
        .current_dir(dir.path().join("data"))
        .args(["run", "-q"])
        .arg(first.join("run.toml"))
        .arg("-o")
        .arg(&again)
        .assert()
        .success();
    let summary = |d: &Path| -> serde_json::Value {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap()).unwrap();
        v["summary"].clone()
    };
    assert_eq!(summary(&first)["replications"], 3);
    assert_eq!(summary(&first), summary(&again));
    // Every input file is recorded with its SHA-256.
    let record = std::fs::read_to_string(first.join("run.toml")).unwrap();
    let loaded = cxsim::scenario::load(&scenario).unwrap();
    assert_eq!(loaded.inputs.len(), 2);
    for input in &loaded.inputs {
        assert!(record.contains(&format!("sha256 = \"{}\"", input.sha256)), "{record}");
        assert!(record.contains(&input.path.display().to_string()), "{record}");
    }
    assert!(record.contains("role = \"contact_types[0].handle_time\""), "{record}");
    // An error in a run record names the field as it is in that file.
    let broken = dir.path().join("broken-run.toml");
    std::fs::write(&broken, record.replace("headcount = [", "headcount = [-1, ")).unwrap();
    cxsim()
        .arg("check")
        .arg(&broken)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ": scenario.agent_groups[0].headcount: headcount must be a whole number",
        ));
}

#[test]
fn a_scenario_name_cannot_lead_outside_the_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("work");
    std::fs::create_dir(&inner).unwrap();
    let text = std::fs::read_to_string("scenarios/erlang_c.toml")
        .unwrap()
        .replace("name = \"erlang-c\"", "name = \"../../escaped\"");
    std::fs::write(inner.join("s.toml"), text).unwrap();
    cxsim()
        .current_dir(&inner)
        .args(["run", "s.toml", "-r", "2", "-q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "name: \"../../escaped\" cannot name the results folder",
        ));
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.extend(std::fs::read_dir(&inner).unwrap().map(|e| e.unwrap().file_name()));
    assert_eq!(left, ["work", "s.toml"]);
}

#[test]
fn a_runaway_queue_stops_the_run_with_a_clear_error_and_writes_nothing() {
    // 1000 contacts a second for one agent and nobody ever hangs up: the queue grows without
    // bound until it passes the scenario's bound on contacts in the system.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("runaway.toml");
    std::fs::write(
        &file,
        r#"
[simulation]
horizon = "1h"
replications = 4
max_in_system = 5000
[[contact_types]]
name = "c"
arrivals = { rate = "1000/s" }
handle_time = { dist = "exponential", mean = "1m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    cxsim()
        .args(["run", "-q", "-o"])
        .arg(&out)
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("warning:"))
        .stderr(predicate::str::contains("5000"))
        .stderr(predicate::str::contains("in the system"));
    assert!(!out.exists(), "no results folder for a run that stopped");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "only the scenario file is left: {left:?}");
}

#[test]
fn a_run_record_finds_samples_inside_mixtures_retrials_and_replays_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenario")).unwrap();
    std::fs::copy(
        "tests/fixtures/samples/talk_times.txt",
        dir.path().join("data/talk.txt"),
    )
    .unwrap();
    std::fs::copy("tests/fixtures/samples/replay.csv", dir.path().join("data/replay.csv")).unwrap();
    let scenario = dir.path().join("scenario/nested.toml");
    std::fs::write(
        &scenario,
        r#"[simulation]
horizon = "4h"
interval = "1h"
[[contact_types]]
name = "calls"
arrivals = { rate = "120/h" }
handle_time = { dist = "mixture", of = [
  { weight = 0.5, dist = "empirical", file = "../data/talk.txt" },
  { weight = 0.5, dist = "exponential", mean = "3m" },
] }
patience = { dist = "exponential", mean = "2m" }
retrial = { probability = 0.6, delay = { dist = "empirical", file = "../data/talk.txt" } }
[[contact_types]]
name = "recorded"
arrivals = { replay = "../data/replay.csv" }
handle_time = { dist = "exponential", mean = "3m" }
[[agent_groups]]
name = "team"
serves = ["calls", "recorded"]
headcount = 6
"#,
    )
    .unwrap();
    let first = dir.path().join("first");
    cxsim()
        .args(["run", "-r", "3", "-q"])
        .arg(&scenario)
        .arg("-o")
        .arg(&first)
        .assert()
        .success();
    // The record moved two folders deeper: relative sample paths would no longer resolve.
    let moved = dir.path().join("elsewhere/deeper");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::copy(first.join("run.toml"), moved.join("run.toml")).unwrap();
    let again = dir.path().join("again");
    cxsim()
        .args(["run", "-q"])
        .arg(moved.join("run.toml"))
        .arg("-o")
        .arg(&again)
        .assert()
        .success();
    let read = |d: &Path| std::fs::read_to_string(d.join("summary.csv")).unwrap();
    assert_eq!(read(&first), read(&again));
}

#[test]
fn a_run_with_variants_writes_the_comparison_and_its_run_toml_repeats_it_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.toml");
    let base = std::fs::canonicalize("scenarios/erlang_a.toml").unwrap();
    std::fs::write(
        &study,
        format!(
            "extends = {:?}\n[[variants]]\nname = \"+2 agents\"\nset = {{ \"agent_groups.agents.headcount\" = 52 }}\n[[sweeps]]\nover = {{ \"contact_types.service.patience.mean\" = [\"3m\", \"8m\"] }}\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let first = dir.path().join("first");
    let out = cxsim()
        .args(["run", "-r", "12", "-j", "2"])
        .arg(&study)
        .arg("-o")
        .arg(&first)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("variants against the baseline, paired over the same 12 replications"),
        "{table}"
    );
    assert!(table.contains("+2 agents") && table.contains("mean=8m"), "{table}");
    for sub in ["2-agents", "mean-3m", "mean-8m"] {
        for file in ["summary.csv", "intervals.csv", "replications.csv", "summary.json"] {
            assert!(first.join("variants").join(sub).join(file).is_file(), "{sub}/{file}");
        }
    }
    let comparison = std::fs::read_to_string(first.join("comparison.csv")).unwrap();
    let rows: Vec<&str> = comparison.lines().collect();
    assert!(
        rows[0].starts_with("variant,scope_kind,scope,metric,baseline,"),
        "{}",
        rows[0]
    );
    // Every variant's replications.csv has the baseline's 12 replications.
    let reps = std::fs::read_to_string(first.join("variants/2-agents/replications.csv")).unwrap();
    assert!(
        reps.lines()
            .skip(1)
            .all(|l| l.split(',').next().unwrap().parse::<u32>().unwrap() < 12)
    );
    let abandon = rows
        .iter()
        .find(|r| r.starts_with("+2 agents,type,service,p_abandon,"))
        .expect("p_abandon row");
    assert!(abandon.ends_with(",true"), "{abandon}");
    let record = std::fs::read_to_string(first.join("run.toml")).unwrap();
    assert!(record.contains("[[variants]]\nname = \"+2 agents\""), "{record}");
    let again = dir.path().join("again");
    cxsim()
        .args(["run", "-q"])
        .arg(first.join("run.toml"))
        .arg("-o")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(
        comparison,
        std::fs::read_to_string(again.join("comparison.csv")).unwrap()
    );
    // A results folder with variants may be replaced by another run.
    cxsim()
        .args(["run", "-q", "-r", "3"])
        .arg(&study)
        .arg("-o")
        .arg(&first)
        .assert()
        .success();
}

/// The 95% half-width of `metric` in every scope of a results folder's summary that has it.
fn half_widths(dir: &Path, metric: &str) -> Vec<f64> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    v["summary"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["metrics"].as_array().unwrap().iter())
        .filter(|m| m["name"] == metric)
        .map(|m| m["half_width"].as_f64().unwrap())
        .collect()
}

#[test]
fn target_precision_stops_when_and_only_when_the_targets_are_met_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str, threads: &str| {
        let o = cxsim()
            .args(["run", "scenarios/erlang_a.toml", "-q", "-j", threads, "-o"])
            .arg(dir.path().join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stderr).unwrap()
    };
    run(
        &[
            "-r",
            "10",
            "--precision",
            "p_abandon=0.0015",
            "--precision",
            "asa_all_s=4%",
        ],
        "one",
        "1",
    );
    run(
        &[
            "-r",
            "10",
            "--precision",
            "p_abandon=0.0015",
            "--precision",
            "asa_all_s=4%",
        ],
        "two",
        "2",
    );
    let record = std::fs::read_to_string(dir.path().join("one/run.toml")).unwrap();
    let table: toml::Table = record.parse().unwrap();
    let precision = &table["run"]["precision"];
    assert_eq!(precision["met"].as_bool(), Some(true), "{record}");
    let n = precision["replications"].as_integer().unwrap();
    // Checked at 10, 20, 40, …: stopped at the first stop where both targets hold.
    assert!([20, 40, 80, 160, 320].contains(&n), "{n}");
    assert_eq!(table["scenario"]["simulation"]["replications"].as_integer(), Some(n));
    let same = |name: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(name).join("summary.json")).unwrap())
                .unwrap();
        v["summary"].clone()
    };
    assert_eq!(same("one"), same("two"), "the same replications on 1 and 2 threads");
    assert!(
        half_widths(&dir.path().join("one"), "p_abandon")
            .iter()
            .all(|h| *h <= 0.0015)
    );
    // At the stop before, some target was not met.
    let before = (n / 2).to_string();
    run(&["-r", &before], "before", "2");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("before/summary.json")).unwrap()).unwrap();
    let asa = v["summary"]["scopes"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "asa_all_s")
        .unwrap()
        .clone();
    let asa_missed = asa["half_width"].as_f64().unwrap() > 0.04 * asa["mean"].as_f64().unwrap();
    let abandon_missed = half_widths(&dir.path().join("before"), "p_abandon")
        .iter()
        .any(|h| *h > 0.0015);
    assert!(
        asa_missed || abandon_missed,
        "targets already met at {before} replications"
    );
    // A cap reached first is said, and recorded.
    let warning = run(
        &[
            "-r",
            "10",
            "--precision",
            "p_abandon=0.00001",
            "--max-replications",
            "30",
        ],
        "capped",
        "2",
    );
    assert!(
        warning.contains(
            "warning: the cap of 30 replications was reached before every precision target was met: p_abandon"
        ),
        "{warning}"
    );
    let record = std::fs::read_to_string(dir.path().join("capped/run.toml")).unwrap();
    assert!(
        record.contains("met = false") && record.contains("replications = 30"),
        "{record}"
    );
}

#[test]
fn a_precision_target_naming_no_figure_is_a_usage_error() {
    for (target, message) in [
        ("p_abandn=0.01", "no figure \"p_abandn\""),
        ("billing/p_abandon=0.01", "no scope \"billing\" (known: service, agents"),
    ] {
        let o = cxsim()
            .args(["run", "scenarios/erlang_a.toml", "--no-write", "--precision", target])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains(message), "{target}");
    }
}

#[test]
fn compare_pairs_two_runs_made_apart_exactly_as_a_run_with_variants_pairs_them() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize("scenarios/erlang_a.toml")
        .unwrap()
        .display()
        .to_string();
    let more = dir.path().join("more.toml");
    std::fs::write(
        &more,
        format!("extends = {base:?}\n[[agent_groups]]\nname = \"agents\"\nheadcount = 52\n"),
    )
    .unwrap();
    let study = dir.path().join("study.toml");
    std::fs::write(
        &study,
        format!(
            "extends = {base:?}\n[[variants]]\nname = \"more\"\nset = {{ \"agent_groups.agents.headcount\" = 52 }}\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = cxsim().args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let path = |p: &Path| p.display().to_string();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run(&["run", "scenarios/erlang_a.toml", "-r", "30", "-q", "-o", &path(&a)]);
    run(&["run", &path(&more), "-r", "30", "-q", "-o", &path(&b)]);
    run(&["run", &path(&more), "-r", "30", "-s", "99", "-q", "-o", &path(&c)]);
    let together = run(&["run", &path(&study), "-r", "30", "--no-write"]);
    let paired = run(&["compare", &path(&a), &path(&b)]);
    // Words as printed, whatever the line breaks of a note wrapped to the terminal's width.
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(&paired).contains("paired by replication: the same seed 7 and the same 30 replications"),
        "{paired}"
    );
    // The variant's rows (value, difference ± half-width) are the same numbers either way.
    let rows = |text: &str, name: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(name) && !l.contains(" against "))
            .map(|l| l[name.len()..].trim().to_owned())
            .collect()
    };
    let apart = rows(&paired, &path(&b));
    assert_eq!(apart.len(), 3, "{paired}");
    assert_eq!(apart, rows(&together, "more"), "{paired}\n{together}");
    let unpaired = run(&["compare", &path(&a), &path(&c)]);
    assert!(
        words(&unpaired).contains("unpaired, as seeds 7 and 99 differ"),
        "{unpaired}"
    );
    let o = cxsim()
        .args(["compare", &path(&a), &path(dir.path())])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a cxsim results folder"));
}

#[test]
fn staff_prints_erlang_beside_the_agents_found_and_writes_a_scenario_that_runs_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("found.toml");
    let printed = cxsim()
        .args([
            "staff",
            "scenarios/erlang_a.toml",
            "--sl",
            "80%@20s",
            "-r",
            "20",
            "-j",
            "2",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("Erlang-A"))
        .stdout(predicate::str::contains("paid agent hours"))
        .stdout(predicate::str::contains("check on seed"))
        .get_output()
        .stdout
        .clone();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("extends = "), "{text}");
    let found = cxsim::scenario::load(&out).unwrap_or_else(|e| panic!("{e}"));
    // The agents column of the table is the written headcount.
    let printed = String::from_utf8(printed).unwrap();
    let row = printed
        .lines()
        .find(|l| l.starts_with("00:00"))
        .expect("first interval row");
    let agents: u32 = row.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert_eq!(found.agent_groups[0].headcount[0], agents);
}

#[test]
fn staff_json_gives_the_schema_and_each_intervals_erlang_figure_and_agents() {
    let output = cxsim()
        .args([
            "staff",
            "scenarios/erlang_a.toml",
            "--sl",
            "0.8@20s",
            "--max-abandon",
            "5%",
            "-r",
            "20",
            "--no-write",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&output).expect("JSON on stdout");
    assert_eq!(doc["schema"], "cxsim.staff/1");
    assert_eq!(doc["erlang_model"], "Erlang A");
    let rows = doc["intervals"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows.iter().filter(|r| r["measured"] == true) {
        assert!(r["erlang"].as_u64().unwrap() > 0);
        assert!(r["agents"].as_u64().unwrap() > 0);
        assert!(r["check"]["service_level"].is_number());
    }
    assert!(doc["written"].is_null());
}

#[test]
fn staff_refuses_a_missing_target_an_unknown_group_and_a_threshold_the_types_do_not_report() {
    cxsim()
        .args(["staff", "scenarios/erlang_a.toml", "--no-write"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give a target"));
    cxsim()
        .args([
            "staff",
            "scenarios/erlang_a.toml",
            "--sl",
            "80%@20s",
            "--group",
            "nobody",
            "--no-write",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no agent group \"nobody\""));
    cxsim()
        .args(["staff", "scenarios/erlang_a.toml", "--sl", "80%@45s", "--no-write"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no service-level threshold of 45s"));
    cxsim()
        .args(["staff", "scenarios/erlang_a.toml", "--sl", "180%@20s", "--no-write"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--sl: expected a share"));
}

/// A sweep of M/M/n+M (`scenarios/erlang_a.toml`) over 51 to 56 agents, in a fresh folder.
fn headcount_sweep() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize("scenarios/erlang_a.toml").unwrap();
    std::fs::write(
        dir.path().join("sweep.toml"),
        format!(
            "extends = {:?}\n[[sweeps]]\nover = {{ \"agent_groups.agents.headcount\" = [51, 52, 53, 54, 55, 56] }}\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    dir
}

fn selection_record(dir: &Path) -> toml::Table {
    let record: toml::Table = std::fs::read_to_string(dir.join("run.toml")).unwrap().parse().unwrap();
    record["run"]["selection"].as_table().expect("[run.selection]").clone()
}

#[test]
fn select_picks_the_fewest_agents_whose_service_level_erlang_a_puts_above_the_bound() {
    // Erlang A: SL(20 s) is 92.02% with 52 agents and 93.94% with 53; with a bound of 93% and
    // a tolerance of 0.5 points both are outside the tolerance, so 53 is the right answer:
    // the most occupied system that meets the bound.
    let dir = headcount_sweep();
    let out = dir.path().join("out");
    cxsim()
        .args(["run"])
        .arg(dir.path().join("sweep.toml"))
        .args([
            "-j",
            "2",
            "-q",
            "--select",
            "max:occupancy",
            "--subject-to",
            "sl_offered_20s>=0.93~0.005",
            "--indifference",
            "0.005",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let sel = selection_record(&out);
    assert_eq!(sel["selected"].as_str(), Some("headcount=53"));
    assert_eq!(sel["complete"].as_bool(), Some(true));
    let needed = sel["needed"].as_integer().unwrap();
    assert!(
        needed > 30,
        "the tolerance asks for more than the first stage: {needed}"
    );
    assert_eq!(sel["replications"].as_integer(), Some(needed));
}

#[test]
fn select_says_when_the_cap_cuts_the_second_stage_short() {
    let dir = headcount_sweep();
    cxsim()
        .args(["run"])
        .arg(dir.path().join("sweep.toml"))
        .args([
            "--no-write",
            "--select",
            "max:occupancy",
            "--subject-to",
            "sl_offered_20s>=0.93~0.005",
            "--indifference",
            "0.005",
            "--max-replications",
            "40",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("the cap cut the second stage short"))
        .stdout(predicate::str::contains("guarantee does not hold"));
}

#[test]
fn select_needs_variants_an_indifference_zone_and_a_known_figure() {
    cxsim()
        .args([
            "run",
            "scenarios/erlang_a.toml",
            "--no-write",
            "--select",
            "min:asa_all_s",
            "--indifference",
            "1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this one has none"));
    cxsim()
        .args([
            "run",
            "scenarios/erlang_a.toml",
            "--no-write",
            "--select",
            "min:asa_all_s",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--indifference"));
    let dir = headcount_sweep();
    cxsim()
        .args(["run"])
        .arg(dir.path().join("sweep.toml"))
        .args(["--no-write", "--select", "min:nonsense", "--indifference", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reports nonsense per replication"));
}

#[test]
fn run_json_prints_the_summary_with_its_schema_and_the_folder_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let stdout = cxsim()
        .args(["run", "scenarios/erlang_a.toml", "-r", "4", "-j", "2", "--json", "-o"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&stdout).expect("only JSON on stdout");
    assert_eq!(doc["schema"], "cxsim.run/1");
    assert_eq!(doc["results"].as_str(), Some(out.to_str().unwrap()));
    assert_eq!(doc["run"]["replications"], 4);
    // The summary is the one written to summary.json, figure for figure.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["summary"], written["summary"]);
}

#[test]
fn compare_json_gives_its_schema_whether_it_paired_and_each_difference() {
    let dir = tempfile::tempdir().unwrap();
    for (name, headcount) in [("a", "50"), ("b", "52")] {
        let text = std::fs::read_to_string("scenarios/erlang_a.toml")
            .unwrap()
            .replace("headcount = 50", &format!("headcount = {headcount}"));
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
        cxsim()
            .args(["run", "-r", "6", "-q"])
            .arg(dir.path().join(format!("{name}.toml")))
            .arg("-o")
            .arg(dir.path().join(name))
            .assert()
            .success();
    }
    let stdout = cxsim()
        .args(["compare", "--json"])
        .arg(dir.path().join("a"))
        .arg(dir.path().join("b"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(doc["schema"], "cxsim.compare/1");
    assert_eq!(doc["paired"], true);
    let rows = doc["comparison"].as_array().unwrap();
    let abandon = rows
        .iter()
        .find(|r| r["scope"] == "service" && r["metric"] == "p_abandon")
        .expect("p_abandon of the type");
    let (b, v, d) = (
        abandon["baseline"].as_f64().unwrap(),
        abandon["value"].as_f64().unwrap(),
        abandon["difference"].as_f64().unwrap(),
    );
    assert!((v - b - d).abs() < 1e-12);
    assert!(d < 0.0, "two more agents, fewer abandon: {d}");
}

#[test]
fn risk_prints_the_chance_of_missing_the_target_and_cost_at_risk_with_and_without_forecast_error() {
    cxsim()
        .args([
            "risk",
            "scenarios/staffing_day.toml",
            "--volume",
            "lognormal:8%",
            "--shrinkage",
            "normal:3%",
            "-r",
            "20",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("P(SL < 80.0%) on a day"))
        .stdout(predicate::str::contains("cost-at-risk (95%)"))
        .stdout(predicate::str::contains("exact forecast"));
    let stdout = cxsim()
        .args([
            "risk",
            "scenarios/erlang_a.toml",
            "--handle-time",
            "normal:5%",
            "-r",
            "10",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(doc["schema"], "cxsim.risk/1");
    assert!(doc["with_forecast_error"]["p_sl_below_target"].is_number());
    cxsim()
        .args(["risk", "scenarios/erlang_a.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give at least one forecast error"));
    cxsim()
        .args(["risk", "scenarios/erlang_a.toml", "--volume", "gamma:0.1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("normal, lognormal or uniform"));
}

#[test]
fn explain_prints_the_chain_from_erlang_and_its_json_has_every_step() {
    cxsim()
        .args(["explain", "scenarios/day_profile.toml", "-r", "10"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Erlang A per interval (formula)"))
        .stdout(predicate::str::contains("+ patience distributions"));
    let stdout = cxsim()
        .args(["explain", "scenarios/erlang_c.toml", "-r", "10", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(doc["schema"], "cxsim.explain/1");
    assert_eq!(doc["model"], "Erlang C");
    assert_eq!(doc["steps"].as_array().unwrap().len(), 8);
}
