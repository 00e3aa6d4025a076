//! The ghost queue: which tokens were evicted from a shard's small queue
//! lately, so that one that comes back soon after is admitted straight to
//! the main queue (S3-FIFO's admission).
//!
//! It is a pair of Bloom filters over the tokens' hashes rather than a queue
//! of hashes: remembering a hash sets two bits, asking reads two bits, and
//! forgetting is done a generation at a time (when the newer filter has
//! taken `generation` hashes, the older one is cleared and becomes the
//! newer). So a hash is remembered for between one and two generations, the
//! way a FIFO of that length would, without touching a hash table or a cold
//! slot on every eviction, and in a few kilobytes that stay in cache. A false
//! match (about one in fifty) only admits an entry to the main queue a
//! little early; it never returns anything, since the ghost holds no tokens
//! or claims. The filters are allocated once, at their full size, when the
//! first hash is remembered ([`Ghost::bytes_for`]).

/// Bits per remembered hash, per filter: with two bits set per hash, about
/// one false match in seventy per filter.
const BITS_PER_HASH: usize = 32;

pub(super) struct Ghost {
    /// Both filters, `words` words each: the newer one at `newer * words`.
    bits: Vec<u64>,
    words: usize,
    newer: usize,
    /// Hashes remembered by the newer filter.
    taken: usize,
    /// Hashes a filter takes before the older one is cleared.
    generation: usize,
}

impl Ghost {
    /// A ghost that remembers the last `generation` to `2 * generation`
    /// hashes.
    pub(super) fn new(generation: usize) -> Self {
        Self {
            bits: Vec::new(),
            words: Self::words_for(generation),
            newer: 0,
            taken: 0,
            generation,
        }
    }

    /// The words of one filter: a power of two, so a mask picks a bit.
    const fn words_for(generation: usize) -> usize {
        if generation == 0 {
            return 0;
        }
        generation
            .saturating_mul(BITS_PER_HASH)
            .div_ceil(64)
            .next_power_of_two()
    }

    /// The heap bytes a ghost of `generation` allocates: both filters.
    pub(super) const fn bytes_for(generation: usize) -> usize {
        Self::words_for(generation).saturating_mul(2 * size_of::<u64>())
    }

    /// The two bits of `hash` in a filter, from bits of it that neither the
    /// shard nor the index uses to place the token.
    fn positions(&self, hash: u64) -> [(usize, u64); 2] {
        let mask = self.words * 64 - 1;
        [hash.rotate_left(13), hash.rotate_left(41)].map(|h| {
            let bit = (h as usize) & mask;
            (bit / 64, 1 << (bit % 64))
        })
    }

    /// Whether `hash` was remembered lately.
    pub(super) fn contains(&self, hash: u64) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let in_filter = |start: usize| {
            self.positions(hash)
                .iter()
                .all(|&(word, bit)| self.bits.get(start + word).is_some_and(|&w| w & bit != 0))
        };
        in_filter(0) || in_filter(self.words)
    }

    /// Remembers `hash`; forgets a generation when the newer filter is full.
    pub(super) fn remember(&mut self, hash: u64) {
        if self.generation == 0 {
            return;
        }
        if self.bits.is_empty() {
            self.bits = vec![0; 2 * self.words];
        }
        if self.taken >= self.generation {
            self.newer ^= 1;
            let start = self.newer * self.words;
            if let Some(filter) = self.bits.get_mut(start..start + self.words) {
                filter.fill(0);
            }
            self.taken = 0;
        }
        let start = self.newer * self.words;
        for (word, bit) in self.positions(hash) {
            if let Some(w) = self.bits.get_mut(start + word) {
                *w |= bit;
            }
        }
        self.taken += 1;
    }

    /// Forgets everything and releases the memory.
    pub(super) fn clear(&mut self) {
        *self = Self::new(self.generation);
    }

    #[cfg(test)]
    pub(super) fn allocated(&self) -> usize {
        self.bits.capacity() * size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::Ghost;

    /// Well-spread test hashes (a 64-bit mixer over a counter).
    fn hash(i: u64) -> u64 {
        let mut x = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    #[test]
    fn remembers_one_to_two_generations() {
        let mut ghost = Ghost::new(100);
        for i in 0..100 {
            ghost.remember(hash(i));
        }
        assert!((0..100).all(|i| ghost.contains(hash(i))));
        // A second generation: the first is still remembered.
        for i in 100..200 {
            ghost.remember(hash(i));
        }
        assert!((0..200).all(|i| ghost.contains(hash(i))));
        // A third clears the first.
        ghost.remember(hash(200));
        let kept = (0..100).filter(|&i| ghost.contains(hash(i))).count();
        assert!(kept <= 5, "{kept} of the oldest generation still match");
        assert!((100..=200).all(|i| ghost.contains(hash(i))));
    }

    #[test]
    fn false_matches_are_rare() {
        let mut ghost = Ghost::new(1_000);
        for i in 0..2_000 {
            ghost.remember(hash(i));
        }
        let false_matches = (10_000..20_000)
            .filter(|&i| ghost.contains(hash(i)))
            .count();
        assert!(false_matches < 400, "{false_matches} in 10 000");
    }

    #[test]
    fn sized_once_and_cleared_whole() {
        let mut ghost = Ghost::new(300);
        assert_eq!(ghost.allocated(), 0);
        assert!(!ghost.contains(hash(1)));
        for i in 0..10_000 {
            ghost.remember(hash(i));
            assert_eq!(ghost.allocated(), Ghost::bytes_for(300));
        }
        ghost.clear();
        assert!(!ghost.contains(hash(9_999)));
        assert_eq!(ghost.allocated(), 0);
        let mut none = Ghost::new(0);
        none.remember(hash(1));
        assert!(!none.contains(hash(1)));
        assert_eq!(Ghost::bytes_for(0), 0);
    }
}
