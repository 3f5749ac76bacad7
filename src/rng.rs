//! Random-number streams: one Xoshiro256++ generator per source of randomness, seeded only from
//! `(master seed, replication, stream id)`.
//!
//! This is the stream/substream idea of L'Ecuyer's SSJ: every source of randomness (the arrivals
//! of one contact type, its patience, its handle times, …) owns a stream, and a replication's
//! streams depend on nothing but the master seed, the replication number and the stream id. So
//! results do not depend on thread count or scheduling, and a change to one part of the model
//! (a policy, a staffing level) does not shift the draws of any other part — common random
//! numbers across variants.
//!
//! The generator is `rand_xoshiro::Xoshiro256PlusPlus`: portable (its output is fixed by its
//! specification, unlike `StdRng`/`SmallRng`), 256 bits of state, and about 1 ns a draw. The
//! 64-bit stream key is mixed with the SplitMix64 finaliser, and the generator's 256-bit state is
//! filled by `seed_from_u64` (SplitMix64), as its authors recommend.

use rand::SeedableRng;
pub use rand_xoshiro::Xoshiro256PlusPlus as Rng;

/// The kinds of randomness in a replication. The discriminant is part of the stream key, so it
/// must never change once released (the `first_draws_are_pinned` test guards it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Source {
    /// Inter-arrival times of one contact type.
    Arrivals = 1,
    /// Patience of each contact of one type, drawn at its arrival.
    Patience = 2,
    /// Base handle time of each contact of one type, drawn at its arrival.
    HandleTime = 3,
}

/// One stream: a source and the index of the entity it belongs to (e.g. the contact type id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamId {
    pub source: Source,
    pub index: u32,
}

impl StreamId {
    pub const fn new(source: Source, index: u32) -> Self {
        Self { source, index }
    }

    fn key(self) -> u64 {
        ((self.source as u64) << 32) | u64::from(self.index)
    }
}

/// SplitMix64's output function: a bijective avalanche mix of 64 bits.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The generator for `stream` in `replication` under `seed`. Pure: the same arguments always
/// give the same generator, on any machine and any thread.
pub fn stream(seed: u64, replication: u64, stream: StreamId) -> Rng {
    let a = mix64(seed.wrapping_add(GOLDEN));
    let b = mix64(a ^ replication.wrapping_add(GOLDEN.wrapping_mul(2)));
    let c = mix64(b ^ stream.key().wrapping_add(GOLDEN.wrapping_mul(3)));
    Rng::seed_from_u64(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_differ_by_seed_replication_and_source() {
        let base = stream(1, 0, StreamId::new(Source::Arrivals, 0)).next_u64();
        assert_ne!(base, stream(2, 0, StreamId::new(Source::Arrivals, 0)).next_u64());
        assert_ne!(base, stream(1, 1, StreamId::new(Source::Arrivals, 0)).next_u64());
        assert_ne!(base, stream(1, 0, StreamId::new(Source::Patience, 0)).next_u64());
        assert_ne!(base, stream(1, 0, StreamId::new(Source::Arrivals, 1)).next_u64());
        assert_eq!(base, stream(1, 0, StreamId::new(Source::Arrivals, 0)).next_u64());
    }
}
