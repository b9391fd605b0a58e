//! Large reports made on every core and written in order as they are made:
//! a config with tens of thousands of findings never has its whole report
//! held in memory, and both cores share the formatting.

use std::io::Write;

use rayon::prelude::*;

/// How many items are rendered (in parallel) before being written.
pub(crate) const CHUNK: usize = 1024;

/// How many items one parallel task renders into one buffer.
const TASK: usize = 256;

/// Writes what `render` makes of each item of `items`, in order. `render`
/// appends one item's bytes to a buffer; it is told the item's index.
pub fn write_rendered<'a, W, S>(
    w: &mut W,
    items: &'a [S],
    render: impl Fn(usize, &'a S, &mut Vec<u8>) + Sync,
) -> std::io::Result<()>
where
    W: Write + ?Sized,
    S: Sync,
{
    for (c, chunk) in items.chunks(CHUNK).enumerate() {
        let parts: Vec<Vec<u8>> = chunk
            .par_chunks(TASK)
            .enumerate()
            .map(|(t, part)| {
                let first = c * CHUNK + t * TASK;
                let mut out = Vec::with_capacity(part.len() * 512);
                for (i, item) in part.iter().enumerate() {
                    render(first + i, item, &mut out);
                }
                out
            })
            .collect();
        for part in parts {
            w.write_all(&part)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// Any number of items, across chunk and task boundaries, come out
        /// in order, each told its own index.
        #[test]
        fn items_are_written_in_order(n in prop_oneof![0usize..600, (super::CHUNK - 3)..(super::CHUNK + 300)]) {
            let items: Vec<usize> = (0..n).map(|i| i * 7).collect();
            let mut out = Vec::new();
            super::write_rendered(&mut out, &items, |i, item, buf| {
                buf.extend_from_slice(format!("{i}:{item}\n").as_bytes());
            })
            .unwrap();
            let expected: String = items.iter().enumerate().map(|(i, x)| format!("{i}:{x}\n")).collect();
            prop_assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}
