//! Fatigue, strain, absence, attrition and learning (`[workforce]`, MODEL.md §1) in the
//! engine: neutral when its effects are off, close to neutral at the reference occupancy,
//! the magnitudes of MODEL.md §1.6 at high occupancy, breaks and an occupancy cap that lower
//! fatigue, and absence and quits at the rates renewal arithmetic gives.

use super::support::{assert_near_exact, run, scenario};
use cxsim::summary::{ScopeKind, Summary};

/// A day shift of 50 agents (08:00–16:00, two 15-minute breaks), 70 employees taking days off
/// in turn, calls at `rate` an hour while the line is open; `extra` is appended (a
/// `[workforce]` table, or nothing).
fn day_shift(rate: f64, horizon: &str, warmup: &str, replications: u32, breaks: bool, extra: &str) -> String {
    let breaks = if breaks {
        r#", breaks = [{ length = "15m", from = "09:45", to = "10:15" }, { length = "15m", from = "13:45", to = "14:15" }]"#
    } else {
        ""
    };
    let employees = if extra.contains("[workforce]") {
        "employees = 70"
    } else {
        ""
    };
    format!(
        r#"
[simulation]
horizon = "{horizon}"
warmup = "{warmup}"
interval = "1d"
seed = 11
replications = {replications}

[[contact_types]]
name = "calls"
arrivals = {{ rate = "{rate}/h" }}
handle_time = {{ dist = "exponential", mean = "5m" }}
patience = {{ dist = "exponential", mean = "10m" }}
hours = {{ open = "08:00", close = "16:00", when_closed = "refuse" }}
resolution = {{ probability = 0.8 }}

[[agent_groups]]
name = "agents"
serves = ["calls"]
{employees}
shifts = [ {{ start = "08:00", length = "8h", agents = 50{breaks} }} ]
{extra}
"#
    )
}

fn figure(s: &Summary, kind: ScopeKind, scope: &str, name: &str) -> cxsim::stats::tally::Estimate {
    s.scope(kind, scope)
        .and_then(|sc| sc.get(name))
        .unwrap_or_else(|| panic!("{scope} {name}"))
        .estimate
}

fn group(s: &Summary, name: &str) -> cxsim::stats::tally::Estimate {
    figure(s, ScopeKind::Group, "agents", name)
}

fn calls(s: &Summary, name: &str) -> f64 {
    figure(s, ScopeKind::Type, "calls", name).mean
}

/// The standard error of an estimate (its half-width over Student's t).
fn se(e: &cxsim::stats::tally::Estimate) -> f64 {
    e.half_width / cxsim::stats::tally::student_t_975(e.n - 1)
}

/// Asserts that `a` is larger than `b` by more than four combined standard errors.
fn clearly_above(what: &str, a: cxsim::stats::tally::Estimate, b: cxsim::stats::tally::Estimate) {
    let z = (a.mean - b.mean) / (se(&a).powi(2) + se(&b).powi(2)).sqrt();
    eprintln!("{what}: {:.4} vs {:.4}, z = {z:.1}", a.mean, b.mean);
    assert!(
        z > 4.0,
        "{what}: {} is not clearly above {} (z = {z:.2})",
        a.mean,
        b.mean
    );
}

const NEUTRAL: &str = r#"
[workforce]
handle_time = { fatigue = 0.0, strain = 0.0 }
resolution = { fatigue = 0.0, strain = 0.0 }
absence = { per_shift = 0.0 }
attrition = { annual = 0.0 }
learning = { initial = 1.0, resolution_deficit = 0.0 }
"#;

