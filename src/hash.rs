//! Hashing: FNV-1a, 64 bit, the one hash specsmith computes itself (problem ids), and the
//! hasher of its lookup maps (foldhash).
//!
//! Problem ids need a fixed, documented hash, so ids never change between versions or platforms
//! (std's `DefaultHasher` promises neither); committed baselines are keyed on them. That is
//! FNV-1a, spelled out here.
//!
//! The validator's property indexes are probed for every key of every body: there the speed of
//! the hash counts, not its stability (nothing iterates them, so no output depends on it).
//! FNV reads a byte at a time, one multiply each; foldhash reads eight and took half the time
//! of an FNV lookup of Kommo's keys (2026-11-30, BENCHMARKS.md), SipHash a quarter more. Its
//! fixed seed is enough: the keys stored come from the spec, so a body cannot pick collisions
//! among them.

use std::hash::Hasher;

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a hasher.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

/// A map probed once or more per exchange with keys the spec chose (see the module doc).
pub type KeyMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// The hash of a key as a [`KeyMap`] hashes it, for the tables the tape builds of a body's
/// member keys (see the module doc: speed, not stability).
pub fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(key)
}

impl Default for Fnv {
    fn default() -> Self {
        Fnv(OFFSET_BASIS)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }
}

/// The hash of `parts`, each followed by the unit separator 0x1f so `["ab", "c"]` and
/// `["a", "bc"]` differ.
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut hasher = Fnv::default();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write(&[0x1f]);
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        // From the FNV reference (isthe.com/chongo/tech/comp/fnv): "" and "a".
        assert_eq!(Fnv::default().finish(), 0xcbf2_9ce4_8422_2325);
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
    }
}
