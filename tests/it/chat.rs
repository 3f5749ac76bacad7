//! Chat: agents holding several sessions at once, each session's work draining slower as the
//! agent's concurrency rises (limited processor sharing) — reduced to voice, compared with
//! M/M/(n·k), and traced where the sharing can be worked out by hand.

use super::support::{assert_near_exact, bits, run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;

const QUEUE: &str = r#"
[simulation]
horizon = "50h"
warmup = "1h"
seed = 21
replications = 40

[[contact_types]]
name = "web"
CHANNEL
arrivals = { rate = "RATE" }
handle_time = { dist = "exponential", mean = "8m" }

[[agent_groups]]
name = "a"
serves = ["web"]
headcount = 6
GROUP
"#;

fn queue(channel: &str, rate: &str, group: &str) -> String {
    QUEUE
        .replace("CHANNEL", channel)
        .replace("RATE", rate)
        .replace("GROUP", group)
}

#[test]
fn chat_with_one_session_and_no_slowdown_is_voice_bit_for_bit() {
    let voice = run(&scenario(&queue("", "40/h", "")), 2);
    let chat = run(
        &scenario(&queue("channel = \"chat\"", "40/h", "sessions = 1\nslowdown = 0.3")),
        2,
    );
    assert_eq!(bits(&voice), bits(&chat));
}

#[test]
fn a_pool_of_k_sessions_without_slowdown_matches_erlang_c_with_n_times_k_servers() {
    // 6 agents × 3 sessions = 18 servers; 120/h × 8 min = 16 Erlangs, ρ = 0.889.
    let s = run(
        &scenario(&queue("channel = \"chat\"", "120/h", "sessions = 3\nslowdown = 0")),
        2,
    );
    let exact = cxsim::erlang::erlang_c(18, 120.0 / 3600.0, 480.0).expect("stable");
    let t = s.scope(ScopeKind::Type, "web").unwrap();
    assert_near_exact("p_wait", t.get("p_wait").unwrap().estimate, 1.0, exact.p_wait, 0.10);
    assert_near_exact("asa_all_s", t.get("asa_all_s").unwrap().estimate, 1.0, exact.asa, 0.25);
    // Occupancy counts sessions; mean_agents counts agents, not session slots.
    let g = s.scope(ScopeKind::Group, "a").unwrap();
    assert_near_exact(
        "occupancy",
        g.get("occupancy").unwrap().estimate,
        1.0,
        exact.occupancy,
        0.03,
    );
    assert!((g.get("mean_agents").unwrap().estimate.mean - 6.0).abs() < 1e-9);
}

/// Service ends: (time, journey).
#[derive(Default)]
struct Ends(Vec<(f64, u64)>);

impl Observer for Ends {
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId) {
        self.0.push((now, c.journey));
    }
}

/// One agent holding two chat sessions at α = 0.5; chats of 60 s of work arrive at 0.001, 30
/// and 200 s (replayed). `ty` and `group` add lines to the type and the group.
fn three_chats_on_one_agent(ty: &str, group: &str) -> cxsim::scenario::Scenario {
    // A folder of its own for each call: tests calling this run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cxsim-chat-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chats.csv");
    std::fs::write(&file, "time\n0.001\n30\n200\n").unwrap();
    let toml = format!(
        r#"
[simulation]
horizon = "10m"
replications = 1
[[contact_types]]
name = "web"
channel = "chat"
arrivals = {{ replay = "{}" }}
handle_time = {{ dist = "constant", value = "60s" }}
{ty}
[[agent_groups]]
name = "a"
serves = ["web"]
headcount = 1
sessions = 2
slowdown = 0.5
{group}
"#,
        file.display()
    );
    let sc = scenario(&toml);
    let _ = std::fs::remove_dir_all(dir);
    sc
}

#[test]
fn sessions_share_their_agent_at_the_pace_of_its_concurrency_worked_by_hand() {
    // One agent, two sessions, α = 0.5; chats of 60 s of work arrive at 0.001, 30 and 200 s.
    // 0.001–30: one session (pace 1): the first has 30.001 s of work left.
    // From 30: two sessions (pace 1.5): the first ends at 30 + 1.5 × 30.001 = 75.0015, when
    // the second has done 30.001 s; alone, it finishes its last 29.999 s at 105.0005.
    // The third, alone, ends at 260.
    let sc = three_chats_on_one_agent("", "");
    let mut engine = Engine::with(&sc, Policy::default(), Ends::default());
    engine.run(0);
    let ends = &engine.observer().0;
    let want = [(75.0015, 0), (105.0005, 1), (260.0, 2)];
    assert_eq!(ends.len(), 3, "{ends:?}");
    for ((t, j), (wt, wj)) in ends.iter().zip(want) {
        assert_eq!(*j, wj);
        assert!((t - wt).abs() < 1e-6, "journey {j} ended at {t}, not {wt}");
    }
}

