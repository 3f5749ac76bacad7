//! Every example in `scenarios/` loads and runs (briefly: two replications).

use super::support::run;
use std::path::Path;

#[test]
fn every_example_scenario_loads_and_runs() {
    let mut seen = 0;
    for entry in std::fs::read_dir("scenarios").expect("scenarios/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let mut sc = cxsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        sc.replications = 2;
        let s = run(&sc, 2);
        assert_eq!(s.replications, 2, "{}", path.display());
        assert!(s.total_arrivals > 0, "{} simulated no arrival", path.display());
        seen += 1;
    }
    assert!(seen >= 6, "expected the example scenarios, found {seen}");
}

#[test]
fn the_erlang_examples_are_recognised_as_erlang_models() {
    for (file, model) in [
        ("erlang_b", "B"),
        ("erlang_c", "C"),
        ("erlang_a", "A"),
        ("bench_standard", "A"),
    ] {
        let sc = cxsim::scenario::load(Path::new(&format!("scenarios/{file}.toml"))).unwrap();
        let s = cxsim::summary::SummaryBuilder::new(&sc).finish();
        assert_eq!(s.erlang_model.as_deref(), Some(model), "{file}");
    }
    let day = cxsim::scenario::load(Path::new("scenarios/day_profile.toml")).unwrap();
    assert!(day.erlang_model().is_none());
}
