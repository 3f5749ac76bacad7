//! `cxsim validate`: a log made by cxsim validated against the scenario that made it, the
//! observed figures of a small log worked by hand, the messages for scenarios and options that
//! cannot replay a log, the same result on any number of threads, and the files written.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cxsim() -> Command {
    Command::cargo_bin("cxsim").expect("binary built")
}

/// Two types on one team of 20 agents with a constant headcount, about 0.94 of its capacity
/// offered (300 calls an hour of 240 s): agents seldom sit idle for more than a few minutes,
/// so their presence inferred from the log is the whole period, and with exponential patience
/// (mean 300 s) about 8% of callers hang up. No after-call work: the log shows talk only.
/// Three days a replication, four replications: twelve log days.
///
/// (Two types rather than one: with one contact type the replay reads cxsim's figures from an
/// "all types" scope that a one-type summary does not have; see
/// `a_scenario_with_one_contact_type_gets_cxsim_s_predictions`.)
const BUSY: &str = r#"
name = "busy"
[simulation]
horizon = "3d"
interval = "60m"
replications = 4
seed = 11
closing = "clear"

[[contact_types]]
name = "sales"
arrivals = { rate = "200/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "300s" }

[[contact_types]]
name = "service"
arrivals = { rate = "100/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "300s" }

[[agent_groups]]
name = "team"
serves = ["sales", "service"]
headcount = 20
"#;

/// A smaller log for the tests of the files and of threads: one day a replication, two
/// replications, ten agents.
const SMALL: &str = r#"
name = "small"
[simulation]
horizon = "1d"
interval = "60m"
replications = 2
seed = 5
closing = "clear"

[[contact_types]]
name = "sales"
arrivals = { rate = "100/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "300s" }

[[contact_types]]
name = "service"
arrivals = { rate = "50/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "300s" }

[[agent_groups]]
name = "team"
serves = ["sales", "service"]
headcount = 10
"#;

/// Writes `toml` as `<name>.toml` in `dir`, runs it with `--records contacts`, and returns the
/// scenario's path and its contacts.csv.
fn synthetic_log(dir: &Path, name: &str, toml: &str) -> (PathBuf, PathBuf) {
    let scenario = dir.join(format!("{name}.toml"));
    std::fs::write(&scenario, toml).unwrap();
    let out = dir.join(format!("{name}-run"));
    cxsim()
        .args(["run", "-q", "--progress", "never", "--records", "contacts", "-o"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    (scenario, out.join("contacts.csv"))
}

/// Runs `cxsim validate SCENARIO LOG ARGS... -o OUT` (successfully) and returns OUT's
/// validation.json and validation.csv.
fn validate_into(scenario: &Path, log: &Path, args: &[&str], out: &Path) -> (Value, String) {
    cxsim()
        .arg("validate")
        .arg(scenario)
        .arg(log)
        .args(args)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
    let json = std::fs::read_to_string(out.join("validation.json")).unwrap();
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    (serde_json::from_str(&json).unwrap(), csv)
}

/// The rows of a validation.csv as `column → value` maps.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| ((*h).to_owned(), c.to_owned()))
                .collect()
        })
        .collect()
}

/// The mean over the rows of column `column` (empty cells left out).
fn column_mean(csv: &str, column: &str) -> f64 {
    let xs: Vec<f64> = rows(csv).iter().filter_map(|r| r[column].parse::<f64>().ok()).collect();
    assert!(!xs.is_empty(), "{column}: no value");
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// `(bias, bias_se, intervals)` of cxsim on `figure` in a validation's JSON.
fn cxsim_score(json: &Value, figure: &str) -> (f64, f64, u64) {
    let s = &json["scores"][figure]["cxsim"];
    let number = |k: &str| {
        s[k].as_f64()
            .unwrap_or_else(|| panic!("{figure}: cxsim {k} is {} in {s}", s[k]))
    };
    (number("bias"), number("bias_se"), s["intervals"].as_u64().unwrap())
}

/// A log that cxsim made, validated against the same scenario (with another seed): cxsim's
/// mean error over the compared intervals is within 4 standard errors of 0 for the offered
/// calls, P(abandon), the mean wait and the occupancy (|z| < 4 for each).
///
/// Fed the intervals' volumes (the default), over 12 days × 23 hours = 276 intervals, the
/// standard error of the bias is 0.0018 on P(abandon) (observed mean 7.8%), 0.58 s on the mean
/// wait (23 s), 0.0019 on the occupancy (92%) and 0.16 on the offered calls (300 an hour): a
/// bias of 9% of P(abandon), 10% of the mean wait, 0.8 points of occupancy or 0.2% of the
/// offered calls fails. The test asserts a resolution of at least 15% on P(abandon) and the
/// mean wait.
///
/// Fed the log's own calls (arrival and talk times; only patience drawn) the replay follows
/// the log far more closely, and the same comparison detects a bias of 2.5% of P(abandon), 4%
/// of the mean wait or 0.16 points of occupancy: the sharper check of the replay's machinery
/// (staffing from the agents' presence, interval alignment, the figures' definitions). The
/// test asserts a resolution of at least 6% there.
///
/// The first hour of each day is left out (`--hours 01-24`): each log day is replayed from an
/// empty system at midnight, whereas this log's days run on from the day before with a queue
/// and busy agents, so the first hour of a day that follows another is under-predicted
/// (measured over 48 such hours with the calls feed: P(abandon) by 1.7 points of 8.2%, the
/// mean wait by 5.6 s of 25 s, occupancy by 5 points).
///
/// Fed the volumes, cxsim runs about 4% high on P(abandon) and the mean wait on this scenario
/// (measured over 72 days, 1,656 intervals: +0.0034 ± 0.0008 and +0.95 ± 0.26 s, z = 4.4 and
/// 3.7; fed the calls, the same log shows no bias): each replayed interval draws a Poisson
/// number of calls around the observed count, doubling the count's variance, and near full
/// load P(abandon) is convex in it (Erlang A alone puts the effect at +0.0016). That is below
/// this test's resolution; on this log it shows as z = 2.9 on P(abandon) and 2.6 on the mean
/// wait.
#[test]
fn a_log_made_by_cxsim_validates_against_the_scenario_that_made_it_without_bias() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, log) = synthetic_log(dir.path(), "busy", BUSY);
    for (feed, resolution) in [("volumes", 0.15), ("calls", 0.06)] {
        let out = dir.path().join(feed);
        let args = ["--feed", feed, "-r", "40", "-s", "1234", "--hours", "01-24"];
        let (json, csv) = validate_into(&scenario, &log, &args, &out);
        assert_eq!(json["days"], 12, "{feed}");
        assert_eq!(json["intervals"], 12 * 23, "{feed}");
        for figure in ["offered", "p_abandon", "mean_wait_s", "occupancy"] {
            let (bias, se, intervals) = cxsim_score(&json, figure);
            assert_eq!(intervals, 12 * 23, "{feed} {figure}");
            let observed = column_mean(&csv, &format!("{figure}_observed"));
            if feed == "calls" && figure == "offered" {
                // The log's own calls: the offered calls are the log's, exactly.
                assert_eq!((bias, se), (0.0, 0.0), "{feed}");
                continue;
            }
            assert!(se > 0.0, "{feed} {figure}: bias_se {se}");
            assert!(
                bias.abs() < 4.0 * se,
                "{feed} {figure}: bias {bias} ± {se} (z = {:.2}) on an observed mean of {observed}",
                bias / se
            );
            if matches!(figure, "p_abandon" | "mean_wait_s") {
                assert!(
                    4.0 * se / observed <= resolution,
                    "{feed} {figure}: 4 standard errors ({}) are {:.1}% of the observed mean {observed}",
                    4.0 * se,
                    400.0 * se / observed
                );
            }
        }
    }
}

/// A scenario like the small one with its calls all of one contact type.
const ONE_TYPE: &str = r#"
name = "one"
[simulation]
horizon = "1d"
interval = "60m"
replications = 2
seed = 5
closing = "clear"

[[contact_types]]
name = "sales"
arrivals = { rate = "150/h" }
handle_time = { dist = "lognormal", mean = "240s", cv = 1.0 }
patience = { dist = "exponential", mean = "300s" }

[[agent_groups]]
name = "team"
serves = ["sales"]
headcount = 10
"#;

/// With one contact type, cxsim's predictions of every figure are there, not only of the
/// occupancy.
///
/// Fails today: `Plan::figures` in `src/validate/replay.rs` reads the type figures from the
/// summary's "all" scope, which `src/summary.rs` makes only for scenarios with more than one
/// contact type, so every cxsim figure but the occupancy is empty and scored over no interval.
#[test]
fn a_scenario_with_one_contact_type_gets_cxsim_s_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, log) = synthetic_log(dir.path(), "one", ONE_TYPE);
    let (json, _) = validate_into(&scenario, &log, &["-r", "4", "-j", "1"], &dir.path().join("out"));
    let intervals = json["intervals"].as_u64().unwrap();
    for figure in ["offered", "p_abandon", "mean_wait_s", "p_wait", "sl", "occupancy"] {
        let (_, _, scored) = cxsim_score(&json, figure);
        assert_eq!(scored, intervals, "{figure}");
    }
}

