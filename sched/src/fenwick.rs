//! A Fenwick (binary indexed) tree of counts: add at an index and find the index where a
//! running sum passes a number, both O(log n). Lottery draws walk tickets with it.

/// Sums over indices `0..len`, each starting at 0.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fenwick {
    /// `tree[i - 1]` holds the sum of the `i & -i` values ending at index `i - 1`.
    tree: Vec<u64>,
}

impl Fenwick {
    /// Makes room for indices up to `len - 1`; new ones hold 0.
    pub fn grow(&mut self, len: usize) {
        let old = self.tree.len();
        if len <= old {
            return;
        }
        self.tree.resize(len, 0);
        // A new node i covers indices low..i, some of them old: it takes their sum.
        for i in old + 1..=len {
            let low = i - lowest_bit(i);
            let high = i.min(old);
            if high > low {
                self.tree[i - 1] = self.prefix(high) - self.prefix(low);
            }
        }
    }

    /// The sum of the values at indices `0..end`.
    fn prefix(&self, end: usize) -> u64 {
        let (mut i, mut sum) = (end, 0);
        while i > 0 {
            sum += self.tree[i - 1];
            i -= lowest_bit(i);
        }
        sum
    }

    /// Adds `delta` (which may be negative, as long as no value goes below 0) at `index`.
    pub fn add(&mut self, index: usize, delta: i64) {
        let mut i = index + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] = self.tree[i - 1].wrapping_add_signed(delta);
            i += lowest_bit(i);
        }
    }

    /// The lowest index whose running sum (its value included) exceeds `number`, and
    /// `None` if the sum of all values does not.
    pub fn find(&self, mut number: u64) -> Option<usize> {
        let n = self.tree.len();
        let mut at = 0;
        let mut step = n.checked_ilog2().map_or(0, |b| 1 << b);
        while step > 0 {
            let next = at + step;
            if next <= n && self.tree[next - 1] <= number {
                number -= self.tree[next - 1];
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
            let mut tree = Fenwick::default();
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
            }
        }
    }
}
