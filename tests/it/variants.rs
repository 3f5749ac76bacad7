//! Variants, sweeps and `extends`: what an overlay changes, how errors name it, and the paired
//! comparison on common random numbers — exact zero for an identical variant, the variance
//! it removes, and agreement with Erlang A's exact differences.

use cxsim::compare::{self, Comparison};
use cxsim::scenario::{Study, load_study};
use cxsim::summary::ScopeKind;
use cxsim::sweep::SweepOptions;
use std::path::{Path, PathBuf};

/// Writes `files` (name, text) into a fresh folder and returns it.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

fn erlang_a() -> PathBuf {
    std::fs::canonicalize("scenarios/erlang_a.toml").expect("scenarios/erlang_a.toml")
}

/// A study extending `scenarios/erlang_a.toml` with `body` after the `extends` line.
fn study(body: &str) -> (tempfile::TempDir, Study) {
    let text = format!("extends = {:?}\n{body}", erlang_a().display().to_string());
    let dir = folder(&[("study.toml", &text)]);
    let study = load_study(&dir.path().join("study.toml")).unwrap_or_else(|e| panic!("{e}"));
    (dir, study)
}

fn load_err(dir: &Path, name: &str) -> String {
    match load_study(&dir.join(name)) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => e.to_string(),
    }
}

/// The scenario as `run.toml` records it, as a TOML table.
fn resolved(sc: &cxsim::scenario::Scenario) -> toml::Table {
    toml::to_string(&sc.raw).unwrap().parse().unwrap()
}

