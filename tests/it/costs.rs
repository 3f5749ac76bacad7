//! Sites and money: a site's clock and opening hours shape its groups' staffing, its
//! multipliers act as proficiency, and every price — labour, each vendor pricing model, bands,
//! minimums, SLA clauses at and around their targets, telephony, self-service — adds up to
//! what a hand computation gives.

use super::support::{assert_figures_of_a_identical_in_b, bits, run, scenario, scenario_with_replay};
use cxsim::summary::{ScopeKind, Summary};

/// Five calls on one vendor agent, 24 hours in four 6-hour intervals: at 0 (100 s), 50 (10 s,
/// waits 50 s for the first to end), 1000, 2000 and 3000 (10 s each, no wait). Five contacts,
/// 140 handled seconds, 4 of 5 answered within 30 s; 24 paid hours.
fn vendor_run(contract: &str) -> Summary {
    let sc = scenario_with_replay(
        &format!(
            r#"
[simulation]
horizon = "24h"
interval = "6h"
replications = 1

[costs]
telephony_per_minute = 0.6

[[contact_types]]
name = "calls"
arrivals = {{ replay = "REPLAY" }}
handle_time = {{ dist = "constant", value = 60 }}
sl_threshold = "20s"

[[agent_groups]]
name = "v"
serves = ["calls"]
headcount = 1
site = "vendor"

[[sites]]
name = "vendor"
sourcing = "vendor"

[sites.contract]
{contract}
"#
        ),
        "time,handle_time\n0,100\n50,10\n1000,10\n2000,10\n3000,10\n",
    );
    run(&sc, 1)
}

/// Figure `name` of the vendor's site over the whole day.
fn site(s: &Summary, name: &str) -> f64 {
    s.scope(ScopeKind::Site, "vendor")
        .and_then(|c| c.get(name))
        .unwrap_or_else(|| panic!("no {name}"))
        .estimate
        .mean
}

