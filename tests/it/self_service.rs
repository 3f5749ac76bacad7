//! The self-service graph: IVR menus, authentication, intent capture with misroutes, and bots
//! — branch frequencies against their probabilities, journeys traced event by event, and
//! every contact and journey accounted for.

use super::support::{assert_near_exact, run, run_with_replications, scenario, type_counts};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, JourneyEnd, Observer, SelfServiceEnd};
use cxsim::summary::ScopeKind;
use std::collections::BTreeMap;

/// A bank's phone line: a welcome menu (5% hang up), authentication (10% fail and go to the
/// cards queue), intent capture (60% to a card bot, 40% to loans), and a card bot that
/// contains 30% and hands the rest to the cards queue without context. Constant times in the
/// menus, so the mean time in the graph is exact.
const BANK: &str = r#"
[simulation]
horizon = "8h"
seed = 3
replications = 40

[[contact_types]]
name = "phone"
arrivals = { rate = "300/h" }
ivr = "welcome"

[[contact_types]]
name = "cards"
arrivals = { rate = 0 }
handle_time = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "3m" }

[[contact_types]]
name = "loans"
arrivals = { rate = 0 }
handle_time = { dist = "exponential", mean = "6m" }
patience = { dist = "exponential", mean = "3m" }

[[ivr]]
name = "welcome"
kind = "menu"
duration = { dist = "constant", value = "20s" }
branches = { auth = 0.95, hangup = 0.05 }

[[ivr]]
name = "auth"
kind = "auth"
duration = { dist = "constant", value = "30s" }
failure = 0.1
on_failure = "cards"
next = "intent"

[[ivr]]
name = "intent"
kind = "intent"
branches = { bot = 0.6, loans = 0.4 }

[[ivr]]
name = "bot"
kind = "bot"
duration = { dist = "exponential", mean = "2m" }
containment = 0.3
false_containment = 0
context = false
next = "cards"

[[agent_groups]]
name = "a"
serves = ["cards", "loans"]
headcount = 20
"#;

#[test]
fn ivr_branch_frequencies_and_time_in_the_graph_match_their_probabilities() {
    let s = run(&scenario(BANK), 2);
    let phone = s.scope(ScopeKind::Type, "phone").expect("phone");
    let e = |n: &str| phone.get(n).unwrap_or_else(|| panic!("{n}")).estimate;
    // Exact shares of the contacts leaving the graph, from the branch probabilities.
    let contained: f64 = 0.95 * 0.9 * 0.6 * 0.3;
    let to_cards = 0.95 * (0.1 + 0.9 * 0.6 * 0.7);
    let to_loans = 0.95 * 0.9 * 0.4;
    assert!((contained + 0.05 + to_cards + to_loans - 1.0).abs() < 1e-12);
    assert_near_exact("p_contained", e("p_contained"), 1.0, contained, 0.04);
    assert_near_exact("p_ivr_hangup", e("p_ivr_hangup"), 1.0, 0.05, 0.10);
    let routed = e("routed");
    let left = e("contained").mean + e("ivr_hangups").mean + routed.mean;
    assert_near_exact("routed share", routed, 1.0 / left, to_cards + to_loans, 0.02);
    // 20 s, then 30 s for those past the menu, then a 2-minute bot for 60% of the authenticated.
    let mean_ivr = 20.0 + 0.95 * (30.0 + 0.9 * 0.6 * 120.0);
    assert_near_exact("mean_ivr_s", e("mean_ivr_s"), 1.0, mean_ivr, 0.015);
    // The routed contacts arrive at their queues in the same proportions.
    let offered = |t: &str| s.scope(ScopeKind::Type, t).unwrap().get("offered").unwrap().estimate;
    assert_near_exact(
        "cards share",
        offered("cards"),
        1.0 / routed.mean,
        to_cards / (to_cards + to_loans),
        0.03,
    );
    assert_near_exact(
        "loans share",
        offered("loans"),
        1.0 / routed.mean,
        to_loans / (to_cards + to_loans),
        0.04,
    );
}