/// A day of one type, "sales", with two named agents: the log of
/// `the_observed_figures_of_a_small_log_are_those_worked_by_hand`.
const HAND_LOG: &str = "\
arrival,queue_entry,answer,end,outcome,type,agent
2024-03-05 10:00:00,2024-03-05 10:00:00,2024-03-05 10:00:00,2024-03-05 10:05:00,answered,sales,ann
2024-03-05 10:01:00,2024-03-05 10:01:00,2024-03-05 10:01:10,2024-03-05 10:11:10,answered,sales,bob
2024-03-05 10:10:00,2024-03-05 10:10:00,2024-03-05 10:10:50,2024-03-05 10:20:50,answered,sales,ann
2024-03-05 10:20:00,,,2024-03-05 10:21:00,ivr,sales,
2024-03-05 10:30:00,2024-03-05 10:30:00,,2024-03-05 10:31:30,abandoned,sales,
2024-03-05 10:49:30,,2024-03-05 10:50:00,2024-03-05 11:10:00,answered,sales,bob
2024-03-05 11:05:00,2024-03-05 11:05:00,2024-03-05 11:05:20,2024-03-05 11:15:20,answered,sales,ann
2024-03-05 11:20:00,,2024-03-05 11:20:00,2024-03-05 11:25:00,answered,sales,ann
";