fn center(s: &Summary, name: &str) -> f64 {
    s.scope(ScopeKind::Cost, "all")
        .and_then(|c| c.get(name))
        .unwrap_or_else(|| panic!("no {name}"))
        .estimate
        .mean
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn each_vendor_pricing_model_charges_what_a_hand_computation_gives() {
    let cases = [
        // 5 contacts at 5.
        (
            r#"per = "contact"
rate = 5.0"#,
            25.0,
        ),
        // Tiered: 3 at 5, then 2 at 4.
        (
            r#"per = "contact"
bands = [{ from = 0, rate = 5.0 }, { from = 3, rate = 4.0 }]
billing = "day""#,
            23.0,
        ),
        // All units: 5 contacts reach the band from 3, so all 5 at 4 …
        (
            r#"per = "contact"
bands = [{ from = 0, rate = 5.0 }, { from = 3, rate = 4.0 }]
band_pricing = "all_units"
billing = "day""#,
            20.0,
        ),
        // … and 5 do not reach a band from 6: all at 5.
        (
            r#"per = "contact"
bands = [{ from = 0, rate = 5.0 }, { from = 6, rate = 4.0 }]
band_pricing = "all_units"
billing = "day""#,
            25.0,
        ),
        // 140 handled seconds at 3 a minute.
        (
            r#"per = "handled_minute"
rate = 3.0"#,
            7.0,
        ),
        // 24 staffed hours at 10.
        (
            r#"per = "staffed_hour"
rate = 10.0"#,
            240.0,
        ),
        // A daily minimum of 100 over 25 of charges.
        (
            r#"per = "contact"
rate = 5.0
minimum = 100.0
billing = "day""#,
            100.0,
        ),
        // A minimum of 10 per 6-hour interval: 25 in the first, 10 in each of the other three.
        (
            r#"per = "contact"
rate = 5.0
minimum = 10.0
billing = "interval""#,
            55.0,
        ),
        // A 30-day month of which one day is simulated: the minimum of 3000 is pro-rated to 100.
        (
            r#"per = "contact"
rate = 5.0
minimum = 3000.0
billing = "month""#,
            100.0,
        ),
    ];
    for (contract, expected) in cases {
        let s = vendor_run(contract);
        let charged = site(&s, "vendor_cost");
        assert!(
            close(charged, expected),
            "{contract}: charged {charged}, expected {expected}"
        );
        assert!(
            close(center(&s, "vendor_cost"), expected),
            "{contract}: the center's vendor cost"
        );
        assert!(
            close(site(&s, "cost_per_contact"), expected / 5.0),
            "{contract}: per contact"
        );
    }
}

#[test]
fn a_charge_is_spread_over_its_period_by_the_units_each_interval_brought() {
    // All five contacts arrive in the first interval: the day's 23 is billed there. With a
    // minimum, the 25 of charges stay there and the top-up of 100 − 25 = 75 is spread evenly
    // over the day's four intervals.
    let s = vendor_run(
        r#"per = "contact"
bands = [{ from = 0, rate = 5.0 }, { from = 3, rate = 4.0 }]
billing = "day""#,
    );
    let scope = s.scope(ScopeKind::Site, "vendor").expect("site");
    let rows: Vec<f64> = (0..4)
        .map(|r| scope.interval(r, "vendor_cost").expect("row").mean)
        .collect();
    assert_eq!(rows, vec![23.0, 0.0, 0.0, 0.0]);
    let s = vendor_run(
        r#"per = "contact"
rate = 5.0
minimum = 100.0
billing = "day""#,
    );
    let scope = s.scope(ScopeKind::Site, "vendor").expect("site");
    let rows: Vec<f64> = (0..4)
        .map(|r| scope.interval(r, "vendor_cost").expect("row").mean)
        .collect();
    assert_eq!(rows, vec![43.75, 18.75, 18.75, 18.75]);
}

#[test]
fn an_sla_clause_settles_at_just_above_and_just_below_its_target() {
    // The day's service level is exactly 4/5 = 0.8 of offered within 30 s (and 4/5 of
    // answered). A clause whose target the level meets exactly pays its bonus; one whose
    // target is a hair above it costs its penalty; one a hair below pays its bonus. Distinct
    // amounts say which fired.
    let s = vendor_run(
        r#"per = "contact"
rate = 5.0

[[sites.contract.sla]]
within = "30s"
target = 0.8
penalty = 1.0
bonus = 1000.0

[[sites.contract.sla]]
within = "30s"
target = 0.800001
penalty = 10.0
bonus = 10000.0

[[sites.contract.sla]]
within = "30s"
target = 0.799999
penalty = 100.0
bonus = 100000.0
of = "answered""#,
    );
    assert!(close(site(&s, "sla_penalties"), 10.0), "{}", site(&s, "sla_penalties"));
    assert!(close(site(&s, "sla_bonuses"), 101_000.0), "{}", site(&s, "sla_bonuses"));
    // The center carries its vendors' clauses.
    assert!(close(center(&s, "sla_penalties"), 10.0));
    assert!(close(center(&s, "sla_bonuses"), 101_000.0));
    // Total: 25 charged, 101,000 in bonuses, 10 back in penalties.
    assert!(close(site(&s, "total_cost"), 25.0 + 101_000.0 - 10.0));
    // The clause's threshold joined the type's: 30 s is now reported beside 20 s.
    let calls = s.scope(ScopeKind::Type, "calls").expect("type");
    assert_eq!(calls.get("sl_offered_30s").expect("30 s").estimate.mean, 0.8);
}

#[test]
fn a_penalty_per_point_short_is_capped_and_spread_over_the_period() {
    // 0.8 against a target of 0.9: 10 points short, 50 + 10 × 20 = 250, capped at 200, spread
    // over the day's four intervals by measured time.
    let s = vendor_run(
        r#"per = "contact"
rate = 5.0

[[sites.contract.sla]]
within = "30s"
target = 0.9
penalty = 50.0
penalty_per_point = 20.0
max_penalty = 200.0"#,
    );
    assert!(close(site(&s, "sla_penalties"), 200.0), "{}", site(&s, "sla_penalties"));
    let scope = s.scope(ScopeKind::Site, "vendor").expect("site");
    for r in 0..4 {
        assert!(close(scope.interval(r, "sla_penalties").expect("row").mean, 50.0));
    }
    // Evaluated per interval instead: the first interval holds all five contacts and misses;
    // the other three have nothing to measure and settle nothing.
    let s = vendor_run(
        r#"per = "contact"
rate = 5.0

[[sites.contract.sla]]
within = "30s"
target = 0.9
penalty = 50.0
per = "interval""#,
    );
    assert!(close(site(&s, "sla_penalties"), 50.0), "{}", site(&s, "sla_penalties"));
}

#[test]
fn telephony_prices_every_voice_minute_waited_and_talked() {
    // 50 s waited and 140 s talked: 190 s at 0.6 a minute.
    let s = vendor_run(
        r#"per = "contact"
rate = 5.0"#,
    );
    assert!(
        close(center(&s, "telephony_cost"), 190.0 / 60.0 * 0.6),
        "{}",
        center(&s, "telephony_cost")
    );
    assert!(
        close(center(&s, "total_cost"), 25.0 + 1.9),
        "{}",
        center(&s, "total_cost")
    );
    assert!(close(center(&s, "paid_hours"), 24.0));
}

#[test]
fn a_site_clock_and_hours_decide_when_its_groups_are_on_the_phones_and_paid() {
    // The scenario runs on UTC. "istanbul" (UTC+3) opens 09:00-17:00 local: 06:00-14:00 here;
    // its shift from 10:00 local works 07:00-11:00. "manila" (UTC+8) opens 07:00-22:00 local:
    // 23:00 the day before to 14:00 here.
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "24h"
interval = "1h"
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = 0 }
handle_time = { dist = "exponential", mean = "4m" }

[[agent_groups]]
name = "day"
serves = ["calls"]
headcount = 4
site = "istanbul"

[[agent_groups]]
name = "shift"
serves = ["calls"]
site = "istanbul"
shifts = [{ start = "10:00", length = "4h", agents = 3 }]

[[agent_groups]]
name = "far"
serves = ["calls"]
headcount = 2
site = "manila"
hourly_cost = 9.0

[[sites]]
name = "istanbul"
utc_offset = 3
hourly_cost = 20.0
hours = { open = "09:00", close = "17:00" }

[[sites]]
name = "manila"
utc_offset = 8
hours = { open = "07:00", close = "22:00" }
"#,
        ),
        1,
    );
    let agents = |group: &str| -> Vec<f64> {
        let g = s.scope(ScopeKind::Group, group).expect("group");
        (0..24)
            .map(|r| g.interval(r, "mean_agents").expect("row").mean)
            .collect()
    };
    let open = |from: usize, to: usize, n: f64| -> Vec<f64> {
        (0..24).map(|h| if (from..to).contains(&h) { n } else { 0.0 }).collect()
    };
    assert_eq!(agents("day"), open(6, 14, 4.0));
    assert_eq!(agents("shift"), open(7, 11, 3.0));
    let far: Vec<f64> = (0..24).map(|h| if h < 14 || h == 23 { 2.0 } else { 0.0 }).collect();
    assert_eq!(agents("far"), far);
    // Paid hours: 32 + 12 at 20 an hour in Istanbul, 30 at the group's own 9 in Manila.
    let labour = |kind, name: &str| {
        s.scope(kind, name)
            .expect("scope")
            .get("labour_cost")
            .expect("labour")
            .estimate
            .mean
    };
    assert_eq!(labour(ScopeKind::Site, "istanbul"), 44.0 * 20.0);
    assert_eq!(labour(ScopeKind::Group, "shift"), 12.0 * 20.0);
    assert_eq!(labour(ScopeKind::Site, "manila"), 30.0 * 9.0);
    assert_eq!(labour(ScopeKind::Cost, "all"), 44.0 * 20.0 + 30.0 * 9.0);
}

