//! For port ranges tagged with an owner index: the smallest owner among the
//! ranges that share a port with a given range. Built once from every range,
//! then asked in O(1), so thousands of wide, overlapping ranges cost
//! O(n log n) rather than a port-by-port expansion.

/// Inclusive port ranges with their owners, answering "which is the first
/// owner with a range overlapping this one".
pub struct EarliestOverlap {
    /// Sorted, distinct segment starts; segment `s` is
    /// `bounds[s]..bounds[s + 1]` (half-open, in `u32` so `65535 + 1` fits).
    bounds: Vec<u32>,
    /// `min[k][s]`: smallest owner covering any of segments `s..s + 2^k`.
    min: Vec<Vec<usize>>,
}

impl EarliestOverlap {
    /// `ranges`: `(first, last, owner)`, `first <= last`.
    pub fn new(ranges: &[(u16, u16, usize)]) -> EarliestOverlap {
        let mut bounds: Vec<u32> = ranges
            .iter()
            .flat_map(|&(lo, hi, _)| [u32::from(lo), u32::from(hi) + 1])
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let segments = bounds.len().saturating_sub(1);
        // Each segment takes the smallest owner covering it: ranges in owner
        // order paint the segments still bare, skipping painted runs through
        // `next_bare` (path-halving), so each segment is painted once.
        let mut cover = vec![usize::MAX; segments];
        let mut next_bare: Vec<usize> = (0..=segments).collect();
        let mut by_owner: Vec<&(u16, u16, usize)> = ranges.iter().collect();
        by_owner.sort_by_key(|r| r.2);
        for &&(lo, hi, owner) in &by_owner {
            let (first, end) = segments_of(&bounds, lo, hi);
            let mut s = find(&mut next_bare, first);
            while s < end {
                cover[s] = owner;
                next_bare[s] = s + 1;
                s = find(&mut next_bare, s + 1);
            }
        }
        // A sparse table of minima over runs of 2^k segments.
        let mut min = vec![cover];
        let mut width = 1;
        while 2 * width <= segments {
            let last = &min[min.len() - 1];
            let next: Vec<usize> = (0..=segments - 2 * width)
                .map(|s| last[s].min(last[s + width]))
                .collect();
            min.push(next);
            width *= 2;
        }
        EarliestOverlap { bounds, min }
    }

    /// The smallest owner of a range sharing a port with `first..=last`,
    /// `None` if none.
    pub fn earliest(&self, first: u16, last: u16) -> Option<usize> {
        let (from, to) = segments_of(&self.bounds, first, last);
        if from >= to {
            return None;
        }
        let level = (usize::BITS - 1 - (to - from).leading_zeros()) as usize;
        let width = 1 << level;
        let found = self.min[level][from].min(self.min[level][to - width]);
        (found != usize::MAX).then_some(found)
    }
}

/// The segments holding a port of `first..=last`, as an index range.
fn segments_of(bounds: &[u32], first: u16, last: u16) -> (usize, usize) {
    let segments = bounds.len().saturating_sub(1);
    let from = bounds.partition_point(|&b| b <= u32::from(first));
    let to = bounds.partition_point(|&b| b <= u32::from(last));
    (from.saturating_sub(1), to.min(segments))
}

fn find(next_bare: &mut [usize], mut s: usize) -> usize {
    while next_bare[s] != s {
        next_bare[s] = next_bare[next_bare[s]];
        s = next_bare[s];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(ranges: &[(u16, u16, usize)], lo: u16, hi: u16) -> Option<usize> {
        ranges
            .iter()
            .filter(|r| r.0 <= hi && lo <= r.1)
            .map(|r| r.2)
            .min()
    }

    #[test]
    fn a_wide_range_overlaps_beyond_its_first_thousand_ports() {
        let ranges = [(1000, 3000, 0), (2500, 2500, 1), (4000, 4001, 2)];
        let index = EarliestOverlap::new(&ranges);
        assert_eq!(index.earliest(2500, 2500), Some(0));
        assert_eq!(index.earliest(4000, 4001), Some(2));
        assert_eq!(index.earliest(3000, 4000), Some(0));
        assert_eq!(index.earliest(3001, 3999), None);
    }

    #[test]
    fn the_whole_port_space_fits() {
        let ranges = [(0, 65535, 3), (65535, 65535, 1)];
        let index = EarliestOverlap::new(&ranges);
        assert_eq!(index.earliest(65535, 65535), Some(1));
        assert_eq!(index.earliest(0, 0), Some(3));
    }

    proptest! {
        #[test]
        fn matches_comparing_every_pair(
            raw in proptest::collection::vec((0u16..200, 0u16..40, 0usize..30), 0..40),
            query in (0u16..260, 0u16..40),
        ) {
            let ranges: Vec<(u16, u16, usize)> =
                raw.iter().map(|&(lo, w, o)| (lo, lo + w, o)).collect();
            let index = EarliestOverlap::new(&ranges);
            for &(lo, hi, _) in &ranges {
                prop_assert_eq!(index.earliest(lo, hi), brute(&ranges, lo, hi));
            }
            let (lo, hi) = (query.0, query.0 + query.1);
            prop_assert_eq!(index.earliest(lo, hi), brute(&ranges, lo, hi));
        }
    }
}
