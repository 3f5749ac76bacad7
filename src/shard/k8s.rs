//! A sweep as Kubernetes Jobs: an Indexed Job whose pod `JOB_COMPLETION_INDEX` runs one shard,
//! and a merge Job applied once it completes (a script waits for it with `kubectl wait`).
//! The sweep folder, the scenario and its inputs live on a PersistentVolumeClaim mounted in
//! every pod.

use super::pilot::Pilot;
use super::{MANIFEST_FILE, Manifest, ShardError};
use std::path::{Path, PathBuf};

/// The shards' Job manifest.
pub const SHARDS_FILE: &str = "k8s-shards.yaml";
/// The merge Job's manifest.
pub const MERGE_FILE: &str = "k8s-merge.yaml";
/// The script that applies both in turn.
pub const RUN_SCRIPT: &str = "k8s-run.sh";

/// What the Jobs ask of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub image: String,
    pub claim: String,
    pub mount: PathBuf,
    pub cpus: u32,
    pub parallelism: u32,
}

/// A DNS-1123 label from a scenario's name: lowercase letters, digits and `-`, at most
/// `max` characters, starting and ending with a letter or digit.
fn label(name: &str, max: usize) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s: String = s.trim_matches('-').chars().take(max).collect();
    let s = s.trim_end_matches('-').to_owned();
    if s.is_empty() { "sweep".to_owned() } else { s }
}