/// `day_profile.toml` with `extra` appended and its group "generalists" given `group_extra`.
fn day_profile(group_extra: &str, extra: &str) -> cxsim::scenario::Scenario {
    let text = std::fs::read_to_string("scenarios/day_profile.toml").expect("scenario");
    let text = text.replace("replications = 40", "replications = 4").replace(
        "name = \"generalists\"\n",
        &format!("name = \"generalists\"\n{group_extra}\n"),
    );
    scenario(&format!("{text}\n{extra}"))
}

#[test]
fn prices_and_neutral_sites_leave_the_simulated_contacts_bit_identical() {
    let plain = run(&day_profile("", ""), 2);
    let neutral = run(&day_profile("site = \"here\"", "[[sites]]\nname = \"here\"\n"), 2);
    assert_eq!(bits(&plain), bits(&neutral));
    // Prices add cost scopes and a labour figure, and change nothing else.
    let priced = run(
        &day_profile(
            "site = \"here\"",
            "[costs]\ntelephony_per_minute = 0.01\n[[sites]]\nname = \"here\"\nhourly_cost = 30.0\n",
        ),
        2,
    );
    assert_figures_of_a_identical_in_b(&plain, &priced);
    assert!(priced.scope(ScopeKind::Cost, "all").is_some());
}