/// Shifts without breaks: with breaks, the model gives each break to the agent on duty
/// longest (so that breaks are shared), where the plain engine sends the most recently idle —
/// and which busy agents are marked to leave at a change then differs, which moves figures.
#[test]
fn with_its_effects_off_the_workforce_model_leaves_every_contact_figure_bit_identical() {
    let plain = run(&scenario(&day_shift(475.0, "14d", "0s", 3, false, "")), 2);
    let neutral = run(&scenario(&day_shift(475.0, "14d", "0s", 3, false, NEUTRAL)), 2);
    let number = |e: &cxsim::stats::tally::Estimate| (e.mean.to_bits(), e.half_width.to_bits(), e.n);
    let scope = plain.scope(ScopeKind::Type, "calls").unwrap();
    for m in &scope.metrics {
        let other = neutral.scope(ScopeKind::Type, "calls").unwrap().get(&m.name).unwrap();
        assert_eq!(number(&m.estimate), number(&other.estimate), "{}", m.name);
    }
    // The model still ran: agents tired.
    assert!(group(&neutral, "fatigue").mean > 0.2);
}

/// MODEL.md §1.6: at the reference occupancy (80%, reached here at 475 calls an hour),
/// switching the model on moves mean handle time and resolution by less than 1%. Absence
/// and quits are off, so that staffing stays the same; common random numbers make the two
/// runs differ only by the model's effects.
#[test]
fn at_the_reference_occupancy_handle_time_and_resolution_move_by_under_one_percent() {
    let quiet = "\n[workforce]\nabsence = { per_shift = 0.0 }\nattrition = { annual = 0.0 }\n";
    let plain = run(&scenario(&day_shift(475.0, "63d", "21d", 4, true, "")), 2);
    let on = run(&scenario(&day_shift(475.0, "63d", "21d", 4, true, quiet)), 2);
    let occupancy = group(&plain, "occupancy").mean;
    assert!((occupancy - 0.80).abs() < 0.01, "occupancy {occupancy}");
    let aht = calls(&on, "aht_s") / calls(&plain, "aht_s");
    let fcr = calls(&on, "true_fcr") / calls(&plain, "true_fcr");
    eprintln!("at ρ_ref: AHT × {aht:.4}, FCR × {fcr:.4}");
    assert!((aht - 1.0).abs() < 0.01, "AHT × {aht}");
    assert!((fcr - 1.0).abs() < 0.01, "FCR × {fcr}");
}

/// MODEL.md §1.6: eight weeks at about 95% occupancy instead of 80% give, at the defaults
/// without difficult contacts, handle time about +5.5%, resolution about −3% relative, and
/// strain about one burnout SD (0.12) higher — which is what makes absence × 1.21 and quits
/// × 1.16 (`workforce::tests` pins those functions of strain). Measured in the eighth week.
#[test]
fn eight_weeks_at_ninety_five_percent_give_the_magnitudes_of_model_section_1_6() {
    let table = "\n[workforce]\ndifficult = 0.0\nabsence = { per_shift = 0.0 }\nattrition = { annual = 0.0 }\n";
    let low = run(&scenario(&day_shift(475.0, "56d", "49d", 6, true, table)), 2);
    let high = run(&scenario(&day_shift(563.0, "56d", "49d", 6, true, table)), 2);
    let (rho_low, rho_high) = (group(&low, "occupancy").mean, group(&high, "occupancy").mean);
    eprintln!("occupancy {rho_low:.3} → {rho_high:.3}");
    assert!((rho_low - 0.80).abs() < 0.015 && (rho_high - 0.95).abs() < 0.02);
    let aht = calls(&high, "aht_s") / calls(&low, "aht_s");
    // Resolution of handled contacts (more abandon at high load, which true_fcr also counts).
    let handled = |s: &Summary| calls(s, "p_resolved") / (calls(s, "p_resolved") + calls(s, "p_unresolved"));
    let fcr = handled(&high) / handled(&low);
    let strain = group(&high, "strain").mean - group(&low, "strain").mean;
    eprintln!("AHT × {aht:.4}, FCR × {fcr:.4}, strain + {strain:.4}");
    assert!((aht - 1.055).abs() < 0.02, "AHT × {aht}");
    assert!((fcr - 0.97).abs() < 0.015, "FCR × {fcr}");
    assert!((strain - 0.12).abs() < 0.03, "strain + {strain}");
}

