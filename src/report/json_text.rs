//! JSON written straight into a buffer, in serde_json's pretty layout, for
//! the reports that carry tens of thousands of findings: serde_json looks
//! at every byte of every string through a table, and the findings' text is
//! most of what such a report writes. Byte for byte what serde_json writes
//! (the tests of [`crate::report::json`] compare the two).

/// What serde_json writes after a backslash for each byte (`u`: `\u00XX`),
/// or 0 when the byte stands as it is.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `text` as a JSON string.
pub fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Appends `text`, which needs no escape (a key, a rule's code or name,
/// a severity), as a JSON string.
pub fn plain_string(out: &mut Vec<u8>, text: &str) {
    debug_assert!(!needs_escape(text.as_bytes()), "{text:?} needs escapes");
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether any byte is a control character, a quote or a backslash:
/// looked at eight bytes at a time, as most strings need no escape.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES * 0x80;
    // The high bit of each byte of `w` that is below `n` (n <= 0x80), or
    // that equals `n`: exact as to whether there is any.
    let below = |w: u64, n: u64| w.wrapping_sub(ONES * n) & !w & HIGH;
    let equal = |w: u64, n: u64| below(w ^ (ONES * n), 1);
    let special = |chunk: &[u8]| {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        below(w, 0x20) | equal(w, u64::from(b'"')) | equal(w, u64::from(b'\\')) != 0
    };
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    // The last eight bytes, overlapping the chunks, stand for the rest.
    bytes.chunks_exact(8).any(special) || special(&bytes[bytes.len() - 8..])
}

fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut run = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPE[byte as usize];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        if escape == b'u' {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
    }
    out.extend_from_slice(&bytes[run..]);
}

/// Appends a JSON string, or `null`.
pub fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a string that needs no escape (see [`plain_string`]), or `null`.
pub fn optional_plain_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => plain_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends a whole number.
pub fn number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends a number, or `null`.
pub fn optional_number(out: &mut Vec<u8>, n: Option<usize>) {
    match n {
        Some(n) => number(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

/// A line break and the indentation of `depth` levels (two spaces each),
/// in as few pieces as it takes: one for the usual depths (a finding's
/// members are 2-5 deep).
pub fn line_break(depth: usize) -> impl Iterator<Item = &'static [u8]> {
    const MOST: usize = BREAK.len() - 1;
    let width = 2 * depth;
    let first = width.min(MOST);
    let rest = width - first;
    std::iter::once(&BREAK[..=first])
        .chain((0..rest.div_ceil(MOST)).map(move |i| &BREAK[1..=(rest - i * MOST).min(MOST)]))
}

/// A line break and the most indentation [`line_break`] writes in one piece.
const BREAK: &[u8; 33] = b"\n                                ";

/// Appends a [`line_break`]; the usual depths without the iterator, which
/// costs 1% of a large check's instructions here.
pub fn new_line(out: &mut Vec<u8>, depth: usize) {
    match BREAK.get(..=2 * depth) {
        Some(piece) => out.extend_from_slice(piece),
        None => line_break(depth).for_each(|piece| out.extend_from_slice(piece)),
    }
}

/// An object or array being written whose members stand `depth` levels
/// deep: [`Members::next`] before each, [`Members::close`] at the end.
pub struct Members {
    depth: usize,
    any: bool,
}

impl Members {
    /// Opens with `bracket` (`{` or `[`).
    pub fn open(out: &mut Vec<u8>, bracket: u8, depth: usize) -> Members {
        out.push(bracket);
        Members { depth, any: false }
    }

    /// Starts the next member on its own line.
    pub fn next(&mut self, out: &mut Vec<u8>) {
        if self.any {
            out.push(b',');
        }
        self.any = true;
        new_line(out, self.depth);
    }

    /// Starts the next member of an object: its key, then the caller's value.
    pub fn key(&mut self, out: &mut Vec<u8>, key: &str) {
        self.next(out);
        string(out, key);
        out.extend_from_slice(b": ");
    }

    /// [`Members::key`] for a key that needs no escape: the fixed ones.
    pub fn plain_key(&mut self, out: &mut Vec<u8>, key: &str) {
        self.next(out);
        plain_string(out, key);
        out.extend_from_slice(b": ");
    }

    /// Closes with `bracket`, on a line of its own unless nothing was written.
    pub fn close(self, out: &mut Vec<u8>, bracket: u8) {
        if self.any {
            new_line(out, self.depth - 1);
        }
        out.push(bracket);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "(?s).{0,40}") {
            let mut out = Vec::new();
            super::string(&mut out, &text);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap());
        }
    }

    #[test]
    fn escapes_are_found_at_every_position_of_strings_of_every_length() {
        for len in 1..25 {
            assert!(!super::needs_escape(&vec![b'a'; len]), "{len} bytes");
            for special in [0u8, 0x1f, b'"', b'\\'] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = special;
                    assert!(super::needs_escape(&bytes), "{special:#x} at {at} of {len}");
                }
            }
        }
        let plain: Vec<u8> = (0x20u8..0x80)
            .filter(|&b| b != b'"' && b != b'\\')
            .collect();
        assert!(!super::needs_escape(&plain));
        assert!(!super::needs_escape("caf\u{e9} \u{1F600}".as_bytes()));
    }

    #[test]
    fn a_line_break_indents_any_depth() {
        for depth in 0..40 {
            let mut out = Vec::new();
            super::new_line(&mut out, depth);
            assert_eq!(out, format!("\n{}", "  ".repeat(depth)).into_bytes());
        }
    }

    #[test]
    fn every_control_character_and_quote_is_escaped_as_serde_json_does() {
        let all: String = (0u8..0x80).map(char::from).collect();
        let mut out = Vec::new();
        super::string(&mut out, &all);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
    }
}