/// Answers: (time, journey).
#[derive(Default)]
struct Answers(Vec<(f64, u64)>, u32);

impl Observer for Answers {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        self.0.push((now, c.journey));
    }
    fn on_silent(&mut self, _now: f64, _c: &ContactInfo) {
        self.1 += 1;
    }
}

#[test]
fn a_silently_abandoned_chat_holds_the_agent_for_its_timeout_when_taken() {
    // One agent, one session; chats of 600 s arrive at 0.001, 10, 20 and 800 s and wait 60 s.
    // The second and third leave silently at 70 and 80 s but stay queued: the agent, free at
    // 600.001, holds each for the 120 s timeout (to 720.001, then 840.001) before the fourth,
    // which has waited 40.001 s, is answered.
    let dir = std::env::temp_dir().join(format!("cxsim-silent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("chats.csv");
    std::fs::write(&file, "time\n0.001\n10\n20\n800\n").unwrap();
    let toml = format!(
        r#"
[simulation]
horizon = "1h"
replications = 1
[[contact_types]]
name = "web"
channel = "chat"
arrivals = {{ replay = "{}" }}
handle_time = {{ dist = "constant", value = "600s" }}
patience = {{ dist = "constant", value = "60s" }}
silent_abandon = {{ probability = 1, timeout = "2m" }}
[[agent_groups]]
name = "a"
serves = ["web"]
headcount = 1
"#,
        file.display()
    );
    let sc = scenario(&toml);
    let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
    engine.run(0);
    let Answers(answers, silent) = std::mem::take(engine.observer_mut());
    assert_eq!(silent, 2);
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].1, 0);
    assert_eq!(answers[1].1, 3);
    assert!((answers[1].0 - 840.001).abs() < 1e-9, "{answers:?}");
    // In the summary: both counted abandoned, both silent, nobody left in the system.
    let s = run(&sc, 1);
    let t = s.scope(ScopeKind::Type, "web").unwrap();
    let get = |n: &str| t.get(n).unwrap().estimate.mean;
    assert_eq!(
        (get("abandoned"), get("silent_abandoned"), get("p_silent")),
        (2.0, 2.0, 1.0)
    );
    assert_eq!(get("in_system_at_end"), 0.0);
    let _ = std::fs::remove_dir_all(dir);
}

/// Every session's answer and end, by slot, and each journey's resolution.
#[derive(Default)]
struct Sessions {
    /// (slot, start, end, journey) of each ended session.
    done: Vec<(u32, f64, f64, u64)>,
    open: std::collections::HashMap<u32, (f64, u64)>,
    resolved: std::collections::HashSet<u64>,
}

impl Observer for Sessions {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, a: AgentId, _g: GroupId, _h: f64) {
        self.open.insert(a.0, (now, c.journey));
    }
    fn on_service_end(&mut self, now: f64, _c: &ContactInfo, a: AgentId, _g: GroupId) {
        let (start, journey) = self.open.remove(&a.0).expect("an end without an answer");
        self.done.push((a.0, start, now, journey));
    }
    fn on_journey_end(&mut self, _now: f64, j: &cxsim::stats::JourneyEnd) {
        if j.outcome == cxsim::stats::JourneyOutcome::Resolved {
            self.resolved.insert(j.journey);
        }
    }
}

