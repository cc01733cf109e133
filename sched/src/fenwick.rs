//! A Fenwick (binary indexed) tree of counts: add at an index and find the index where a
//! running sum passes a number, both O(log n). Lottery draws walk tickets with it.

/// Sums over indices `0..len` of `N` counts each (columns), all starting at 0. The columns
/// of a node share its cache line, so an update of all of them is one walk.
#[derive(Clone, Debug)]
pub(crate) struct Fenwick<const N: usize> {
    /// `tree[i - 1]` holds the sums of the `i & -i` values ending at index `i - 1`.
    tree: Vec<[u64; N]>,
}

impl<const N: usize> Default for Fenwick<N> {
    fn default() -> Self {
        Fenwick { tree: Vec::new() }
    }
}

impl<const N: usize> Fenwick<N> {
    /// Makes room for indices up to `len - 1`; new ones hold 0.
    pub fn grow(&mut self, len: usize) {
        let old = self.tree.len();
        if len <= old {
            return;
        }
        self.tree.resize(len, [0; N]);
        // A new node i covers indices low..i, some of them old: it takes their sums.
        for i in old + 1..=len {
            let low = i - lowest_bit(i);
            let high = i.min(old);
            if high > low {
                let (high, low) = (self.prefix(high), self.prefix(low));
                self.tree[i - 1] = std::array::from_fn(|c| high[c] - low[c]);
            }
        }
    }

    /// The sums of the values at indices `0..end`.
    fn prefix(&self, end: usize) -> [u64; N] {
        let (mut i, mut sum) = (end, [0; N]);
        while i > 0 {
            for (s, v) in sum.iter_mut().zip(self.tree[i - 1]) {
                *s += v;
            }
            i -= lowest_bit(i);
        }
        sum
    }

    /// Adds `delta` to the counts at `index`, a column each (a delta may be negative, as
    /// long as no count goes below 0).
    pub fn add(&mut self, index: usize, delta: [i64; N]) {
        let mut i = index + 1;
        while i <= self.tree.len() {
            for (v, d) in self.tree[i - 1].iter_mut().zip(delta) {
                *v = v.wrapping_add_signed(d);
            }
            i += lowest_bit(i);
        }
    }

    /// The lowest index whose running sum of column `column` (its value included)
    /// exceeds `number`, and `None` if the column's whole sum does not.
    pub fn find(&self, column: usize, mut number: u64) -> Option<usize> {
        let n = self.tree.len();
        let mut at = 0;
        let mut step = n.checked_ilog2().map_or(0, |b| 1 << b);
        while step > 0 {
            let next = at + step;
            if next <= n && self.tree[next - 1][column] <= number {
                number -= self.tree[next - 1][column];
                at = next;
            }
            step >>= 1;
        }
        (at < n).then_some(at)
    }
}

fn lowest_bit(i: usize) -> usize {
    i & i.wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The tree answers as a plain array walked from the start.
        #[test]
        fn matches_a_walk(
            ops in proptest::collection::vec((0..40usize, 0..50u64, any::<bool>(), 0..2000u64), 0..200),
        ) {
            let mut tree = Fenwick::<1>::default();
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
                    tree.add(index, [-(back as i64)]);
                    values[index] -= back;
                } else {
                    tree.add(index, [amount as i64]);
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
                prop_assert_eq!(tree.find(0, number), walked);
            }
        }
    }
}
