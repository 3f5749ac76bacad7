//! The assumptions in force in a scenario: every behavioural coefficient a run uses (MODEL.md's
//! models of CSAT, agent fatigue and burnout, chat concurrency and agent-assist), its value,
//! whether the scenario set it or left the default, and where the default comes from.
//!
//! Only the models a scenario switches on are listed: CSAT when it follows journeys, the
//! workforce model under `[workforce]`, agent-assist when a group uses it, chat concurrency for
//! groups that hold two or more sessions. The values are read from the compiled scenario, so
//! they are what the engine used, in the units a scenario file writes.

use crate::scenario::Scenario;
use crate::time::Human;

/// One coefficient in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// Where a scenario sets it: `csat.per_repeat`, `agent_groups[chat].slowdown`.
    pub key: String,
    /// The value the run used, as a scenario file would write it (`0.25`, `85m`).
    pub value: String,
    /// The scenario (or a variant's overlay) gave it; `false`: the default.
    pub set: bool,
    /// Where the default comes from: MODEL.md's section and symbol, the evidence tag (S study,
    /// S~ weaker source, A assumption) and its references.
    pub source: &'static str,
}

/// A duration in seconds as a scenario writes it.
fn duration(s: f64) -> String {
    Human(s).to_string()
}

fn number(x: f64) -> String {
    format!("{x}")
}

/// The scenario file's value at `path` (`csat.base`, `agent_groups[chat].slowdown`): whether
/// the scenario gives it.
fn given(raw: &toml::Value, path: &str) -> bool {
    let mut at = raw;
    for part in path.split('.') {
        let (name, element) = match part.split_once('[') {
            Some((name, rest)) => (name, Some(rest.trim_end_matches(']'))),
            None => (part, None),
        };
        let Some(next) = at.get(name) else { return false };
        at = match element {
            None => next,
            Some(wanted) => {
                let found = next.as_array().and_then(|items| {
                    items
                        .iter()
                        .find(|item| item.get("name").and_then(toml::Value::as_str) == Some(wanted))
                });
                match found {
                    Some(item) => item,
                    None => return false,
                }
            }
        };
    }
    true
}