/// A string as a YAML (and JSON) double-quoted scalar.
fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The Job manifests of `manifest`'s sweep (folder `dir`, scenario `scenario`), as they lie on
/// the claim: the sweep folder at `<mount>/<its name>`, the scenario at `<mount>/<its name>`.
/// `todo` are the shards to run (all of them, or those still missing: then each pod picks
/// its shard from the list). Returns (shards job, merge job, run script).
pub fn manifests(
    manifest: &Manifest,
    dir: &Path,
    scenario: &Path,
    todo: &[u32],
    pilot: &Pilot,
    o: &Options,
) -> (String, String, String) {
    let folder = dir
        .file_name()
        .map_or_else(|| "sweep".into(), |n| n.to_string_lossy().into_owned());
    let sweep = o.mount.join(&folder);
    let scenario_name = scenario
        .file_name()
        .map_or_else(|| "scenario.toml".into(), |n| n.to_string_lossy().into_owned());
    let scenario_in_pod = o.mount.join(scenario_name);
    let name = label(&format!("cxsim-{}", manifest.scenario), 40);
    let k = todo.len().max(1);
    let most = manifest.shards.iter().map(|s| s.replications()).max().unwrap_or(1);
    let mem = pilot.memory_request_mib(o.cpus);
    let deadline = pilot.time_request_s(most, o.cpus) * 2;
    let command = |args: &[String]| args.iter().map(|a| yaml(a)).collect::<Vec<_>>().join(", ");
    let volume = format!(
        "        volumeMounts:\n        - name: sweep\n          mountPath: {mount}\n      volumes:\n      - name: sweep\n        persistentVolumeClaim:\n          claimName: {claim}\n",
        mount = yaml(&o.mount.display().to_string()),
        claim = yaml(&o.claim),
    );
    let shard_args = [
        "cxsim".to_owned(),
        "run-shard".to_owned(),
        sweep.join(MANIFEST_FILE).display().to_string(),
        "--scenario".to_owned(),
        scenario_in_pod.display().to_string(),
        "-j".to_owned(),
        o.cpus.to_string(),
        "-q".to_owned(),
    ]
    .into_iter()
    .chain(
        (todo.len() < manifest.shards.len())
            .then(|| ["--pick".to_owned(), super::slurm::list(todo)])
            .into_iter()
            .flatten(),
    )
    .collect::<Vec<_>>();
    let shards = format!(
        "# cxsim: the {k} shard(s) of sweep \"{scenario}\"; pod JOB_COMPLETION_INDEX runs that shard.\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-shards\n  labels:\n    app.kubernetes.io/name: cxsim\n\
         spec:\n  completionMode: Indexed\n  completions: {k}\n  parallelism: {parallelism}\n  backoffLimit: {backoff}\n\
         \x20 activeDeadlineSeconds: {deadline}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: cxsim\n\
         \x20   spec:\n      restartPolicy: Never\n      containers:\n      - name: shard\n        image: {image}\n\
         \x20       command: [{cmd}]\n        resources:\n          requests:\n            cpu: \"{cpus}\"\n            memory: {mem}Mi\n\
         \x20         limits:\n            memory: {mem}Mi\n{volume}",
        scenario = manifest.scenario.replace('"', "'"),
        parallelism = o.parallelism.min(k as u32).max(1),
        backoff = 3 * k,
        deadline = deadline.max(600) * (k as u64).div_ceil(u64::from(o.parallelism.max(1))),
        image = yaml(&o.image),
        cmd = command(&shard_args),
        cpus = o.cpus,
    );
    let merge_args = [
        "cxsim".to_owned(),
        "merge".to_owned(),
        sweep.display().to_string(),
        "--scenario".to_owned(),
        scenario_in_pod.display().to_string(),
        "-q".to_owned(),
    ];
    let merge_mem = pilot.memory_request_mib(1);
    let merge = format!(
        "# cxsim: merges the shards of sweep \"{scenario}\" into {results}.\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-merge\n  labels:\n    app.kubernetes.io/name: cxsim\n\
         spec:\n  completions: 1\n  backoffLimit: 2\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: cxsim\n\
         \x20   spec:\n      restartPolicy: Never\n      containers:\n      - name: merge\n        image: {image}\n\
         \x20       command: [{cmd}]\n        resources:\n          requests:\n            cpu: \"1\"\n            memory: {merge_mem}Mi\n\
         \x20         limits:\n            memory: {merge_mem}Mi\n{volume}",
        scenario = manifest.scenario.replace('"', "'"),
        results = sweep.join("results").display(),
        image = yaml(&o.image),
        cmd = command(&merge_args),
    );
    // A Job's template cannot change once applied: each step deletes the Job of an earlier
    // run first. `kubectl wait` sees only one condition, so a loop watches for either end.
    let step = |file: &str, job: &str| {
        format!("kubectl delete job/{job} --ignore-not-found\nkubectl apply -f {file}\nwait_for {job}\n")
    };
    let mut run = String::from(
        "#!/bin/sh\n# cxsim: runs the shards still to run, waits for them, then merges.\nset -eu\ncd \"$(dirname \"$0\")\"\n\
         wait_for() {\n  while :; do\n    state=$(kubectl get \"job/$1\" -o jsonpath='{.status.conditions[?(@.status==\"True\")].type}')\n\
         \x20   case \"$state\" in\n      *Complete*) return 0 ;;\n      *Failed*) echo \"job $1 failed: kubectl describe job/$1\" >&2; exit 1 ;;\n\
         \x20   esac\n    sleep 10\n  done\n}\n",
    );
    if !todo.is_empty() {
        run.push_str(&step(SHARDS_FILE, &format!("{name}-shards")));
    }
    run.push_str(&step(MERGE_FILE, &format!("{name}-merge")));
    (shards, merge, run)
}

/// Writes the two Job manifests and the run script into `dir` (no shards Job when `todo` is
/// empty); returns their paths, the first applied first.
pub fn write(
    manifest: &Manifest,
    dir: &Path,
    scenario: &Path,
    todo: &[u32],
    pilot: &Pilot,
    o: &Options,
) -> Result<Vec<PathBuf>, ShardError> {
    let (shards, merge, run) = manifests(manifest, dir, scenario, todo, pilot, o);
    let mut written = Vec::new();
    let shards_file = dir.join(SHARDS_FILE);
    if todo.is_empty() {
        // Every shard is done: no shards Job (an old one would run shards again).
        match std::fs::remove_file(&shards_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ShardError::io(&shards_file, e)),
            _ => {}
        }
    }
    let files = [(SHARDS_FILE, shards), (MERGE_FILE, merge), (RUN_SCRIPT, run)];
    for (name, text) in files
        .into_iter()
        .filter(|(name, _)| !todo.is_empty() || *name != SHARDS_FILE)
    {
        let path = dir.join(name);
        super::file::write_text(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_dns_names() {
        assert_eq!(label("cxsim-Bank: 24/7 (v2)", 40), "cxsim-bank-24-7-v2");
        assert_eq!(label("---", 40), "sweep");
        assert!(label(&"x".repeat(100), 40).len() <= 40);
    }
}