/// A scenario of one type, "sales", and one team, for the hand-made log.
const HAND: &str = r#"
name = "hand"
[simulation]
horizon = "1d"
interval = "60m"
seed = 3

[[contact_types]]
name = "sales"
arrivals = { rate = "6/h" }
handle_time = { dist = "lognormal", mean = "600s", cv = 1.0 }
patience = { dist = "exponential", mean = "170s" }

[[agent_groups]]
name = "team"
serves = ["sales"]
headcount = 2
"#;

/// Writes the hand-made log and its scenario (`toml`) into `dir`: `(scenario, log)`.
fn hand_files(dir: &Path, toml: &str) -> (PathBuf, PathBuf) {
    let scenario = dir.join("scenario.toml");
    let log = dir.join("calls.csv");
    std::fs::write(&scenario, toml).unwrap();
    std::fs::write(&log, HAND_LOG).unwrap();
    (scenario, log)
}

/// The observed columns of validation.csv for a log of seven calls asking for an agent (and
/// one that ended in the IVR) on Tuesday 2024-03-05, worked by hand.
///
/// The calls (q = when it asked for an agent, a = answer, e = end; waits against the 20 s
/// service-level threshold of the scenario's default):
///
/// | call | agent | q        | a        | e        | wait | talk  |
/// |------|-------|----------|----------|----------|------|-------|
/// | 1    | ann   | 10:00:00 | 10:00:00 | 10:05:00 | 0    | 300   |
/// | 2    | bob   | 10:01:00 | 10:01:10 | 10:11:10 | 10   | 600   |
/// | 3    | ann   | 10:10:00 | 10:10:50 | 10:20:50 | 50   | 600   |
/// | IVR  |       | -        | -        | 10:21:00 | -    | -     |
/// | 4    |       | 10:30:00 | -        | 10:31:30 | 90 (abandoned) | - |
/// | 5    | bob   | 10:50:00 | 10:50:00 | 11:10:00 | 0    | 1200  |
/// | 6    | ann   | 11:05:00 | 11:05:20 | 11:15:20 | 20   | 600   |
/// | 7    | ann   | 11:20:00 | 11:20:00 | 11:25:00 | 0    | 300   |
///
/// Call 5 spent 30 s in the IVR (no queue_entry): it asked for an agent at its answer and did
/// not wait. The IVR call never asked for an agent.
///
/// Presence (presence gap 30 min): ann is present 10:00:00–10:20:50 (her gap of 5:50 between
/// calls 1 and 3 is joined), away until 11:05:20 (a gap of 44:30), then 11:05:20–11:25:00 (a
/// gap of 4:40 joined); bob 10:01:10–10:11:10 and 10:50:00–11:10:00 (a gap of 38:50 between
/// them, not joined).
#[test]
fn the_observed_figures_of_a_small_log_are_those_worked_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, log) = hand_files(dir.path(), HAND);
    let (json, csv) = validate_into(&scenario, &log, &["-r", "2", "-j", "1"], &dir.path().join("out"));
    let rows = rows(&csv);
    assert_eq!(rows.len(), 2, "{csv}");
    let value = |row: usize, column: &str| -> f64 {
        rows[row][column]
            .parse()
            .unwrap_or_else(|_| panic!("{column}: {:?}", rows[row][column]))
    };
    let close = |got: f64, want: f64, what: &str| {
        assert!((got - want).abs() <= 1e-9, "{what}: {got}, worked by hand {want}");
    };
    // 10:00–11:00: calls 1–5 asked for an agent; call 4 hung up. Waits 0 + 10 + 50 + 90 + 0
    // = 150 s over 5 calls; calls 2, 3 and 4 waited; calls 1, 2 and 5 were answered within
    // 20 s. Talk of the calls answered (1, 2, 3, 5): (300 + 600 + 600 + 1200) / 4 = 675 s.
    // Presence inside the hour: ann 20:50 (1,250 s), bob 10:00 + 10:00 (1,200 s): 2,450 s, so
    // 2450 / 3600 agents on average. Serving inside the hour: 300 + 600 + 600 + 600 (call 5
    // until 11:00) = 2,100 s: occupancy 2100 / 2450 = 6/7.
    assert_eq!(rows[0]["date"], "2024-03-05");
    assert_eq!(rows[0]["weekday"], "tuesday");
    assert_eq!(rows[0]["interval_start"], "10:00");
    close(value(0, "offered_observed"), 5.0, "10:00 offered");
    close(value(0, "p_abandon_observed"), 1.0 / 5.0, "10:00 P(abandon)");
    close(value(0, "mean_wait_s_observed"), 150.0 / 5.0, "10:00 mean wait");
    close(value(0, "p_wait_observed"), 3.0 / 5.0, "10:00 P(wait)");
    close(value(0, "sl_observed"), 3.0 / 5.0, "10:00 service level");
    close(value(0, "talk_s"), 2700.0 / 4.0, "10:00 talk");
    close(value(0, "agents"), 2450.0 / 3600.0, "10:00 agents");
    close(value(0, "occupancy_observed"), 2100.0 / 2450.0, "10:00 occupancy");
    // 11:00–12:00: calls 6 and 7; waits 20 + 0 = 20 s over 2; call 6 waited; both answered
    // within 20 s (call 6 at exactly 20 s counts as within). Talk (600 + 300) / 2 = 450 s.
    // Presence: bob 11:00–11:10 (600 s), ann 11:05:20–11:25:00 (1,180 s): 1,780 s. Serving:
    // call 5 600 s, call 6 600 s, call 7 300 s = 1,500 s: occupancy 1500 / 1780.
    assert_eq!(rows[1]["interval_start"], "11:00");
    close(value(1, "offered_observed"), 2.0, "11:00 offered");
    close(value(1, "p_abandon_observed"), 0.0, "11:00 P(abandon)");
    close(value(1, "mean_wait_s_observed"), 20.0 / 2.0, "11:00 mean wait");
    close(value(1, "p_wait_observed"), 1.0 / 2.0, "11:00 P(wait)");
    close(value(1, "sl_observed"), 1.0, "11:00 service level");
    close(value(1, "talk_s"), 900.0 / 2.0, "11:00 talk");
    close(value(1, "agents"), 1780.0 / 3600.0, "11:00 agents");
    close(value(1, "occupancy_observed"), 1500.0 / 1780.0, "11:00 occupancy");
    // Erlang A's inputs: patience = time waited by the queued calls (10 + 50 + 90 + 20 s)
    // over the one abandonment; the mean gap under 5 minutes is ann's one gap of 4:40 (the
    // others, 5:50, 38:50 and 44:30, are longer). The 22 other hours had no call.
    close(json["erlang_a"]["mean_patience_s"].as_f64().unwrap(), 170.0, "patience");
    close(json["erlang_a"]["mean_gap_s"].as_f64().unwrap(), 280.0, "mean gap");
    assert_eq!(json["erlang_a"]["gaps"], 1);
    assert_eq!(json["left_out"]["no_calls"], 22);
    assert_eq!(json["left_out"]["no_agents"], 0);
}

