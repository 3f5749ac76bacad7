//! Demand beyond a fixed rate profile: day-to-day busyness, a gamma factor on every rate of a
//! day (or of a replication), checked against the negative-binomial law it implies.

use super::support::scenario;
use cxsim::sweep::run_replication;

/// Arrivals of type `ty` in each day of each replication.
fn daily_counts(toml: &str, ty: usize, reps: u32) -> Vec<[f64; 2]> {
    let sc = scenario(toml);
    (0..reps)
        .map(|r| {
            let out = run_replication(&sc, r);
            let cells = out.type_intervals(ty);
            let day = |d: usize| {
                cells[24 * d..24 * (d + 1)]
                    .iter()
                    .map(|c| c.offered as f64)
                    .sum::<f64>()
            };
            [day(0), day(1)]
        })
        .collect()
}

fn two_days(busyness: &str, second_busyness: &str) -> String {
    format!(
        r#"
[simulation]
horizon = "48h"
interval = "1h"
[[contact_types]]
name = "calls"
arrivals = {{ rate = "100/h" }}
handle_time = {{ dist = "exponential", mean = "1m" }}
{busyness}
[[contact_types]]
name = "chats"
arrivals = {{ rate = "50/h" }}
handle_time = {{ dist = "exponential", mean = "1m" }}
{second_busyness}
[[agent_groups]]
name = "agents"
serves = ["calls", "chats"]
headcount = 20
"#
    )
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (m, xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0))
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let ((ma, va), (mb, vb)) = (mean_var(a), mean_var(b));
    let cov = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() as f64 - 1.0);
    cov / (va * vb).sqrt()
}

