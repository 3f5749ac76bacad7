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
//!
//! **Streams by identity, not position.** A contact type's streams are keyed by a hash of its
//! *name* ([`name_key`], 64-bit FNV-1a), not by its position in the file: adding, removing or
//! reordering types moves nobody else's draws (test
//! `engine_seams::adding_or_reordering_types_leaves_a_types_draws_unchanged`). Within a type,
//! each source draws in arrival order, so the k-th contact of a type gets the k-th variate of
//! each of its type's streams whatever the routing or staffing. Two distinct names share
//! streams only if their 64-bit hashes collide (probability about n²/2⁶⁵ for n types).
//!
//! **Journey substreams.** What a customer's journey decides later — whether to try again after
//! abandoning, when, with how much patience — is drawn from the journey's own [`Substream`],
//! seeded by one draw from its type's [`Source::Journey`] stream at the journey's first
//! arrival. Every journey takes exactly one draw from the type's streams whatever it does
//! later, so a journey that retries three times shifts nobody else's draws (test
//! `journeys::retrials_move_no_other_contacts_draws`).

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
    /// The seed of each journey's [`Substream`], one draw at the journey's first arrival.
    Journey = 4,
    /// Busyness factors (one per day or per replication), keyed by the name that shares them.
    Busyness = 5,
    /// Draws of the built-in routing (random agent selection), one stream per replication.
    Routing = 6,
    /// Draws of the workforce model (difficult contacts, absences, quits), one stream per
    /// replication.
    Workforce = 7,
    /// Forecast errors of plan-risk runs (volume, handle time, shrinkage), one stream per
    /// replication.
    Forecast = 8,
}

/// One stream: a source and the entity it belongs to — a small index, or a stable hash of a
/// name ([`StreamId::named`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamId {
    pub source: Source,
    pub entity: u64,
}

impl StreamId {
    pub const fn new(source: Source, entity: u64) -> Self {
        Self { source, entity }
    }

    /// The stream of `source` for the entity called `name` (e.g. a contact type).
    pub fn named(source: Source, name: &str) -> Self {
        Self::new(source, name_key(name))
    }

    /// `(source << 32) ^ entity`: for entities below 2³² the same as the original
    /// `(source << 32) | index`, so the pinned first draws did not move.
    fn key(self) -> u64 {
        ((self.source as u64) << 32) ^ self.entity
    }
}

/// A stable 64-bit key of a name: FNV-1a over its UTF-8 bytes (offset basis
/// `0xcbf29ce484222325`, prime `0x100000001b3`). Fixed by this definition on every platform
/// and release; changing it changes every published result.
pub const fn name_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// SplitMix64's output function: a bijective avalanche mix of 64 bits.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// A journey's own generator: SplitMix64 (Steele, Lea & Flood 2014, the generator Java's
/// `SplittableRandom` uses), whose whole state is one `u64`, so it travels in the contact record
/// at no cost. Its output is fixed by its definition (the state advances by the golden gamma,
/// the output is [`mix64`] of the state), on every platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Substream(pub u64);

impl rand::RngCore for Substream {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

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

    #[test]
    fn a_substream_is_splitmix64() {
        // Reference values of SplitMix64 seeded with 0 (the first outputs of Vigna's C code).
        let mut s = Substream(0);
        assert_eq!(s.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(s.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(s.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn name_keys_are_fnv1a_and_pinned() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(name_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_key("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(name_key("foobar"), 0x8594_4171_f739_67e8);
        assert_ne!(name_key("billing"), name_key("tech"));
        assert_eq!(StreamId::named(Source::Patience, "a").entity, name_key("a"));
    }
}