/// Scenarios and options that cannot replay the log are refused with exit code 2 and a
/// message that says why, and nothing is written.
#[test]
fn a_scenario_that_cannot_replay_the_log_is_refused_with_a_clear_message() {
    let two_groups = HAND.replace("name = \"hand\"", "name = \"two-teams\"")
        + "\n[[agent_groups]]\nname = \"back\"\nserves = [\"sales\"]\nheadcount = 1\n";
    let other_types = HAND
        .replace("name = \"sales\"", "name = \"support\"")
        .replace("serves = [\"sales\"]", "serves = [\"support\", \"billing\"]")
        + "\n[[contact_types]]\nname = \"billing\"\narrivals = { rate = \"6/h\" }\n\
           handle_time = { dist = \"lognormal\", mean = \"600s\", cv = 1.0 }\n\
           patience = { dist = \"exponential\", mean = \"170s\" }\n";
    let cases: [(&str, &str, &[&str], &[&str]); 5] = [
        (
            "two agent groups",
            &two_groups,
            &[],
            &["scenario.toml", "exactly one agent group", "\"two-teams\" has 2"],
        ),
        (
            "a log type the scenario lacks",
            &other_types,
            &[],
            &[
                "type \"sales\"",
                "no contact type of that name",
                "its types: support, billing",
            ],
        ),
        (
            "one replication",
            HAND,
            &["-r", "1"],
            &["--replications must be at least 2", "got 1"],
        ),
        (
            "weekdays without a log day",
            HAND,
            &["--weekdays", "sat-mon"],
            &[
                "calls.csv",
                "nothing to compare",
                "no log day falls on the weekdays asked for",
            ],
        ),
        (
            "a bad weekday",
            HAND,
            &["--weekdays", "mon,funday"],
            &["--weekdays", "\"funday\" is not a weekday"],
        ),
    ];
    for (case, toml, args, words) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (scenario, log) = hand_files(dir.path(), toml);
        let out = dir.path().join("out");
        let output = cxsim()
            .current_dir(dir.path())
            .arg("validate")
            .arg(scenario.file_name().unwrap())
            .arg(log.file_name().unwrap())
            .args(args)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let message = String::from_utf8(output.stderr).unwrap();
        for word in words {
            assert!(message.contains(word), "{case}: {word:?} not in {message:?}");
        }
        assert_eq!(message.lines().count(), 1, "{case}: {message}");
        assert!(output.stdout.is_empty(), "{case}");
        assert!(!out.join("validation.csv").exists(), "{case}: validation.csv written");
    }
}