#[test]
fn a_daily_busyness_factor_gives_negative_binomial_daily_counts() {
    let reps = 2000;
    let counts = daily_counts(&two_days(r#"busyness = { shape = 10 }"#, ""), 0, reps);
    let days: Vec<f64> = counts.iter().flatten().copied().collect();
    let (mean, var) = mean_var(&days);
    let mu = 2400.0;
    let exact_var = mu + mu * mu / 10.0;
    // SE of the mean: sqrt(var / n); of the variance: var·sqrt((2 + excess kurtosis) / n),
    // the factor's excess kurtosis being 6/k. 4 SE: 1.3% of the mean, 9.6% of the variance.
    let n = days.len() as f64;
    let se_mean = (exact_var / n).sqrt();
    let se_var = exact_var * ((2.0 + 0.6) / n).sqrt();
    assert!((mean - mu).abs() < 4.0 * se_mean, "mean {mean} vs {mu}");
    assert!((var - exact_var).abs() < 4.0 * se_var, "variance {var} vs {exact_var}");
    // Days are independent.
    let (d1, d2): (Vec<f64>, Vec<f64>) = counts.iter().map(|c| (c[0], c[1])).unzip();
    assert!(correlation(&d1, &d2).abs() < 4.0 / (reps as f64).sqrt());
    // Without busyness the counts are Poisson: variance = mean.
    let plain: Vec<f64> = daily_counts(&two_days("", ""), 0, 400)
        .iter()
        .flatten()
        .copied()
        .collect();
    let (m, v) = mean_var(&plain);
    assert!(
        (v / m - 1.0).abs() < 4.0 * (2.0 / plain.len() as f64).sqrt(),
        "{v} vs {m}"
    );
}

#[test]
fn a_factor_per_replication_or_shared_between_types_moves_counts_together() {
    let reps = 300;
    let bound = 4.0 / (reps as f64).sqrt();
    // One factor for the whole run: both days move together (correlation μ²/k / var ≈ 0.996).
    let per_run = daily_counts(
        &two_days(r#"busyness = { shape = 10, per = "replication" }"#, ""),
        0,
        reps,
    );
    let (d1, d2): (Vec<f64>, Vec<f64>) = per_run.iter().map(|c| (c[0], c[1])).unzip();
    assert!(correlation(&d1, &d2) > 0.98);
    // Two types sharing a factor per day move together; with factors of their own they do not.
    let shared = r#"busyness = { shape = 10, shared = "market" }"#;
    let together = two_days(shared, shared);
    let calls: Vec<f64> = daily_counts(&together, 0, reps).iter().map(|c| c[0]).collect();
    let chats: Vec<f64> = daily_counts(&together, 1, reps).iter().map(|c| c[0]).collect();
    assert!(correlation(&calls, &chats) > 0.9);
    let apart = two_days(r#"busyness = { shape = 10 }"#, r#"busyness = { shape = 10 }"#);
    let calls: Vec<f64> = daily_counts(&apart, 0, reps).iter().map(|c| c[0]).collect();
    let chats: Vec<f64> = daily_counts(&apart, 1, reps).iter().map(|c| c[0]).collect();
    assert!(correlation(&calls, &chats).abs() < bound);
}

/// One type on `agents` agents: with `limit` given as lines or as a waiting room.
fn limited(limit: &str) -> String {
    format!(
        r#"
[simulation]
horizon = "12h"
warmup = "1h"
interval = "1h"
replications = 6
[[contact_types]]
name = "calls"
arrivals = {{ rate = "330/h" }}
handle_time = {{ dist = "exponential", mean = "3m" }}
patience = {{ dist = "exponential", mean = "4m" }}
{limit}
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 15
"#
    )
}

#[test]
fn lines_for_k_contacts_block_exactly_like_a_waiting_room_of_k_minus_the_agents() {
    // An arrival finding n in the system is blocked when n >= K either way: with lines because
    // all K are held, with a waiting room of K - 15 because the agents are busy and the room
    // is full. Same draws, same events: the same bits.
    let room = super::support::run(&scenario(&limited("queue_capacity = 5")), 2);
    let lines = super::support::run(
        &scenario(&(limited("") + "[[lines]]\nname = \"trunk\"\ncapacity = 20\n")),
        2,
    );
    let blocked = room
        .scope(cxsim::summary::ScopeKind::Type, "calls")
        .unwrap()
        .get("blocked")
        .unwrap();
    assert!(blocked.estimate.mean > 10.0, "the limit binds");
    assert_eq!(super::support::bits(&room), super::support::bits(&lines));
}

/// Contacts of any type in the system, by observing the engine.
#[derive(Default)]
struct InSystem {
    now: i64,
    peak: i64,
    blocked: u64,
}

impl cxsim::stats::Observer for InSystem {
    fn on_arrival(&mut self, _: f64, _: &cxsim::stats::ContactInfo) {
        self.now += 1;
        self.peak = self.peak.max(self.now);
    }
    fn on_blocked(&mut self, _: f64, _: &cxsim::stats::ContactInfo) {
        self.now -= 1;
        self.blocked += 1;
    }
    fn on_abandon(&mut self, _: f64, _: &cxsim::stats::ContactInfo) {
        self.now -= 1;
    }
    fn on_service_end(
        &mut self,
        _: f64,
        _: &cxsim::stats::ContactInfo,
        _: cxsim::engine::event::AgentId,
        _: cxsim::scenario::GroupId,
    ) {
        self.now -= 1;
    }
}

#[test]
fn lines_shared_by_two_types_are_never_overbooked() {
    let sc = scenario(
        r#"
[simulation]
horizon = "8h"
[[contact_types]]
name = "calls"
arrivals = { rate = "200/h" }
handle_time = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "3m" }
[[contact_types]]
name = "callbacks"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "10m" }
[[agent_groups]]
name = "agents"
serves = ["calls", "callbacks"]
headcount = 12
[[lines]]
name = "trunk"
capacity = 18
types = ["calls", "callbacks"]
"#,
    );
    let mut engine = cxsim::engine::Engine::with(&sc, cxsim::routing::Policy::default(), InSystem::default());
    engine.run(0);
    let seen = engine.observer();
    assert_eq!(
        seen.peak,
        18 + 1,
        "an arrival that finds 18 lines taken is the 19th, and blocked"
    );
    assert!(seen.blocked > 20, "{}", seen.blocked);
}

#[test]
fn a_shock_multiplies_each_intervals_rate_by_its_average_over_the_interval() {
    let sc = scenario(
        r#"
[simulation]
horizon = "10h"
interval = "1h"
replications = 400
[[contact_types]]
name = "calls"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "1m" }
[[contact_types]]
name = "mail"
arrivals = { rate = "10/h" }
handle_time = { dist = "exponential", mean = "1m" }
[[agent_groups]]
name = "agents"
serves = ["calls", "mail"]
headcount = 20
[[shocks]]
name = "billing run"
types = ["calls"]
start = "2h30m"
duration = "3h"
ramp = "1h"
decay = "1h"
factor = 3.0
"#,
    );
    // The multiplier rises from 1 to 3 over 2:30–3:30, holds to 5:30, falls back by 6:30; its
    // hourly averages, worked out by hand.
    let expected = [1.0, 1.0, 1.25, 2.75, 3.0, 2.75, 1.25, 1.0, 1.0, 1.0];
    for (i, m) in expected.iter().enumerate() {
        assert!(
            (sc.contact_types[0].arrival_rates[i] * 3600.0 - 60.0 * m).abs() < 1e-9,
            "interval {i}"
        );
        assert!(
            (sc.contact_types[1].arrival_rates[i] * 3600.0 - 10.0).abs() < 1e-9,
            "mail untouched"
        );
    }
    // And the simulated counts follow (Poisson: SE of the mean count sqrt(μ/400)).
    let s = super::support::run(&sc, 2);
    let calls = s.scope(cxsim::summary::ScopeKind::Type, "calls").unwrap();
    for (i, m) in expected.iter().enumerate() {
        let mu = 60.0 * m;
        let got = calls.interval(i, "offered").unwrap().mean;
        assert!(
            (got - mu).abs() < 4.0 * (mu / 400.0).sqrt(),
            "interval {i}: {got} vs {mu}"
        );
    }
}

/// A week from a Wednesday, hourly: a daily volume spread by a 24-hour profile and scaled by
/// each weekday's factor.
const A_WEEK: &str = r#"
[simulation]
horizon = "7d"
interval = "1h"
first_day = "wed"
replications = 40
seed = 4
[[contact_types]]
name = "calls"
handle_time = { dist = "exponential", mean = "1m" }
[contact_types.arrivals]
daily = 2400
profile = [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 2, 2, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0]
weekly = [1.2, 1.0, 1.0, 0.9, 1.1, 0.5, 0.0]
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 60
"#;

#[test]
fn a_daily_volume_follows_its_profile_and_the_weekday_factors_from_the_first_day() {
    let sc = scenario(A_WEEK);
    let profile = [
        0., 0., 0., 0., 0., 0., 0., 1., 2., 3., 3., 3., 2., 2., 3., 3., 2., 2., 1., 1., 0., 0., 0., 0.,
    ];
    let total: f64 = profile.iter().sum();
    // Wednesday first: Wed, Thu, Fri, Sat, Sun, Mon, Tue.
    let factors = [1.0, 0.9, 1.1, 0.5, 0.0, 1.2, 1.0];
    let rates = &sc.contact_types[0].arrival_rates;
    assert_eq!(rates.len(), 7 * 24);
    for (i, r) in rates.iter().enumerate() {
        let expected = 2400.0 * factors[i / 24] * profile[i % 24] / total / 3600.0;
        assert!(
            (r - expected).abs() <= 1e-15 * expected.max(1.0),
            "interval {i}: {r} vs {expected}"
        );
    }
    // Simulated daily counts: each day's mean within 4 standard errors of 2400 × its factor.
    let reps = sc.replications;
    for (d, factor) in factors.iter().enumerate() {
        let counts: Vec<f64> = (0..reps)
            .map(|r| {
                let out = run_replication(&sc, r);
                out.type_intervals(0)[24 * d..24 * (d + 1)]
                    .iter()
                    .map(|c| c.offered as f64)
                    .sum()
            })
            .collect();
        let (mean, _) = mean_var(&counts);
        let expected = 2400.0 * factor;
        let se = (expected / f64::from(reps)).sqrt();
        if expected == 0.0 {
            assert_eq!(mean, 0.0, "day {d}");
        } else {
            assert!((mean - expected).abs() < 4.0 * se, "day {d}: {mean} vs {expected}");
        }
    }
}
