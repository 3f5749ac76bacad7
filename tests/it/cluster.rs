//! Sweeps split into shards: `cxsim plan`, `run-shard` and `merge` give exactly a one-machine
//! run's results (every results file, byte for byte, but the run's clock and threads); a
//! missing, doubled, foreign, truncated or corrupted shard is caught; Slurm scripts respect the
//! array limit; the Kubernetes Jobs validate against the Job schema; and, with a real Slurm
//! cluster (`CXSIM_SLURM`, as `.ci/run` starts one), a submitted sweep merges to the local run.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn cxsim() -> Command {
    let mut c = Command::cargo_bin("cxsim").expect("binary built");
    c.env_remove("SLURM_ARRAY_TASK_ID").env_remove("JOB_COMPLETION_INDEX");
    c
}

/// A small scenario with two variants (three runs, paired), written into `dir`.
fn study_file(dir: &Path) -> PathBuf {
    let path = dir.join("study.toml");
    std::fs::write(
        &path,
        r#"
name = "shards"
[simulation]
horizon = "4h"
interval = "30m"
replications = 12
seed = 7
[[contact_types]]
name = "calls"
arrivals = { rates = ["90/h", "120/h", "150/h", "120/h", "100/h", "80/h", "140/h", "90/h"] }
handle_time = { dist = "lognormal", mean = "4m", cv = 0.8 }
patience = { dist = "exponential", mean = "3m" }
sl_threshold = "20s"
[[agent_groups]]
name = "agents"
headcount = 9
serves = ["calls"]

[[variants]]
name = "one more agent"
set = { "agent_groups.agents.headcount" = 10 }

[[sweeps]]
over = { "contact_types.calls.patience.mean" = ["2m"] }
"#,
    )
    .unwrap();
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Every file of a results folder (recursively) but run.toml, with summary.json's clock and
/// threads taken out: what must be equal between a merge and a one-machine run.
fn results_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
                continue;
            }
            let name = p.strip_prefix(root).unwrap().display().to_string();
            if name.ends_with("run.toml") {
                continue;
            }
            let mut bytes = std::fs::read(&p).unwrap();
            if name.ends_with("summary.json") {
                let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                for key in ["threads", "elapsed_s", "started_utc", "scenario_file"] {
                    doc["run"].as_object_mut().map(|o| o.remove(key));
                }
                bytes = serde_json::to_vec_pretty(&doc).unwrap();
            }
            out.push((name, bytes));
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    assert!(out.len() > 3, "a results folder with files: {}", dir.display());
    out
}

fn assert_same_results(merged: &Path, single: &Path) {
    let (a, b) = (results_files(merged), results_files(single));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "the same files");
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between the merge and the one-machine run");
    }
}

fn run_single(scenario: &Path, replications: u32, out: &Path) {
    cxsim()
        .args(["run", "-q", "-j", "2", "-r", &replications.to_string(), "-o"])
        .arg(out)
        .arg(scenario)
        .assert()
        .success();
}

fn plan(scenario: &Path, dir: &Path, shards: u32, extra: &[&str]) {
    cxsim()
        .args(["plan", "-k", &shards.to_string(), "-o"])
        .arg(dir)
        .args(extra)
        .arg(scenario)
        .assert()
        .success();
}

fn run_shard(dir: &Path, index: u32) {
    cxsim()
        .args(["run-shard", "-q", "-j", "1", "--index", &index.to_string()])
        .arg(dir.join("manifest.json"))
        .assert()
        .success();
}

/// A temporary folder with the study, planned in `shards` shards into its `sweep` folder
/// (`extra`: more `cxsim plan` options), and shards `done` run: (folder, scenario, sweep).
fn sweep(shards: u32, extra: &[&str], done: impl IntoIterator<Item = u32>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let dir = tmp.path().join("sweep");
    plan(&scenario, &dir, shards, extra);
    for i in done {
        run_shard(&dir, i);
    }
    (tmp, scenario, dir)
}

fn shard_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cxshard"))
        .collect();
    v.sort();
    v
}