/// The same log and seed give the same validation.csv, byte for byte, on one thread and two
/// (each day runs on replication numbers of its own).
#[test]
fn the_validation_is_the_same_on_one_thread_and_two() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, log) = synthetic_log(dir.path(), "small", SMALL);
    let (_, one) = validate_into(&scenario, &log, &["-r", "6", "-j", "1"], &dir.path().join("one"));
    let (_, two) = validate_into(&scenario, &log, &["-r", "6", "-j", "2"], &dir.path().join("two"));
    assert_eq!(rows(&one).len(), 48, "{one}");
    assert!(one == two, "validation.csv differs between -j 1 and -j 2");
}

/// The output folder holds validation.csv (the header documented, one row per compared
/// interval), report.txt, validation.json (its schema, and as many intervals as rows) and the
/// two plots, each an SVG with the observed series and every model's.
#[test]
fn the_output_folder_holds_the_table_the_plots_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario, log) = synthetic_log(dir.path(), "small", SMALL);
    let out = dir.path().join("out");
    let (json, csv) = validate_into(&scenario, &log, &["-r", "4", "-j", "2"], &out);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "report.txt",
            "validation.csv",
            "validation.json",
            "validation_abandon.svg",
            "validation_wait.svg"
        ]
    );
    let mut header = vec!["date", "weekday", "interval_start", "agents", "talk_s"]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    for figure in ["offered", "p_abandon", "mean_wait_s", "p_wait", "sl", "occupancy"] {
        for suffix in [
            "observed",
            "cxsim",
            "cxsim_low",
            "cxsim_high",
            "erlang_a",
            "erlang_a_gap",
        ] {
            header.push(format!("{figure}_{suffix}"));
        }
    }
    assert_eq!(csv.lines().next().unwrap(), header.join(","));
    let intervals = json["intervals"].as_u64().unwrap();
    assert_eq!(rows(&csv).len() as u64, intervals);
    // Two days of 24 hours, every one with calls and agents.
    assert_eq!(intervals, 48);
    assert_eq!(json["schema"], "cxsim.validate/1");
    assert_eq!(json["days"], 2);
    for figure in ["offered", "p_abandon", "mean_wait_s", "p_wait", "sl", "occupancy"] {
        for model in ["cxsim", "erlang_a", "erlang_a_gap"] {
            let s = &json["scores"][figure][model];
            assert_eq!(s["intervals"], intervals, "{figure} {model}: {s}");
            for k in ["mae", "bias", "bias_se"] {
                assert!(s[k].is_number(), "{figure} {model} {k}: {s}");
            }
        }
    }
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(report.starts_with("Validation of \"small\""), "{report}");
    for name in ["validation_abandon.svg", "validation_wait.svg"] {
        let svg = std::fs::read_to_string(out.join(name)).unwrap();
        let svg = svg.trim();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{name}: {}",
            &svg[..80]
        );
        assert!(svg.contains("<svg"), "{name}");
        assert!(svg.ends_with("</svg>"), "{name}");
        // The texts of the plot's <text> elements, trimmed: the legend's labels among them.
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")))
            .map(|(text, _)| text.trim())
            .collect();
        for label in ["observed", "cxsim", "Erlang A", "Erlang A + gap"] {
            assert!(
                texts.contains(&label),
                "{name}: no series labelled {label} in {texts:?}"
            );
        }
    }
}
