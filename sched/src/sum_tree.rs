//! A tree of sums, eight to a cache line: add at an index, and find the index where a
//! running sum passes a number, both in one cache line a level. Lottery draws walk
//! tickets with it.
//!
//! A binary tree (a Fenwick tree, say) finds an index among 100,000 in 17 steps, each a
//! load that depends on the one before, and the lower ones miss the cache. With eight
//! sums to a line the same descent takes 6 lines, and only the last two or three are
//! not cached.

/// Eight sums, one cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Line([u64; FAN]);

/// Children of a line: the sums a line holds.
const FAN: usize = 8;

impl Line {
    /// The sum of the line's eight sums.
    fn sum(&self) -> u64 {
        self.0.iter().copied().fold(0, u64::wrapping_add)
    }
}

/// Values at indices `0..len`, all starting at 0, with the sums of every eight.
#[derive(Clone, Debug, Default)]
pub(crate) struct SumTree {
    /// `levels[0]` holds the values; each slot of `levels[k + 1]` holds the sum of one
    /// line of `levels[k]`. The top level is one line.
    levels: Vec<Vec<Line>>,
    len: usize,
}

impl SumTree {
    /// Makes room for indices up to `len - 1`; new ones hold 0.
    pub fn grow(&mut self, len: usize) {
        if len <= self.len {
            return;
        }
        self.len = len;
        let mut lines = len.div_ceil(FAN);
        let mut level = 0;
        loop {
            if level == self.levels.len() {
                // A new top: its sums are those of the lines below, old or new.
                let sums = match level.checked_sub(1) {
                    Some(below) => sums_of(&self.levels[below], lines),
                    None => vec![Line::default(); lines],
                };
                self.levels.push(sums);
            } else {
                // New lines sum new values, all 0.
                self.levels[level].resize(lines, Line::default());
            }
            if lines == 1 {
                break;
            }
            lines = lines.div_ceil(FAN);
            level += 1;
        }
    }

    /// Adds `delta` at `index`, which must be below the length (a delta may be negative,
    /// as long as no value goes below 0).
    pub fn add(&mut self, index: usize, delta: i64) {
        debug_assert!(index < self.len, "index {index} of a tree of {}", self.len);
        let mut at = index;
        for level in &mut self.levels {
            let sum = &mut level[at / FAN].0[at % FAN];
            *sum = sum.wrapping_add_signed(delta);
            at /= FAN;
        }
    }

    /// The lowest index whose running sum (its value included) exceeds `number`, and
    /// `None` if the whole sum does not.
    pub fn find(&self, mut number: u64) -> Option<usize> {
        if number >= self.total() {
            return None;
        }
        // The line at each level holds a sum greater than what is left of `number`.
        let mut at = 0;
        for level in self.levels.iter().rev() {
            let line = &level[at].0;
            let mut slot = 0;
            while slot < FAN - 1 && number >= line[slot] {
                number -= line[slot];
                slot += 1;
            }
            at = at * FAN + slot;
        }
        (at < self.len).then_some(at)
    }

    /// The sum of all the values.
    pub fn total(&self) -> u64 {
        self.levels
            .last()
            .and_then(|top| top.first())
            .map_or(0, Line::sum)
    }
}

/// The first `lines` lines of the sums of `below`'s lines (0 for lines past its end).
fn sums_of(below: &[Line], lines: usize) -> Vec<Line> {
    (0..lines)
        .map(|line| {
            Line(std::array::from_fn(|slot| {
                below.get(line * FAN + slot).map_or(0, Line::sum)
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_line_is_a_cache_line() {
        assert_eq!(std::mem::size_of::<Line>(), 64);
        assert_eq!(std::mem::align_of::<Line>(), 64);
    }

    #[test]
    fn sums_survive_growth_past_new_levels() {
        let mut tree = SumTree::default();
        tree.grow(3);
        tree.add(2, 5);
        // 3 -> 1000 values: from one level to four, the old sums carried up.
        tree.grow(1000);
        tree.add(999, 7);
        assert_eq!(tree.total(), 12);
        assert_eq!(tree.find(4), Some(2));
        assert_eq!(tree.find(5), Some(999));
        assert_eq!(tree.find(11), Some(999));
        assert_eq!(tree.find(12), None);
    }

    proptest! {
        /// The tree answers as a plain array walked from the start.
        #[test]
        fn matches_a_walk(
            ops in proptest::collection::vec((0..700usize, 0..50u64, any::<bool>(), 0..2000u64), 0..200),
        ) {
            let mut tree = SumTree::default();
            let mut values: Vec<u64> = Vec::new();
            for (index, amount, grow_first, number) in ops {
                if grow_first || index >= values.len() {
                    let len = values.len().max(index + 1);
                    tree.grow(len);
                    values.resize(len, 0);
                }
                // Add, or take back part of what is there.
                if amount % 3 == 0 {
                    let back = values[index].min(amount);
                    tree.add(index, -(back as i64));
                    values[index] -= back;
                } else {
                    tree.add(index, amount as i64);
                    values[index] += amount;
                }
                let mut left = number;
                let walked = values.iter().position(|&v| {
                    if left < v {
                        true
                    } else {
                        left -= v;
                        false
                    }
                });
                prop_assert_eq!(tree.find(number), walked);
                prop_assert_eq!(tree.total(), values.iter().sum::<u64>());
            }
        }
    }
}