#[test]
fn higher_sustained_occupancy_means_more_fatigue_more_strain_longer_handling_and_more_quits() {
    let model = "\n[workforce]\nattrition = { annual = 0.9 }\n";
    let low = run(&scenario(&day_shift(420.0, "42d", "7d", 8, true, model)), 2);
    let high = run(&scenario(&day_shift(600.0, "42d", "7d", 8, true, model)), 2);
    clearly_above("occupancy", group(&high, "occupancy"), group(&low, "occupancy"));
    clearly_above("fatigue", group(&high, "fatigue"), group(&low, "fatigue"));
    clearly_above("strain", group(&high, "strain"), group(&low, "strain"));
    clearly_above(
        "aht",
        figure(&high, ScopeKind::Type, "calls", "aht_s"),
        figure(&low, ScopeKind::Type, "calls", "aht_s"),
    );
    clearly_above(
        "quits per agent-year",
        group(&high, "quits_per_agent_year"),
        group(&low, "quits_per_agent_year"),
    );
}

/// Breaks in the shifts, and pauses an occupancy cap makes out of idleness (MODEL.md §1.6,
/// [F18]), each lower fatigue and strain at the same call volume.
#[test]
fn breaks_and_an_occupancy_cap_lower_fatigue_and_strain_at_the_same_load() {
    let model = "\n[workforce]\nabsence = { per_shift = 0.0 }\nattrition = { annual = 0.0 }\n";
    let without = run(&scenario(&day_shift(450.0, "28d", "14d", 6, false, model)), 2);
    let with = run(&scenario(&day_shift(450.0, "28d", "14d", 6, true, model)), 2);
    clearly_above(
        "fatigue without breaks",
        group(&without, "fatigue"),
        group(&with, "fatigue"),
    );
    clearly_above(
        "strain without breaks",
        group(&without, "strain"),
        group(&with, "strain"),
    );
    let capped = day_shift(450.0, "28d", "14d", 6, false, model).replace(
        "shifts = [",
        "occupancy_cap = { max = 0.75, window = \"30m\", pause = \"3m\" }\nshifts = [",
    );
    let capped = run(&scenario(&capped), 2);
    clearly_above(
        "fatigue without a cap",
        group(&without, "fatigue"),
        group(&capped, "fatigue"),
    );
}