fn merge(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cxsim().args(["merge", "-q"]).arg(dir).args(extra).assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Asserts that the command's error output says `needle`.
fn says(a: &assert_cmd::assert::Assert, needle: &str) {
    let text = stderr(a);
    assert!(text.contains(needle), "{text}");
}

#[test]
fn merged_shards_give_every_results_file_of_the_one_machine_run_for_1_3_and_7_shards() {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let single = tmp.path().join("single");
    run_single(&scenario, 12, &single);
    for k in [1u32, 3, 7] {
        let dir = tmp.path().join(format!("sweep-{k}"));
        plan(&scenario, &dir, k, &[]);
        // Shards run in a shuffled order, and their files are renamed in an order of their
        // own: the merge depends on neither.
        let order: Vec<u32> = (0..k).map(|i| (i * 5 + 2) % k).collect();
        for i in &order {
            run_shard(&dir, *i);
        }
        assert_eq!(shard_files(&dir).len(), k as usize);
        for (n, f) in shard_files(&dir).into_iter().rev().enumerate() {
            std::fs::rename(&f, dir.join(format!("z{}-{n}.cxshard", k - n as u32))).unwrap();
        }
        merge(&dir, &[]).success();
        assert_same_results(&dir.join("results"), &single);
    }
}

#[test]
fn a_shard_run_twice_writes_the_same_bytes() {
    let (_tmp, _, dir) = sweep(4, &[], [2]);
    let file = shard_files(&dir).remove(0);
    let first = std::fs::read(&file).unwrap();
    cxsim()
        .args(["run-shard", "-q", "-j", "2"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .arg(dir.join("manifest.json"))
        .assert()
        .success();
    assert_eq!(shard_files(&dir), vec![file.clone()], "the same file name");
    assert!(
        std::fs::read(&file).unwrap() == first,
        "the same bytes on 1 and 2 threads"
    );
}

#[test]
fn the_task_index_comes_from_slurm_or_kubernetes_and_pick_maps_it_to_a_shard() {
    let (_tmp, _, dir) = sweep(6, &[], []);
    let manifest = dir.join("manifest.json");
    cxsim()
        .args(["run-shard", "-q", "--offset", "3"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .arg(&manifest)
        .assert()
        .success();
    cxsim()
        .args(["run-shard", "-q", "--pick", "0,5"])
        .env("JOB_COMPLETION_INDEX", "1")
        .arg(&manifest)
        .assert()
        .success();
    let names: Vec<String> = shard_files(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let text = std::fs::read_to_string(&manifest).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let name_of = |i: usize| {
        let u = &m["shards"][i]["units"][0];
        format!(
            "shard-{:03}-{:09}-{:09}.cxshard",
            u["run"].as_u64().unwrap(),
            u["first"].as_u64().unwrap(),
            u["first"].as_u64().unwrap() + u["count"].as_u64().unwrap()
        )
    };
    assert_eq!(names, vec![name_of(4), name_of(5)]);
    let refused = cxsim().args(["run-shard", "-q"]).arg(&manifest).assert().failure();
    says(&refused, "no shard index");
    let refused = cxsim()
        .args(["run-shard", "-q", "--index", "6"])
        .arg(&manifest)
        .assert()
        .failure();
    says(&refused, "shards 0 to 5");
}

#[test]
fn a_later_round_of_replications_merges_with_the_first_into_the_longer_run() {
    let (tmp, scenario, dir) = sweep(2, &["-r", "12"], [0, 1]);
    let single = tmp.path().join("single");
    run_single(&scenario, 20, &single);
    plan(&scenario, &dir, 3, &["-r", "20", "--from", "12"]);
    for i in 0..3 {
        run_shard(&dir, i);
    }
    merge(&dir, &[]).success();
    assert_same_results(&dir.join("results"), &single);
}

#[test]
fn a_missing_shard_is_named_and_merged_around_only_when_asked() {
    let (_tmp, _, dir) = sweep(6, &[], [0, 1, 2, 4, 5]);
    let refused = merge(&dir, &[]).failure();
    let text = stderr(&refused);
    assert!(text.contains("shards to run again: 3 "), "{text}");
    assert!(text.contains("missing replications"), "{text}");
    assert!(!dir.join("results").exists(), "no results folder from a refused merge");
    let partial = merge(&dir, &["--partial", "--json"]).success();
    let doc: serde_json::Value = serde_json::from_slice(&partial.get_output().stdout).unwrap();
    // Shard 3 of 6 over 3 runs × 12 is the second run's replications 6..12: every run keeps
    // 0..6, paired.
    assert_eq!(doc["summary"]["replications"], 6, "{}", doc["summary"]["replications"]);
    run_shard(&dir, 3);
    merge(&dir, &[]).success();
}

#[test]
fn a_duplicate_shard_is_reported_and_partial_keeps_one_copy() {
    let (tmp, scenario, dir) = sweep(3, &[], 0..3);
    let single = tmp.path().join("single");
    run_single(&scenario, 12, &single);
    let first = shard_files(&dir).remove(0);
    std::fs::copy(&first, dir.join("copy.cxshard")).unwrap();
    let refused = merge(&dir, &[]).failure();
    says(&refused, "duplicate: ");
    merge(&dir, &["--partial"]).success();
    assert_same_results(&dir.join("results"), &single);
}

#[test]
fn a_shard_of_another_seed_or_scenario_is_refused_by_name() {
    let (tmp, scenario, dir) = sweep(2, &[], [0, 1]);
    let other = tmp.path().join("other");
    plan(&scenario, &other, 2, &["-s", "8"]);
    run_shard(&other, 0);
    let stranger = shard_files(&other).remove(0);
    std::fs::copy(&stranger, dir.join("stranger.cxshard")).unwrap();
    let refused = merge(&dir, &[]).failure();
    let text = stderr(&refused);
    assert!(
        text.contains("stranger.cxshard") && text.contains("belongs to another sweep"),
        "{text}"
    );
    assert!(text.contains("seed 8"), "{text}");
}

#[test]
fn a_changed_input_after_the_plan_is_refused_naming_the_file() {
    let (_tmp, scenario, dir) = sweep(2, &[], []);
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("headcount = 9", "headcount = 8");
    std::fs::write(&scenario, text).unwrap();
    let refused = cxsim()
        .args(["run-shard", "--index", "0"])
        .arg(dir.join("manifest.json"))
        .assert()
        .failure();
    let text = stderr(&refused);
    assert!(
        text.contains("study.toml") && text.contains("changed since the plan"),
        "{text}"
    );
    assert!(shard_files(&dir).is_empty(), "no shard file from a refused run");
}

#[test]
fn a_truncated_or_corrupted_shard_file_gets_a_clear_error() {
    let (_tmp, _, dir) = sweep(2, &[], [0, 1]);
    let file = shard_files(&dir).remove(1);
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&file, &whole[..whole.len() * 2 / 3]).unwrap();
    let refused = merge(&dir, &[]).failure();
    says(&refused, "truncated or corrupted");
    let mut flipped = whole.clone();
    let at = whole.len() / 2;
    flipped[at] ^= 0x10;
    std::fs::write(&file, &flipped).unwrap();
    let refused = merge(&dir, &[]).failure();
    says(&refused, "truncated or corrupted");
    std::fs::write(&file, b"not a shard\n").unwrap();
    let refused = merge(&dir, &[]).failure();
    says(&refused, "not a cxsim shard file");
    std::fs::write(&file, &whole).unwrap();
    merge(&dir, &[]).success();
}

#[test]
fn slurm_scripts_split_the_array_at_the_cluster_limit_and_throttle_it() {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let dir = tmp.path().join("sweep");
    cxsim()
        .args([
            "slurm",
            "-k",
            "2500",
            "-r",
            "1000",
            "--array-limit",
            "1000",
            "--throttle",
            "20",
            "-o",
        ])
        .arg(&dir)
        .arg(&scenario)
        .assert()
        .success();
    let submit = std::fs::read_to_string(dir.join("submit.sh")).unwrap();
    for (offset, array) in [(0, "0-999%20"), (1000, "0-999%20"), (2000, "0-499%20")] {
        assert!(
            submit.contains(&format!("'--array={array}' '--export=ALL,CXSIM_SHARD_OFFSET={offset}'")),
            "{submit}"
        );
    }
    assert!(submit.contains("--dependency=afterok"), "{submit}");
    let shards = std::fs::read_to_string(dir.join("shards.sbatch")).unwrap();
    for directive in [
        "#SBATCH --time=",
        "#SBATCH --mem=",
        "#SBATCH --cpus-per-task=2",
        "--offset",
    ] {
        assert!(shards.contains(directive), "{directive} in {shards}");
    }
    let merge_script = std::fs::read_to_string(dir.join("merge.sbatch")).unwrap();
    assert!(merge_script.contains(" merge "), "{merge_script}");
}

#[test]
fn the_kubernetes_jobs_validate_against_the_job_schema() {
    let Some(python) = crate::support::python_checks() else {
        return;
    };
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let dir = tmp.path().join("sweep");
    let k8s = |extra: &[&str]| {
        cxsim()
            .args(["k8s", "-k", "5", "-o"])
            .arg(&dir)
            .args(extra)
            .arg(&scenario)
            .assert()
            .success();
    };
    k8s(&["--parallelism", "3"]);
    let shards = std::fs::read_to_string(dir.join("k8s-shards.yaml")).unwrap();
    assert!(
        shards.contains("completionMode: Indexed") && shards.contains("completions: 5"),
        "{shards}"
    );
    let validate = |files: &[PathBuf]| {
        std::process::Command::new(&python)
            .args(["-m", "kubernetes_validate", "--strict", "--quiet"])
            .args(files)
            .output()
            .expect("python runs")
    };
    let ok = validate(&[dir.join("k8s-shards.yaml"), dir.join("k8s-merge.yaml")]);
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    // The validator does reject a Job that is not one.
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, shards.replace("completions: 5", "completions: five")).unwrap();
    assert!(!validate(&[broken]).status.success(), "a malformed Job is rejected");
    // Again after shard 1 is done: a Job of the 4 missing shards, each pod picking its own.
    run_shard(&dir, 1);
    k8s(&[]);
    let shards = std::fs::read_to_string(dir.join("k8s-shards.yaml")).unwrap();
    assert!(
        shards.contains("completions: 4") && shards.contains("\"--pick\", \"0,2,3,4\""),
        "{shards}"
    );
}

/// Runs `cxsim slurm --submit` on the real cluster `.ci/run` starts and waits for the merge.
#[test]
fn a_sweep_submitted_to_a_real_slurm_cluster_merges_to_the_local_run() {
    if std::env::var_os("CXSIM_SLURM").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CXSIM_SLURM is not set: under CI, .ci/run starts a one-node Slurm cluster and sets it"
        );
        eprintln!("note: CXSIM_SLURM not set; the real Slurm test did not run");
        return;
    }
    // Slurm's tasks run as this user and must see the folder: a fixed place under /tmp.
    let root = PathBuf::from(std::env::var("CXSIM_SLURM").unwrap()).join(format!("it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let scenario = study_file(&root);
    let single = root.join("single");
    run_single(&scenario, 12, &single);
    let dir = root.join("sweep");
    let out = cxsim()
        .args(["slurm", "-k", "4", "--cpus", "1", "--throttle", "2", "--submit", "-o"])
        .arg(&dir)
        .arg(&scenario)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let ids: Vec<String> = text
        .lines()
        .find_map(|l| l.strip_prefix("submitted: "))
        .unwrap_or_else(|| panic!("job ids in {text}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 2, "an array and a merge: {text}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let q = std::process::Command::new("squeue")
            .args(["-h", "-j", &ids.join(","), "-o", "%i %T"])
            .output()
            .expect("squeue runs");
        let queued = String::from_utf8_lossy(&q.stdout).into_owned();
        if queued.trim().is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep did not finish in 10 minutes: {queued}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    let logs: String = std::fs::read_dir(dir.join("logs"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        dir.join("results").join("summary.json").exists(),
        "the merge job wrote results; logs:\n{logs}"
    );
    assert_eq!(shard_files(&dir).len(), 4, "every shard task wrote its file");
    assert_same_results(&dir.join("results"), &single);
    let _ = std::fs::remove_dir_all(&root);
}

/// A gap at the start of a run (not only at its end) is missing, and only the shard that
/// holds it is named, not its neighbour that starts where the gap ends.
#[test]
fn a_gap_at_the_start_of_a_run_is_missing_and_names_only_its_shard() {
    // 6 shards of 3 runs × 12: shard 2 is the first variant's 0..6, shard 3 its 6..12.
    let (_tmp, _, dir) = sweep(6, &[], [0, 1, 3, 4, 5]);
    let refused = merge(&dir, &[]).failure();
    let text = stderr(&refused);
    assert!(text.contains("missing replications: one more agent 0..6"), "{text}");
    assert!(text.contains("shards to run again: 2 "), "{text}");
    assert!(text.contains("--array=2)"), "{text}");
    assert!(!dir.join("results").exists());
    // --partial: the first variant holds 6..12 only, so every run folds 6..12.
    let partial = merge(&dir, &["--partial", "--json"]).success();
    let doc: serde_json::Value = serde_json::from_slice(&partial.get_output().stdout).unwrap();
    assert_eq!(doc["summary"]["replications"], 6);
    run_shard(&dir, 2);
    merge(&dir, &[]).success();
}

/// --shards is refused at 0 and beyond runs × replications, and --from must leave
/// replications to run.
#[test]
fn the_number_of_shards_must_be_between_1_and_the_runs_times_replications() {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let dir = tmp.path().join("sweep");
    // 3 runs × 12 replications = 36 jobs.
    for bad in ["0", "37"] {
        let refused = cxsim()
            .args(["plan", "-k", bad, "-o"])
            .arg(&dir)
            .arg(&scenario)
            .assert()
            .failure();
        says(&refused, "between 1 and 36");
    }
    plan(&scenario, &dir, 36, &[]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let shards = m["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 36);
    assert!(shards.iter().all(|s| s["units"][0]["count"] == 1));
    let refused = cxsim()
        .args(["plan", "-k", "2", "-r", "12", "--from", "12", "-o"])
        .arg(&dir)
        .arg(&scenario)
        .assert()
        .failure();
    says(&refused, "leaves no replication");
}

/// The plan says how many replications its largest shard runs.
#[test]
fn the_plan_says_how_many_replications_its_largest_shard_runs() {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let out = cxsim()
        .args(["plan", "-k", "5", "-o"])
        .arg(tmp.path().join("sweep"))
        .arg(&scenario)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // 36 jobs in 5 shards: 7 or 8 each.
    assert!(
        text.contains("3 run(s) × replications 0..12 in 5 shard(s) of at most 8 replication(s)"),
        "{text}"
    );
}

/// A manifest or a shard file of another cxsim version is refused by its version.
#[test]
fn a_manifest_or_shard_of_another_cxsim_version_is_refused_by_version() {
    let (_tmp, _, dir) = sweep(2, &[], [0, 1]);
    let manifest = dir.join("manifest.json");
    let version = env!("CARGO_PKG_VERSION");
    // The shard header: same length, so that only the version changes.
    let file = shard_files(&dir).remove(0);
    let bytes = std::fs::read(&file).unwrap();
    let needle = format!("\"cxsim_version\":\"{version}\"");
    let other = needle.replace(version, &"9".repeat(version.len()));
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the header names its version");
    let mut changed = bytes.clone();
    changed[at..at + needle.len()].copy_from_slice(other.as_bytes());
    std::fs::write(&file, &changed).unwrap();
    let refused = merge(&dir, &[]).failure();
    says(&refused, "written by cxsim 9");
    std::fs::write(&file, &bytes).unwrap();
    // The manifest.
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(
            &format!("\"cxsim_version\": \"{version}\""),
            "\"cxsim_version\": \"0.0.0-old\"",
        ),
    )
    .unwrap();
    let refused = cxsim()
        .args(["run-shard", "-q", "--index", "0"])
        .arg(&manifest)
        .assert()
        .failure();
    says(&refused, "planned by cxsim 0.0.0-old");
}

/// A sweep planned again with other shards in the same folder still merges: replications
/// held by two files are read from one, and those only the new files hold count.
#[test]
fn a_sweep_replanned_with_other_shards_in_the_same_folder_still_merges() {
    let (tmp, scenario, dir) = sweep(4, &[], [0, 1]);
    let single = tmp.path().join("single");
    run_single(&scenario, 12, &single);
    // -k 3 over 3 runs × 12: shard i is run i's 0..12. Old shard 1 holds run 0's 9..12 and
    // run 1's 0..6, so runs 1 and 2 are incomplete: shards 1 and 2 are still to run.
    plan(&scenario, &dir, 3, &[]);
    run_shard(&dir, 1);
    run_shard(&dir, 2);
    let out = merge(&dir, &["--partial", "--json"]).success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["summary"]["replications"], 12, "{}", stderr(&out));
    assert_same_results(&dir.join("results"), &single);
}

/// A later round planned with a --from below the first round's end overlaps it; the merge
/// (with --partial, for the duplicates) still gives the longer run.
#[test]
fn a_later_round_that_overlaps_the_first_still_merges_into_the_longer_run() {
    let (tmp, scenario, dir) = sweep(3, &["-r", "12"], 0..3);
    let single = tmp.path().join("single");
    run_single(&scenario, 24, &single);
    plan(&scenario, &dir, 3, &["-r", "24", "--from", "10"]);
    for i in 0..3 {
        run_shard(&dir, i);
    }
    let out = merge(&dir, &["--partial"]).success();
    assert!(dir.join("results").exists(), "{}", stderr(&out));
    assert_same_results(&dir.join("results"), &single);
}

/// A lost file of an earlier round, which no shard of the later plan holds, is not
/// reported as an empty list of shards to run.
#[test]
fn a_lost_file_of_an_earlier_round_is_not_reported_as_nothing_to_run() {
    let (_tmp, scenario, dir) = sweep(2, &["-r", "12"], [0, 1]);
    plan(&scenario, &dir, 3, &["-r", "20", "--from", "12"]);
    for i in 0..3 {
        run_shard(&dir, i);
    }
    std::fs::remove_file(shard_files(&dir).remove(0)).unwrap(); // round 1's first file
    let refused = merge(&dir, &[]).failure();
    let text = stderr(&refused);
    assert!(
        !text.contains("shards to run again:  "),
        "an empty list of shards: {text}"
    );
    assert!(!text.contains("--array=)"), "an empty array: {text}");
}

/// Once every shard is done, `cxsim k8s` writes no shards Job (no pod with an empty
/// --pick), and its run script only merges.
#[test]
fn kubernetes_jobs_of_a_finished_sweep_run_no_shard_pod() {
    let tmp = tempdir();
    let scenario = study_file(tmp.path());
    let dir = tmp.path().join("sweep");
    let k8s = || {
        cxsim()
            .args(["k8s", "-k", "2", "-o"])
            .arg(&dir)
            .arg(&scenario)
            .assert()
            .success()
    };
    k8s();
    run_shard(&dir, 0);
    run_shard(&dir, 1);
    k8s();
    let shards = std::fs::read_to_string(dir.join("k8s-shards.yaml")).unwrap_or_default();
    assert!(
        !shards.contains("\"--pick\", \"\""),
        "a pod with an empty --pick: {shards}"
    );
    let run = std::fs::read_to_string(dir.join("k8s-run.sh")).unwrap();
    assert!(
        !run.contains("kubectl apply -f k8s-shards.yaml"),
        "nothing to run, but the run script applies a shards Job: {run}"
    );
}
