//! Erlang A's prediction for one cell: the steady state of M/M/n+M at the cell's arrival
//! rate, talk time and agents present. The agents present are a time average and seldom a
//! whole number; every figure is interpolated linearly between the whole numbers either side
//! (at least one agent).

use crate::erlang::erlang_a;

/// Erlang A's figures in [`super::FIGURES`] order: `agents` present on average, `lambda`
/// calls per second, mean talk `talk` and mean patience `patience` (seconds), service level
/// at `threshold` seconds, over an interval of `interval` seconds.
pub fn predict(agents: f64, lambda: f64, talk: f64, patience: f64, threshold: f64, interval: f64) -> [f64; 6] {
    let at = |n: u32| {
        let a = erlang_a(n, lambda, talk, patience);
        [
            lambda * interval,
            a.p_abandon,
            a.asa_all,
            a.p_wait,
            a.sl_offered(threshold),
            a.occupancy,
        ]
    };
    let x = agents.max(1.0);
    let low = x.floor();
    let frac = x - low;
    let lo = at(low as u32);
    if frac == 0.0 {
        return lo;
    }
    let hi = at(low as u32 + 1);
    std::array::from_fn(|k| (1.0 - frac) * lo[k] + frac * hi[k])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_agents_give_erlang_a_itself() {
        let p = predict(5.0, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0);
        let a = erlang_a(5, 1.0 / 60.0, 240.0, 180.0);
        assert_eq!(p[0], 60.0);
        assert_eq!(p[1], a.p_abandon);
        assert_eq!(p[2], a.asa_all);
        assert_eq!(p[3], a.p_wait);
        assert_eq!(p[4], a.sl_offered(20.0));
        assert_eq!(p[5], a.occupancy);
    }

    #[test]
    fn fractional_agents_interpolate_between_the_whole_numbers_either_side() {
        let lo = predict(4.0, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0);
        let hi = predict(5.0, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0);
        let mid = predict(4.25, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0);
        for k in 0..6 {
            let want = 0.75 * lo[k] + 0.25 * hi[k];
            assert!((mid[k] - want).abs() <= 1e-12 * want.abs().max(1.0), "figure {k}");
        }
        // Fewer than one agent counts as one.
        assert_eq!(
            predict(0.4, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0),
            predict(1.0, 1.0 / 60.0, 240.0, 180.0, 20.0, 3600.0)
        );
    }
}