/// Every leaf of `t` as (dotted path, value text).
fn leaves(prefix: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                leaves(&format!("{prefix}.{k}"), v, out);
            }
        }
        toml::Value::Array(a) if a.iter().all(toml::Value::is_table) && !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), v, out);
            }
        }
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn differing_leaves(a: &toml::Table, b: &toml::Table) -> Vec<String> {
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    leaves("", &toml::Value::Table(a.clone()), &mut la);
    leaves("", &toml::Value::Table(b.clone()), &mut lb);
    let mut out: Vec<String> = la
        .iter()
        .filter(|x| !lb.contains(x))
        .chain(lb.iter().filter(|x| !la.contains(x)))
        .map(|x| x.0.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn an_overlay_changes_exactly_the_field_it_names() {
    let (_dir, st) = study(
        r#"
[[variants]]
name = "longer patience"
set = { "contact_types.service.patience.mean" = "8m" }

[[variants]]
name = "two more"
set = { "agent_groups.agents.headcount" = 52, "simulation.warmup" = "2h" }
"#,
    );
    let base = resolved(&st.baseline);
    assert_eq!(
        differing_leaves(&base, &resolved(&st.variants[0].scenario)),
        [".contact_types[0].patience.mean"]
    );
    assert_eq!(
        differing_leaves(&base, &resolved(&st.variants[1].scenario)),
        [".agent_groups[0].headcount", ".simulation.warmup"]
    );
    assert_eq!(st.variants[1].settings[0].field, "agent_groups[0].headcount");
    assert_eq!(
        st.variants[0].scenario.contact_types[0]
            .patience
            .as_ref()
            .map(|d| d.mean()),
        Some(480.0)
    );
}

#[test]
fn an_extending_file_changes_only_what_it_gives_and_chains_apply_in_turn() {
    let base = std::fs::read_to_string(erlang_a()).unwrap();
    let dir = folder(&[
        ("base.toml", &base),
        (
            "middle.toml",
            "extends = \"base.toml\"\n[simulation]\nreplications = 12\n[[agent_groups]]\nname = \"agents\"\nheadcount = 53\n",
        ),
        (
            "top.toml",
            "extends = \"middle.toml\"\nname = \"top\"\n[[contact_types]]\nname = \"service\"\nsl_threshold = \"30s\"\n",
        ),
    ]);
    let parent = cxsim::scenario::load(&dir.path().join("base.toml")).unwrap();
    let top = cxsim::scenario::load(&dir.path().join("top.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        differing_leaves(&resolved(&parent), &resolved(&top)),
        [
            ".agent_groups[0].headcount",
            ".contact_types[0].sl_threshold",
            ".name",
            ".simulation.replications"
        ]
    );
    assert_eq!((top.name.as_str(), top.replications), ("top", 12));
    // Every file read is an input with its hash.
    let roles: Vec<&str> = top.inputs.iter().map(|i| i.role.as_str()).collect();
    assert_eq!(roles, ["scenario", "extends", "extends"]);
}

#[test]
fn a_sweep_is_a_grid_or_a_zip_with_readable_names() {
    let (_dir, st) = study(
        r#"
[[sweeps]]
over = { "agent_groups.agents.headcount" = { from = 50, to = 54, step = 2 }, "contact_types.service.patience.mean" = ["3m", "5m"] }

[[sweeps]]
name = "zipped"
zip = true
over = { "agent_groups.agents.headcount" = [48, 49], "contact_types.service.handle_time.mean" = { from = "4m", to = "4m30s", step = "30s" } }
"#,
    );
    let names: Vec<&str> = st.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "headcount=50, mean=3m",
            "headcount=50, mean=5m",
            "headcount=52, mean=3m",
            "headcount=52, mean=5m",
            "headcount=54, mean=3m",
            "headcount=54, mean=5m",
            "zipped: headcount=48, mean=4m",
            "zipped: headcount=49, mean=4m30s",
        ]
    );
    let last = &st.variants[7].scenario;
    assert_eq!(last.agent_groups[0].max_headcount, 49);
    assert_eq!(last.contact_types[0].handle_time.mean(), 270.0);
}

#[test]
fn a_bad_overlay_is_reported_at_its_own_line_with_the_variant_named() {
    let head = format!("extends = {:?}\n", erlang_a().display().to_string());
    let cases = [
        (
            "[[variants]]\nname = \"typo\"\nset = { \"agent_groups.agent.headcount\" = 52 }\n",
            "study.toml:4:42: variants[0].set.\"agent_groups.agent.headcount\": variant \"typo\": agent_groups has no element \"agent\" (its elements: \"agents\")",
        ),
        (
            "[[variants]]\nname = \"negative\"\nset = { \"agent_groups.agents.headcount\" = -3 }\n",
            "study.toml:4:43: variants[0].set.\"agent_groups.agents.headcount\": variant \"negative\": agent_groups[0].headcount: headcount must be a whole number",
        ),
        (
            "[[variants]]\nname = \"unknown field\"\nset = { \"contact_types.service.patience.meen\" = \"3m\" }\n",
            "study.toml:4:49: variants[0].set.\"contact_types.service.patience.meen\": variant \"unknown field\": contact_types[0].patience.meen: unknown field",
        ),
        (
            "[[variants]]\nname = \"baseline\"\n",
            "study.toml:3:8: variants[0].name: \"baseline\" names the scenario itself",
        ),
        (
            "[[variants]]\nname = \"a b\"\n[[variants]]\nname = \"a-b\"\n",
            "study.toml:5:8: variants[1].name: the variant name \"a-b\" is already taken by \"a b\"",
        ),
        (
            "[[variants]]\nname = \"x\"\nsett = {}\n",
            "study.toml:4:8: variants[0].sett: unknown field; a variant has name, description and set",
        ),
        (
            "[[sweeps]]\nzip = true\nover = { \"agent_groups.agents.headcount\" = [1, 2], \"simulation.seed\" = [3] }\n",
            "study.toml:4:72: sweeps[0].over.\"simulation.seed\": with zip = true every list has the same length",
        ),
        (
            "[[sweeps]]\nover = { \"agent_groups.agents.headcount\" = { from = 5, to = 1, step = 1 } }\n",
            "study.toml:3:44: sweeps[0].over.\"agent_groups.agents.headcount\": a range runs from",
        ),
    ];
    for (body, want) in cases {
        let dir = folder(&[("study.toml", &format!("{head}{body}"))]);
        let err = load_err(dir.path(), "study.toml");
        let shown = err.replace(&format!("{}/", dir.path().display()), "");
        assert!(shown.starts_with(want), "\n got: {shown}\nwant: {want}");
        assert!(!shown.contains('\n'), "{shown}");
    }
}

#[test]
fn extends_refuses_cycles_and_missing_files_and_points_into_the_extending_file() {
    let dir = folder(&[
        ("a.toml", "extends = \"b.toml\"\n"),
        ("b.toml", "extends = \"a.toml\"\n"),
        ("lost.toml", "extends = \"nowhere.toml\"\n"),
    ]);
    let err = load_err(dir.path(), "a.toml");
    assert!(
        err.contains("b.toml:1:11: extends: \"a.toml\" extends this file again (a cycle)"),
        "{err}"
    );
    let err = load_err(dir.path(), "lost.toml");
    assert!(
        err.contains("lost.toml:1:11: extends: cannot read \"nowhere.toml\""),
        "{err}"
    );
    let text = format!(
        "extends = {:?}\n\n[[contact_types]]\nname = \"service\"\npatience = {{ dist = \"exponential\", mean = \"-5m\" }}\n",
        erlang_a().display().to_string()
    );
    let dir = folder(&[("child.toml", &text)]);
    let err = load_err(dir.path(), "child.toml");
    assert!(
        err.contains("child.toml:5:12: contact_types[0].patience: with ")
            && err.contains("contact_types[0].patience.mean: invalid duration \"-5m\""),
        "{err}"
    );
}

fn compare(st: &Study, threads: usize) -> Comparison {
    compare::run_study(st, SweepOptions { threads }, &|| {}, &mut []).expect("runs")
}

#[test]
fn a_variant_identical_to_the_baseline_differs_by_exactly_zero() {
    let (_dir, st) = study("[simulation]\nreplications = 20\n[[variants]]\nname = \"same\"\n");
    let c = compare(&st, 2);
    let same = &c.variants[0];
    assert!(
        same.differences.len() >= 30,
        "{} figures paired",
        same.differences.len()
    );
    for f in &same.differences {
        if f.difference.mean.is_nan() {
            continue; // a figure with no denominator in either run
        }
        assert_eq!(
            (f.difference.mean.to_bits(), f.difference.half_width.to_bits()),
            (0, 0),
            "{} {}: {:?}",
            f.scope,
            f.metric,
            f.difference
        );
    }
    assert_eq!(crate::support::bits(&c.baseline), crate::support::bits(&same.summary));
}

#[test]
fn the_comparison_is_bit_identical_on_one_and_two_threads() {
    let (_dir, st) = study(
        "[simulation]\nreplications = 9\n[[variants]]\nname = \"more\"\nset = { \"agent_groups.agents.headcount\" = 51 }\n",
    );
    let (a, b) = (compare(&st, 1), compare(&st, 2));
    assert_eq!(
        crate::support::bits(&a.variants[0].summary),
        crate::support::bits(&b.variants[0].summary)
    );
    let d = |c: &Comparison| -> Vec<(u64, u64)> {
        c.variants[0]
            .differences
            .iter()
            .map(|f| (f.difference.mean.to_bits(), f.difference.half_width.to_bits()))
            .collect()
    };
    assert_eq!(d(&a), d(&b));
}

/// M/M/50+M at ρ = 0.9 (`scenarios/erlang_a.toml`) against 52 agents, 200 replications.
/// Each paired difference must agree with the difference of the exact Erlang A values within
/// 4 standard errors (its half-width over t), and be far sharper than the difference of two
/// independent runs (the variant run on another seed).
#[test]
fn two_more_agents_on_common_random_numbers_match_erlang_a_and_cut_the_variance() {
    let (_dir, st) = study(
        "[simulation]\nreplications = 200\n[[variants]]\nname = \"+2\"\nset = { \"agent_groups.agents.headcount\" = 52 }\n",
    );
    let c = compare(&st, 2);
    let mut independent = st.variants[0].scenario.clone();
    independent.seed += 1_000_003;
    let other = crate::support::run(&independent, 2);
    let t = cxsim::stats::tally::student_t_975(199);
    for metric in ["p_abandon", "sl_offered_20s", "asa_all_s", "p_wait", "occupancy"] {
        let (kind, scope) = if metric == "occupancy" {
            (ScopeKind::Group, "agents")
        } else {
            (ScopeKind::Type, "service")
        };
        let d = c.variants[0].difference(kind, scope, metric).expect("paired");
        let get = |s: &cxsim::summary::Summary| s.scope(kind, scope).unwrap().get(metric).unwrap().clone();
        let (b, v, o) = (get(&c.baseline), get(&c.variants[0].summary), get(&other));
        let exact = v.theory.expect("exact") - b.theory.expect("exact");
        let se = d.half_width / t;
        let z = (d.mean - exact) / se;
        assert!(
            z.abs() < 4.0,
            "{metric}: paired difference {} ± {}, exact {exact}, z = {z:.2}",
            d.mean,
            d.half_width
        );
        // 4·SE relative to the exact difference: the error this comparison would detect.
        assert!(4.0 * se < 0.2 * exact.abs(), "{metric}: 4·SE = {} of {exact}", 4.0 * se);
        let unpaired = (b.estimate.half_width.powi(2) + o.estimate.half_width.powi(2)).sqrt();
        let reduction = (unpaired / d.half_width).powi(2);
        eprintln!(
            "{metric}: paired {:.6} ± {:.6} (exact {exact:.6}, z = {z:.2}); unpaired ± {unpaired:.6}; variance {reduction:.1}× smaller",
            d.mean, d.half_width
        );
        assert!(
            reduction > 4.0,
            "{metric}: variance of the paired difference only {reduction:.1}× below independent runs"
        );
    }
}

#[test]
fn the_automation_case_finds_that_better_bots_cut_abandonment_and_raise_csat() {
    let mut st = load_study(Path::new("scenarios/automation_case.toml")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = st.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["better bots", "earlier callbacks", "both"]);
    st.baseline.replications = 40;
    for v in &mut st.variants {
        v.scenario.replications = 40;
    }
    let c = compare(&st, 2);
    let bots = &c.variants[0];
    let abandon = bots.difference(ScopeKind::All, "all", "p_abandon").expect("paired");
    let csat = bots.difference(ScopeKind::All, "all", "csat").expect("paired");
    assert!(abandon.significant() && abandon.mean < 0.0, "{abandon:?}");
    assert!(csat.significant() && csat.mean > 0.0, "{csat:?}");
    // Bots take contacts off the agents: the voice group is less occupied.
    let occupancy = bots.difference(ScopeKind::Group, "voice", "occupancy").expect("paired");
    assert!(occupancy.significant() && occupancy.mean < 0.0, "{occupancy:?}");
}