#[test]
fn a_site_multiplier_is_the_same_as_the_proficiency_of_its_groups() {
    let by_site = run(
        &day_profile("site = \"slow\"", "[[sites]]\nname = \"slow\"\nhandle_time = 1.3\n"),
        2,
    );
    let by_group = run(
        &day_profile(
            "proficiency = { billing = { handle_time = 1.3 }, tech = { handle_time = 1.3 } }",
            "",
        ),
        2,
    );
    assert_eq!(bits(&by_site), bits(&by_group));
    let plain = run(&day_profile("", ""), 2);
    let aht = |s: &Summary| {
        s.scope(ScopeKind::Type, "billing")
            .unwrap()
            .get("aht_s")
            .unwrap()
            .estimate
            .mean
    };
    assert!(
        aht(&by_site) > 1.2 * aht(&plain),
        "{} vs {}",
        aht(&by_site),
        aht(&plain)
    );
}

#[test]
fn self_service_is_priced_per_contact_it_serves_to_the_end() {
    let text = std::fs::read_to_string("scenarios/omnichannel_bank_bots.toml").expect("scenario");
    let text = text.replace("replications = 20", "replications = 3");
    let sc = scenario(&format!("{text}\n[costs]\nself_service_per_contact = 0.25\n"));
    let s = run(&sc, 2);
    let contained: f64 = s
        .scopes
        .iter()
        .filter(|c| c.kind == ScopeKind::Type)
        .filter_map(|c| c.get("contained"))
        .map(|m| m.estimate.mean)
        .sum();
    assert!(contained > 100.0, "{contained}");
    let cost = center(&s, "self_service_cost");
    assert!(close(cost, 0.25 * contained), "{cost} vs {}", 0.25 * contained);
}

#[test]
fn a_site_csat_multiplier_multiplies_the_odds_that_its_customers_are_satisfied() {
    // Ample agents: nobody waits, every journey is one resolved contact, its latent score
    // 1.73; handled at a site with csat = 0.5, the odds of satisfaction halve exactly.
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "2h"
replications = 2

[csat]

[[contact_types]]
name = "calls"
arrivals = { rate = "120/h" }
handle_time = { dist = "exponential", mean = "3m" }

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 200
site = "far"

[[sites]]
name = "far"
csat = 0.5
"#,
        ),
        1,
    );
    let csat = s
        .scope(ScopeKind::Type, "calls")
        .unwrap()
        .get("csat")
        .unwrap()
        .estimate
        .mean;
    let odds = 0.5 * 1.73f64.exp();
    assert!(close(csat, odds / (1.0 + odds)), "{csat} vs {}", odds / (1.0 + odds));
}