#[test]
fn chat_resolution_falls_with_the_time_averaged_concurrency_of_each_session() {
    // 4 agents × 3 sessions, α = 0.12, δ_c = 0.3, P(resolve) = 0.9. Each session's c̄ is
    // worked out here from the answers and ends of its agent's three slots alone, so the
    // expected number resolved, Σ 0.9·(1 − 0.3·(c̄ − 1)), does not rely on the engine's
    // bookkeeping; the count resolved must match it within 4 binomial SE.
    let sc = scenario(
        r#"
[simulation]
horizon = "40h"
seed = 8
replications = 1
[[contact_types]]
name = "web"
channel = "chat"
arrivals = { rate = "80/h" }
handle_time = { dist = "exponential", mean = "6m" }
resolution = { probability = 0.9 }
[[agent_groups]]
name = "a"
serves = ["web"]
headcount = 4
sessions = 3
slowdown = 0.12
fcr_loss = 0.3
"#,
    );
    let mut engine = Engine::with(&sc, Policy::default(), Sessions::default());
    engine.run(0);
    let obs = engine.observer();
    // Each agent's concurrency as a step function: +1 at an answer, −1 at an end.
    let mut steps: Vec<Vec<(f64, i32)>> = vec![Vec::new(); 4];
    for &(slot, start, end, _) in &obs.done {
        steps[(slot / 3) as usize].push((start, 1));
        steps[(slot / 3) as usize].push((end, -1));
    }
    for s in &mut steps {
        // At a tie an end comes before an answer: a slot freed is taken at the same instant.
        s.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let mean_concurrency = |agent: usize, from: f64, to: f64| -> f64 {
        let (mut c, mut area, mut t) = (0i32, 0.0, from);
        for &(at, d) in &steps[agent] {
            if at > from && at < to {
                area += f64::from(c) * (at - t);
                t = at;
            }
            if at <= from || at < to {
                c += d;
            }
            if at >= to {
                break;
            }
        }
        (area + f64::from(c) * (to - t)) / (to - from)
    };
    let (mut expected, mut var, mut resolved, mut shared) = (0.0, 0.0, 0.0, 0.0);
    for &(slot, start, end, journey) in &obs.done {
        let cbar = mean_concurrency((slot / 3) as usize, start, end);
        assert!((1.0 - 1e-9..=3.0 + 1e-9).contains(&cbar), "c̄ = {cbar}");
        let q = 0.9 * (1.0 - 0.3 * (cbar - 1.0));
        expected += q;
        var += q * (1.0 - q);
        shared += cbar - 1.0;
        resolved += f64::from(u8::from(obs.resolved.contains(&journey)));
    }
    let n = obs.done.len() as f64;
    assert!(n > 2500.0, "{n} sessions");
    // The loss is real: the sessions shared their agent a good part of the time.
    assert!(shared / n > 0.5, "mean c̄ − 1 = {}", shared / n);
    let z = (resolved - expected) / var.sqrt();
    assert!(z.abs() < 4.0, "resolved {resolved}, expected {expected:.1}, z = {z:.2}");
    // Without the loss the count would sit far away: the test tells the two apart.
    let without = 0.9 * n;
    assert!((without - expected) / var.sqrt() > 20.0);
}

/// Resolved journeys counted by journey id over replications.
#[derive(Default)]
struct ResolvedById([u32; 3]);

impl Observer for ResolvedById {
    fn on_journey_end(&mut self, _now: f64, j: &cxsim::stats::JourneyEnd) {
        if j.outcome == cxsim::stats::JourneyOutcome::Resolved {
            self.0[j.journey as usize] += 1;
        }
    }
}

#[test]
fn a_session_resolves_by_its_time_averaged_concurrency_worked_by_hand() {
    // The three chats of the hand-worked trace above, with P(resolve) = 1 and δ_c = 1.
    // The first session runs alone for 30.001 s and shared for 45.0005 s: c̄ = 1.6, so it
    // resolves with 1 − (1.6 − 1) = 0.4 — not 0 as its concurrency at its end (2) would
    // give. The second is shared then alone, c̄ = 1.6 too (not 1). The third, alone, always
    // resolves. Over 2,000 replications a share 4 SE (0.044) off 0.4 fails.
    let sc = three_chats_on_one_agent("resolution = { probability = 1.0 }", "fcr_loss = 1.0");
    let mut engine = Engine::with(&sc, Policy::default(), ResolvedById::default());
    let n = 2000;
    for r in 0..n {
        engine.run(r);
    }
    let counts = engine.observer().0;
    let cbar = |alone: f64, shared: f64| (alone + 2.0 * shared) / (alone + shared);
    let first = 1.0 - (cbar(30.001, 45.0005) - 1.0);
    let second = 1.0 - (cbar(29.999, 45.0005) - 1.0);
    for (j, q) in [(0, first), (1, second)] {
        let share = f64::from(counts[j]) / f64::from(n);
        let se = (q * (1.0 - q) / f64::from(n)).sqrt();
        assert!(
            ((share - q) / se).abs() < 4.0,
            "journey {j} resolved {share}, expected {q:.4}"
        );
    }
    assert_eq!(counts[2], n, "a chat handled alone always resolves");
}

/// Answers: (time, slot).
#[derive(Default)]
struct Slots(Vec<(f64, u32)>);

impl Observer for Slots {
    fn on_answer(&mut self, now: f64, _c: &ContactInfo, a: AgentId, _g: GroupId, _h: f64) {
        self.0.push((now, a.0));
    }
}

#[test]
fn a_new_chat_goes_to_the_agent_holding_the_fewest_sessions() {
    // Two agents × two sessions (slots 0–1 and 2–3), all idle since 0 — slots 0 and 1, of
    // the same agent, idle longest. Chats at 0.001, 30 and 200 s: the second goes to the free
    // agent (slot 2), not to the busy agent's second slot; the third, when everyone is free
    // again, to the slot idle longest of an agent with no chat.
    let mut sc = three_chats_on_one_agent("", "");
    sc.agent_groups[0].headcount = vec![2; sc.agent_groups[0].headcount.len()];
    sc.agent_groups[0].max_headcount = 2;
    let mut engine = Engine::with(&sc, Policy::default(), Slots::default());
    engine.run(0);
    let slots: Vec<u32> = engine.observer().0.iter().map(|(_, s)| *s).collect();
    assert_eq!(slots[..2], [0, 2], "{:?}", engine.observer().0);
    assert_eq!(engine.observer().0.len(), 3);
}
