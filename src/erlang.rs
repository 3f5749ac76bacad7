//! TEMPORARY placeholder until the log-space module lands (same API).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    pub agents: u32,
    pub arrival_rate: f64,
    pub mean_service: f64,
    pub p_wait: f64,
    pub asa: f64,
    pub mean_queue: f64,
    pub occupancy: f64,
}
impl ErlangC {
    pub fn service_level(&self, t: f64) -> f64 {
        1.0 - self.p_wait_gt(t)
    }
    pub fn p_wait_gt(&self, t: f64) -> f64 {
        let n = self.agents as f64;
        self.p_wait * (-(n / self.mean_service - self.arrival_rate) * t).exp()
    }
}
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    pub agents: u32,
    pub arrival_rate: f64,
    pub mean_service: f64,
    pub mean_patience: f64,
    pub p_wait: f64,
    pub p_abandon: f64,
    pub asa_all: f64,
    pub asa_served: f64,
    pub mean_wait_abandoned: f64,
    pub mean_queue: f64,
    pub occupancy: f64,
}
impl ErlangA {
    pub fn sl_offered(&self, _t: f64) -> f64 {
        f64::NAN
    }
    pub fn sl_answered(&self, _t: f64) -> f64 {
        f64::NAN
    }
    pub fn sl_excl_short_abandons(&self, _t: f64) -> f64 {
        f64::NAN
    }
    pub fn sl_virtual(&self, _t: f64) -> f64 {
        f64::NAN
    }
    pub fn p_abandon_within(&self, _t: f64) -> f64 {
        f64::NAN
    }
    pub fn p_served_wait_gt(&self, _t: f64) -> f64 {
        f64::NAN
    }
}
pub fn erlang_b(agents: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=agents {
        b = a * b / (k as f64 + a * b);
    }
    b
}
pub fn erlang_c(agents: u32, lambda: f64, s: f64) -> Option<ErlangC> {
    let a = lambda * s;
    let n = agents as f64;
    if a >= n {
        return None;
    }
    let b = erlang_b(agents, a);
    let c = n * b / (n - a * (1.0 - b));
    let asa = c * s / (n - a);
    Some(ErlangC {
        agents,
        arrival_rate: lambda,
        mean_service: s,
        p_wait: c,
        asa,
        mean_queue: lambda * asa,
        occupancy: a / n,
    })
}
pub fn erlang_a(agents: u32, lambda: f64, s: f64, p: f64) -> ErlangA {
    let (mu, th, n) = (1.0 / s, 1.0 / p, agents as usize);
    let mut w = vec![1.0f64];
    for k in 1..(n + 20000) {
        let d = if k <= n {
            k as f64 * mu
        } else {
            n as f64 * mu + (k - n) as f64 * th
        };
        let x = w[k - 1] * lambda / d;
        w.push(x);
        if k > n && x < 1e-300 {
            break;
        }
    }
    let z: f64 = w.iter().sum();
    let pw: f64 = w[n..].iter().sum::<f64>() / z;
    let q: f64 = w
        .iter()
        .enumerate()
        .skip(n)
        .map(|(k, x)| (k - n) as f64 * x)
        .sum::<f64>()
        / z;
    let ab = q * th / lambda;
    ErlangA {
        agents,
        arrival_rate: lambda,
        mean_service: s,
        mean_patience: p,
        p_wait: pw,
        p_abandon: ab,
        asa_all: q / lambda,
        asa_served: f64::NAN,
        mean_wait_abandoned: f64::NAN,
        mean_queue: q,
        occupancy: lambda * (1.0 - ab) * s / n as f64,
    }
}