/// Per replication, every contact that entered the graph left it (contained, hung up,
/// routed) or was still in it at the end; every journey started ends once; every routed or
/// transferred contact arrives at a queue.
#[test]
fn every_contact_in_the_graph_and_every_journey_is_accounted_for() {
    // With a false containment (the customer comes back through the graph), misroutes and
    // transfers, and retries after a hang-up in the menu.
    let toml = BANK
        .replace("replications = 40", "replications = 6")
        .replace(
            "false_containment = 0",
            "false_containment = 0.4\nrecontact_delay = { dist = \"exponential\", mean = \"1h\" }",
        )
        .replace(
            "branches = { bot = 0.6, loans = 0.4 }",
            "branches = { bot = 0.5, cards = 0.1, loans = 0.4 }\nmisroute = 0.2",
        )
        .replace(
            "ivr = \"welcome\"",
            "ivr = \"welcome\"\nretrial = { probability = 0.5, delay = { dist = \"exponential\", mean = \"10m\" } }",
        );
    let sc = scenario(&toml);
    let (_, replications) = run_with_replications(&sc, 2);
    let counts = type_counts(&replications);
    assert_eq!(counts.keys().map(|k| k.0).max(), Some(5));
    let mut checked = 0;
    for r in 0..6 {
        let get = |t: &str, m: &str| counts.get(&(r, t.to_string(), m.to_string())).copied().unwrap_or(0.0);
        let phone_left = get("phone", "contained") + get("phone", "ivr_hangups") + get("phone", "routed");
        assert_eq!(
            get("phone", "offered"),
            phone_left + get("phone", "in_system_at_end"),
            "replication {r}: every contact entering the graph leaves it or is still there"
        );
        // Arrivals at the queues: routed from the graph, or transferred from a wrong queue.
        let queue_offered = get("cards", "offered") + get("loans", "offered");
        let transferred = get("cards", "transferred") + get("loans", "transferred");
        assert_eq!(queue_offered, get("phone", "routed") + transferred, "replication {r}");
        assert!(transferred > 0.0 && get("phone", "repeats") > 0.0 && get("phone", "retrials") > 0.0);
        let journeys = get("phone", "offered") - get("phone", "retrials") - get("phone", "repeats");
        assert_eq!(
            get("phone", "journeys"),
            journeys,
            "replication {r}: each journey ends once"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// Every event of every journey as text, with the journey's end.
#[derive(Default)]
struct Trace {
    lines: BTreeMap<u64, Vec<String>>,
    ends: BTreeMap<u64, JourneyEnd>,
    answers: Vec<(u16, f64)>,
}

impl Trace {
    fn push(&mut self, journey: u64, line: String) {
        self.lines.entry(journey).or_default().push(line);
    }
}

impl Observer for Trace {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        let how = if c.routed { "routed to" } else { "arrives at" };
        self.push(c.journey, format!("{now:8.1} {how} type {}", c.ty.0));
    }
    fn on_self_service(&mut self, now: f64, c: &ContactInfo, end: SelfServiceEnd) {
        self.push(c.journey, format!("{now:8.1} leaves the graph: {end:?}"));
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, handle: f64) {
        self.answers.push((c.ty.0, handle));
        self.push(c.journey, format!("{now:8.1} answered, handle {handle:.1}s"));
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.push(c.journey, format!("{now:8.1} abandons"));
    }
    fn on_transferred(&mut self, now: f64, c: &ContactInfo) {
        self.push(c.journey, format!("{now:8.1} transferred from type {}", c.ty.0));
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId) {
        self.push(c.journey, format!("{now:8.1} done (type {})", c.ty.0));
    }
    fn on_journey_end(&mut self, now: f64, j: &JourneyEnd) {
        self.push(
            j.journey,
            format!(
                "{now:8.1} journey ends {:?}{}: {} handled, {:.0}s in the graph, {} transfers, {} switches, {} without context, bot failed {}",
                j.outcome,
                if j.contained { " (contained)" } else { "" },
                j.handled,
                j.ivr,
                j.transfers,
                j.switches,
                j.context_lost,
                j.bot_failed
            ),
        );
        self.ends.insert(j.journey, *j);
    }
}

/// A chat bot (1 minute) contains half; the rest switch to the voice queue (with or without
/// the bot's context), or go to the chat queue, where 1 in 2 intents is misrouted to the
/// other queue and transferred after 30 s. Constant handle times: 5 min for voice, 8 min for
/// chat, so the hand-off factors show exactly.
const CHAT_BOT: &str = r#"
[simulation]
horizon = "2h"
seed = 11
replications = 1

[[contact_types]]
name = "web"
channel = "chat"
arrivals = { rate = "6/h" }
ivr = "bot"

[[contact_types]]
name = "voice"
arrivals = { rate = 0 }
handle_time = { dist = "constant", value = "5m" }

[[contact_types]]
name = "chat"
channel = "chat"
arrivals = { rate = 0 }
handle_time = { dist = "constant", value = "8m" }

[[ivr]]
name = "bot"
kind = "bot"
duration = { dist = "constant", value = "1m" }
containment = 0.5
false_containment = 0
context = CONTEXT
next = "intent"

[[ivr]]
name = "intent"
kind = "intent"
branches = { voice = 0.5, chat = 0.5 }
misroute = 0.5
transfer_after = { dist = "constant", value = "30s" }

[[agent_groups]]
name = "a"
serves = ["voice", "chat"]
headcount = 20
"#;

fn trace(context: bool) -> Trace {
    let sc = scenario(&CHAT_BOT.replace("CONTEXT", &context.to_string()));
    let mut engine = Engine::with(&sc, Policy::default(), Trace::default());
    engine.run(0);
    std::mem::take(engine.observer_mut())
}

#[test]
fn bot_journeys_follow_the_pinned_trace_with_and_without_context() {
    for context in [true, false] {
        let t = trace(context);
        let factor = if context { 0.95 } else { 1.10 };
        // Every answer is a transfer's 30 s, or a full handle time times the hand-off factor
        // (kept in single precision on the contact).
        for (ty, handle) in &t.answers {
            let base = if *ty == 1 { 300.0 } else { 480.0 };
            let ok = (handle - 30.0).abs() < 1e-9 || (handle / (base * factor) - 1.0).abs() < 1e-7;
            assert!(ok, "type {ty}: handle {handle}");
        }
        let mut kinds = [0; 4];
        for j in t.ends.values() {
            if j.contained {
                kinds[0] += 1;
                assert_eq!((j.handled, j.bot_failed, j.switches), (0, false, 0));
                assert!((j.ivr - 60.0).abs() < 1e-3);
                continue;
            }
            assert!(j.bot_failed || j.outcome == cxsim::stats::JourneyOutcome::Open);
            assert_eq!(j.context_lost, u8::from(!context && j.bot_failed));
            kinds[1] += usize::from(j.switches == 1);
            kinds[2] += usize::from(j.transfers == 1);
            kinds[3] += usize::from(j.switches == 0 && j.transfers == 0);
        }
        assert!(kinds.iter().all(|k| *k > 0), "every path occurs: {kinds:?}");
        let text: String = t
            .lines
            .iter()
            .take(8)
            .map(|(j, lines)| format!("journey {j}\n{}\n", lines.join("\n")))
            .collect();
        insta::assert_snapshot!(format!("chat_bot_context_{context}"), text);
    }
}