/// With strain switched off (relative risks 1), an agent not already absent is absent at the
/// start of a shift with probability p, for 1 + G days, G geometric with mean ℓ − 1: the
/// share of shifts lost is p·ℓ / (p·ℓ + 1 − p) — 5.88% at p = 0.04, ℓ = 1.5. Every employee
/// works every day here, so every day is a shift.
#[test]
fn absence_loses_the_share_of_shifts_renewal_arithmetic_gives() {
    let toml = r#"
[simulation]
horizon = "70d"
warmup = "14d"
interval = "1d"
seed = 5
replications = 24

[[contact_types]]
name = "calls"
arrivals = { rate = "30/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
shifts = [ { start = "08:00", length = "8h", agents = 50 } ]

[workforce]
absence = { per_shift = 0.04, rr_per_sd = 1.0, spell_rr_per_sd = 1.0, mean_spell = "1.5d" }
attrition = { annual = 0.0 }
"#;
    let (p, l) = (0.04, 1.5);
    let exact = p * l / (p * l + 1.0 - p);
    // Under either leave rule: absent agents hold their places until the shift ends.
    for rule in ["marked", "first_free"] {
        let toml = toml.replace("shifts = [", &format!("leave_rule = \"{rule}\"\nshifts = ["));
        let s = run(&scenario(&toml), 2);
        assert_near_exact(
            &format!("absence_rate, {rule}"),
            group(&s, "absence_rate"),
            1.0,
            exact,
            0.10,
        );
    }
}

/// With strain and tenure switched off and no notice, every employed agent quits on each
/// day's end with probability 1 − e^(−h), h = −ln(1 − 0.35) / 365, and its place stays
/// vacant until the replacement starts at the first day's end at least 63.4 days later (64
/// days). So quits per employed agent-year are 365·(1 − e^(−h)), and the share of places
/// vacant is 64 / (64 + 1 / (1 − e^(−h))).
#[test]
fn quits_and_vacancies_follow_the_annual_attrition_and_the_hiring_lead() {
    let toml = r#"
[simulation]
horizon = "1095d"
warmup = "365d"
interval = "30d"
seed = 9
replications = 8

[[contact_types]]
name = "calls"
arrivals = { rate = "10/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1000

[workforce]
absence = { per_shift = 0.0 }
attrition = { annual = 0.35, rr_per_sd = 1.0, new_hire = 1.0, notice = "0s" }
"#;
    let s = run(&scenario(toml), 2);
    let p = 1.0 - (-(-(1.0f64 - 0.35).ln() / 365.0)).exp();
    assert_near_exact(
        "quits_per_agent_year",
        group(&s, "quits_per_agent_year"),
        1.0,
        365.0 * p,
        0.10,
    );
    let vacant = 64.0 / (64.0 + 1.0 / p);
    assert_near_exact("vacant share", group(&s, "vacant_agents"), 1.0 / 1000.0, vacant, 0.10);
    assert!(group(&s, "hires").mean > 0.0 && group(&s, "new_hire_share").mean > 0.0);
}

/// New hires start at twice the handle time (the learning curve's m0 = 2), so a center that
/// loses and replaces agents fast handles slower than one that keeps them.
#[test]
fn new_hires_on_the_learning_curve_handle_slower_than_tenured_agents() {
    let keep = "\n[workforce]\nabsence = { per_shift = 0.0 }\nattrition = { annual = 0.0 }\n";
    let churn = "\n[workforce]\nabsence = { per_shift = 0.0 }\nattrition = { annual = 0.95, notice = \"0s\" }\nhiring = { requisition = \"1d\", training = \"0s\" }\n";
    let stable = run(&scenario(&day_shift(400.0, "56d", "14d", 6, true, keep)), 2);
    let churned = run(&scenario(&day_shift(400.0, "56d", "14d", 6, true, churn)), 2);
    assert!(group(&churned, "new_hire_share").mean > 0.1);
    clearly_above(
        "aht with churn",
        figure(&churned, ScopeKind::Type, "calls", "aht_s"),
        figure(&stable, ScopeKind::Type, "calls", "aht_s"),
    );
}

#[test]
fn each_week_reports_required_and_available_fte_and_their_gap() {
    let s = run(&scenario(&day_shift(475.0, "21d", "0s", 3, true, "\n[workforce]\n")), 2);
    for w in ["week 1", "week 2", "week 3"] {
        let required = figure(&s, ScopeKind::Week, w, "required_fte").mean;
        let available = figure(&s, ScopeKind::Week, w, "available_fte").mean;
        let gap = figure(&s, ScopeKind::Week, w, "fte_gap").mean;
        assert!((required - available - gap).abs() < 1e-9 * required, "{w}");
        // 50 agents on the phones 7.5 hours a day, 7 days: 2,625 agent-hours, 65.6 FTE; a
        // little more, as agents finish the call in hand at a break or the shift's end.
        assert!((65.6..69.0).contains(&required), "{w}: required {required}");
        assert!(gap > 0.0, "{w}: absence leaves a gap");
    }
}

#[test]
fn a_workforce_run_gives_the_same_bits_on_one_thread_and_on_two() {
    let mut sc = cxsim::scenario::load(std::path::Path::new("scenarios/burnout_relief.toml")).unwrap();
    sc.replications = 3;
    let one = run(&sc, 1);
    let two = run(&sc, 2);
    assert_eq!(super::support::bits(&one), super::support::bits(&two));
    assert!(group(&one, "fatigue").mean > 0.0 && group(&one, "paused").mean > 0.0);
}