/// The coefficients in force in `sc`, model by model, in the order MODEL.md gives them.
pub fn in_force(sc: &Scenario) -> Vec<Assumption> {
    let raw = toml::Value::try_from(&sc.raw).unwrap_or(toml::Value::Table(Default::default()));
    let mut out = Vec::new();
    // A table's rows, each key under `section`.
    let mut add_section = |section: &str, rows: &mut dyn Iterator<Item = (&str, String, &'static str)>| {
        for (key, value, source) in rows {
            let key = format!("{section}.{key}");
            out.push(Assumption {
                set: given(&raw, &key),
                key,
                value,
                source,
            });
        }
    };

    if let Some(w) = &sc.workforce {
        let rows: [(&str, String, &'static str); 22] = [
            (
                "reference_occupancy",
                number(w.reference_occupancy),
                "MODEL.md §1.5 ρ_ref (A): occupancy at which the input handle times and resolution were measured",
            ),
            (
                "build_up",
                duration(w.build_up),
                "MODEL.md §1.5 T_up (A): sets f*(0.85) = 0.5 with T_idle [F19]",
            ),
            ("idle_recovery", duration(w.idle_recovery), "MODEL.md §1.5 T_idle (A)"),
            (
                "break_recovery",
                duration(w.break_recovery),
                "MODEL.md §1.5 T_break (A): micro-break effects small but real [F16]",
            ),
            (
                "off_recovery",
                duration(w.off_recovery),
                "MODEL.md §1.5 T_off (A): overnight ≈ full reset of acute fatigue",
            ),
            (
                "break_max",
                duration(w.break_max),
                "cxsim: an off-duty spell recovers as a break for this long, then as off shift",
            ),
            (
                "difficult",
                number(w.difficult),
                "MODEL.md §1.5 p_difficult (S~): 14% of callers call about a complaint [C4]; ~10 aggressive calls a day [F10]",
            ),
            (
                "difficult_jump",
                number(w.jump),
                "MODEL.md §1.5 J_diff (A): aggression → exhaustion [F10, F11]",
            ),
            ("difficult_weight", number(w.difficult_weight), "MODEL.md §1.5 λ_d (A)"),
            (
                "strain_memory",
                duration(w.memory),
                "MODEL.md §1.5 τ_b (A): vacation fade-out 2–4 weeks [F17]",
            ),
            (
                "burnout_sd",
                number(w.sd),
                "MODEL.md §1.5 σ_b (A): the crux assumption, §1.3",
            ),
            (
                "handle_time.fatigue",
                number(w.handle_time.fatigue),
                "MODEL.md §1.5 k_f (A): direction [F1, F4, F7, F8, F19]",
            ),
            (
                "handle_time.strain",
                number(w.handle_time.strain),
                "MODEL.md §1.5 k_b (A): direction [F1, F4, F7, F8, F19]",
            ),
            (
                "resolution.fatigue",
                number(w.resolution.fatigue),
                "MODEL.md §1.5 d_f (A): direction [F1, F6, F11]",
            ),
            (
                "resolution.strain",
                number(w.resolution.strain),
                "MODEL.md §1.5 d_b (A): direction [F1, F6, F11]",
            ),
            (
                "absence.per_shift",
                number(w.absence.per_shift),
                "MODEL.md §1.5 p_abs0 (S~): 8.2 sick days a year ≈ 3.5% of shifts; 5–12% quoted [F20]",
            ),
            (
                "absence.rr_per_sd",
                number(w.absence.rr_per_sd),
                "MODEL.md §1.5 RR_abs (S~): adjusted RR 1.21 per SD of burnout [F13]",
            ),
            (
                "absence.spell_rr_per_sd",
                number(w.absence.spell_rr_per_sd),
                "MODEL.md §1.5 RR_spell (S~): spells +9% per SD [F13]",
            ),
            (
                "attrition.annual",
                number(1.0 - (-365.0 * w.attrition.daily_hazard).exp()),
                "MODEL.md §1.5 h0 (S~): annual attrition 35%; 25% to over 50% by sector [F21]",
            ),
            (
                "attrition.rr_per_sd",
                number(w.attrition.rr_per_sd),
                "MODEL.md §1.5 RR_quit (S~): 1.12 odds per EE unit [F14] × ~1.3 units per SD",
            ),
            (
                "learning.initial",
                number(w.learning.initial),
                "MODEL.md §1.5 m0 (S~ + A): 53% as efficient in month 1 [F23a, F23b]",
            ),
            (
                "hiring.requisition",
                duration(w.hiring.requisition),
                "MODEL.md §1.5 (S~): 34 days to fill an opening [F23a]",
            ),
        ];
        add_section("workforce", &mut rows.into_iter());
        let more: [(&str, String, &'static str); 6] = [
            (
                "absence.mean_spell",
                duration(w.absence.mean_spell_days * crate::workforce::DAY),
                "MODEL.md §1.5 ℓ0 (A)",
            ),
            (
                "attrition.new_hire",
                number(w.attrition.new_hire),
                "MODEL.md §1.5 h_ten (A): quit hazard multiplier in the first 90 days",
            ),
            (
                "attrition.notice",
                duration(w.attrition.notice),
                "MODEL.md §1.5 quit notice (A)",
            ),
            (
                "learning.time_constant",
                duration(w.learning.time_constant),
                "MODEL.md §1.5 τ_L (S~ + A) [F23a, F23b]",
            ),
            (
                "learning.resolution_deficit",
                number(w.learning.resolution_deficit),
                "MODEL.md §1.5 d_L (A)",
            ),
            (
                "hiring.training",
                duration(w.hiring.training),
                "MODEL.md §1.5 (S): 4.2 weeks of new-hire training [F21]",
            ),
        ];
        add_section("workforce", &mut more.into_iter());
    }

    if sc.follow_journeys {
        let c = &sc.csat;
        let rows: [(&str, String, &'static str); 20] = [
            (
                "base",
                number(c.base),
                "MODEL.md §2.3 β0 (S~): top box 82% for non-complaint callers [C4]; world class ≥ 85% [C2]",
            ),
            (
                "unresolved",
                number(c.unresolved),
                "MODEL.md §2.3 β_unres (A): FCR and CSAT move 1:1 [C2]; defection 25% vs 5% [C3]",
            ),
            (
                "per_repeat",
                number(c.per_repeat),
                "MODEL.md §2.3 β_rep (S~): −15% CSAT per extra call [C2]; 2.5× disloyalty [C6]",
            ),
            (
                "per_abandoned",
                number(c.per_abandoned),
                "MODEL.md §2.3 β_abn (A): abandonment a weak but significant predictor [C7]",
            ),
            (
                "per_wait_minute",
                number(c.per_wait_minute),
                "MODEL.md §2.3 β_wait (A): about −1 pp per minute, same order as −1.15 NPS/min [C10]; small effect [C7, C8]",
            ),
            ("wait_grace", duration(c.wait_grace_s), "MODEL.md §2.3 w0 of voice (A)"),
            (
                "chat_wait_grace",
                duration(c.chat_wait_grace_s),
                "MODEL.md §2.3 w0 of chat (S~): no CSAT change for chat waits under 3 min [C9]",
            ),
            (
                "email_wait_grace",
                duration(c.email_wait_grace_s),
                "MODEL.md §2.3 w0 of email (A): norms of §3",
            ),
            (
                "email_per_wait_hour",
                number(c.email_per_wait_hour),
                "MODEL.md §2.3 β_wait of email (A)",
            ),
            (
                "callback_wait_weight",
                number(c.callback_wait_weight),
                "MODEL.md §2.3 ω_cb (A): waiting off the line costs substantially less [B1]",
            ),
            (
                "transfer",
                number(c.transfer),
                "MODEL.md §2.3 β_xfer (S~): −12% top box when transferred [C1]",
            ),
            (
                "switch",
                number(c.switch),
                "MODEL.md §2.3 β_sw (A): a forced switch makes customers 10% more disloyal [C6]",
            ),
            (
                "context_loss",
                number(c.context_loss),
                "MODEL.md §2.3 β_ctx (A): 69% had to repeat themselves [C6, C14]",
            ),
            (
                "bot_fail",
                number(c.bot_fail),
                "MODEL.md §2.3 β_bot (A): spill-over after chatbot failures [A2]",
            ),
            (
                "per_ivr_minute",
                number(c.per_ivr_minute),
                "MODEL.md §2.3 β_ivr (A): mean IVR time 48 s",
            ),
            ("ivr_grace", duration(c.ivr_grace_s), "MODEL.md §2.3 i0 (A)"),
            (
                "heterogeneity",
                number(c.heterogeneity),
                "MODEL.md §2.3 σ_u (A): 0.8 there; cxsim leaves it off (0) unless set, which keeps journey CSAT a plain logit",
            ),
            (
                "defect_resolved_first",
                number(c.defect_resolved_first),
                "MODEL.md §2.2 (S~): defection intent 5% after first-contact resolution [C3]",
            ),
            (
                "defect_resolved_later",
                number(c.defect_resolved_later),
                "MODEL.md §2.2 (S~): 9% when it took two or more calls [C3]",
            ),
            (
                "defect_unresolved",
                number(c.defect_unresolved),
                "MODEL.md §2.2 (S~): 25% when unresolved [C3]",
            ),
        ];
        add_section("csat", &mut rows.into_iter());
    }

    for g in sc.agent_groups.iter().filter(|g| g.sessions > 1) {
        let rows = [
            (
                "slowdown",
                number(g.slowdown),
                "MODEL.md §3.2 α (S~ + A): 0.09–0.14 implied by [H2]; 0.22–0.36 by [H3]; ~0.04 duration effect [H1]",
            ),
            (
                "fcr_loss",
                number(g.fcr_loss),
                "MODEL.md §3.2 δ_c (S~): 6–8 pp per extra concurrent chat [H3]",
            ),
        ];
        add_section(&format!("agent_groups[{}]", g.name), &mut rows.into_iter());
    }

    if sc.agent_groups.iter().any(|g| g.assist_since.is_some()) {
        let a = &sc.assist;
        let rows: [(&str, String, &'static str); 8] = [
            (
                "tenure_shift",
                duration(a.tenure_shift),
                "MODEL.md §5.3 Δt_assist (S): 2 months with AI ≈ 6+ months without [A1]",
            ),
            (
                "floor_gain",
                number(a.floor_gain),
                "MODEL.md §5.3 g_inf (A): ≈ 0 for tenure over 12 months; −9% AHT on average [A1]",
            ),
            (
                "acw_reduction",
                number(a.acw_reduction),
                "MODEL.md §5.3 r_acw (A): notes are 10–33% of call time [A8]",
            ),
            (
                "resolution_uplift",
                number(a.resolution_uplift),
                "MODEL.md §5.3 r_res (A): +1.3 pp on average, more for low skill [A1]",
            ),
            (
                "difficult_reduction",
                number(a.difficult_reduction),
                "MODEL.md §5.3 r_diff (S): manager requests −25% [A1]",
            ),
            (
                "new_hire_quit_reduction",
                number(a.new_hire_quit_reduction),
                "MODEL.md §5.3 r_q (S, weaker design): −10 pp on 25% [A1]",
            ),
            (
                "new_hire_window",
                duration(a.new_hire_window),
                "MODEL.md §5.3: quit reduction for tenure under 6 months [A1]",
            ),
            (
                "adoption",
                duration(a.adoption),
                "MODEL.md §5.3 τ_adopt (A): adherence rises over time [A1]",
            ),
        ];
        add_section("assist", &mut rows.into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Scenario {
        crate::scenario::from_toml_str(text, "test.toml", "test", std::path::Path::new(".")).expect("loads")
    }

    const CHAT: &str = r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "chat"
channel = "chat"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "5m" }
[[agent_groups]]
name = "agents"
serves = ["chat"]
headcount = 3
sessions = 3
slowdown = 0.2
"#;

    #[test]
    fn a_coefficient_the_scenario_gives_is_marked_set_and_one_it_leaves_out_is_the_default() {
        let a = in_force(&load(CHAT));
        let slowdown = a.iter().find(|a| a.key == "agent_groups[agents].slowdown").unwrap();
        assert_eq!((slowdown.value.as_str(), slowdown.set), ("0.2", true));
        let loss = a.iter().find(|a| a.key == "agent_groups[agents].fcr_loss").unwrap();
        assert_eq!((loss.value.as_str(), loss.set), ("0.05", false));
        assert!(loss.source.contains("MODEL.md §3.2"));
    }

    #[test]
    fn models_the_scenario_does_not_use_list_nothing() {
        let plain = CHAT.replace("sessions = 3\nslowdown = 0.2\n", "");
        assert!(in_force(&load(&plain)).is_empty());
    }

    #[test]
    fn journeys_list_every_csat_coefficient_and_workforce_every_burnout_one() {
        let a = in_force(&load(&format!("{CHAT}\n[csat]\nper_repeat = -0.5\n")));
        let csat: Vec<&Assumption> = a.iter().filter(|a| a.key.starts_with("csat.")).collect();
        assert_eq!(csat.len(), 20);
        assert_eq!(csat.iter().filter(|a| a.set).count(), 1, "only per_repeat is set");
        let burnout = crate::scenario::load(std::path::Path::new("scenarios/burnout.toml")).expect("loads");
        let a = in_force(&burnout);
        let wf: Vec<&Assumption> = a.iter().filter(|a| a.key.starts_with("workforce.")).collect();
        assert_eq!(wf.len(), 28);
        let attrition = wf.iter().find(|a| a.key == "workforce.attrition.annual").unwrap();
        let annual: f64 = attrition.value.parse().unwrap();
        let given = burnout
            .raw
            .workforce
            .as_ref()
            .and_then(|w| w.get_ref().attrition.as_ref())
            .and_then(|a| a.get_ref().annual.as_ref());
        match given {
            Some(v) => assert!((annual - *v.get_ref()).abs() < 1e-12 && attrition.set),
            None => assert!((annual - 0.35).abs() < 1e-12 && !attrition.set, "{annual}"),
        }
    }
}
