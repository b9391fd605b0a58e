//! HAProxy's word rules, one line at a time.
//!
//! A line is split into words the way HAProxy's `parse_line()` does it:
//! blanks separate words, `#` outside quotes starts a comment, `"..."` keeps
//! blanks and expands environment variables, `'...'` is literal, and a
//! backslash escapes ` `, `\`, `#`, `'`, `"`, `$` (in double quotes), `t`, `n`,
//! `r` and `xHH`. A word that is one plain run of the line is borrowed from
//! the source; only quoting or escaping that changes the text allocates.
//!
//! Environment variables are *not* read from lbcheck's own environment unless
//! the caller passes an [`Env`]: by default `${NAME}` stays in the word as
//! written and the word is marked [`Word::env`], an unresolved value.

use std::borrow::Cow;
use std::collections::HashMap;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{anychar, char};
use nom::combinator::opt;
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

/// HAProxy refuses lines with more words than this (`MAX_LINE_ARGS`).
pub const MAX_WORDS: usize = 64;

pub use crate::syntax::word::Word;

/// How `${NAME}` references are treated.
#[derive(Debug, Clone, Default)]
pub enum Env {
    /// Kept as written and marked unresolved (the default: hermetic).
    #[default]
    Unresolved,
    /// Resolved from this table (`--env`); a missing name expands to nothing,
    /// as in HAProxy.
    Values(HashMap<String, String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexErrorKind {
    UnmatchedQuote,
    UnmatchedBrace,
    BadVariableName,
    BadHexEscape,
    BadWordExpansion,
    TooManyWords,
    NulCharacter,
}

impl LexErrorKind {
    pub fn message(self) -> &'static str {
        match self {
            LexErrorKind::UnmatchedQuote => "unmatched quote",
            LexErrorKind::UnmatchedBrace => "unmatched brace in environment variable name",
            LexErrorKind::BadVariableName => {
                "forbidden first character in environment variable name"
            }
            LexErrorKind::BadHexEscape => "truncated or invalid hexadecimal escape sequence",
            LexErrorKind::BadWordExpansion => "truncated or invalid word expansion sequence",
            LexErrorKind::TooManyWords => "too many words on one line (HAProxy stops at 64)",
            LexErrorKind::NulCharacter => "NUL character in the line",
        }
    }
}

/// A lexing failure at a byte offset of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    pub offset: u32,
    pub kind: LexErrorKind,
}

/// nom error carrying where and why.
#[derive(Debug)]
struct Fail<'a> {
    at: &'a str,
    kind: Option<LexErrorKind>,
}

impl<'a> ParseError<&'a str> for Fail<'a> {
    fn from_error_kind(input: &'a str, _: ErrorKind) -> Self {
        Fail {
            at: input,
            kind: None,
        }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, O> = IResult<&'a str, O, Fail<'a>>;

fn fail<O>(at: &str, kind: LexErrorKind) -> Res<'_, O> {
    Err(nom::Err::Failure(Fail {
        at,
        kind: Some(kind),
    }))
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

/// Characters that end a plain run outside quotes.
fn is_plain(c: char) -> bool {
    !is_blank(c) && !matches!(c, '"' | '\'' | '\\' | '#' | '\0')
}

/// Characters that end a plain run inside double quotes.
fn is_dq_plain(c: char) -> bool {
    !matches!(c, '"' | '\\' | '$' | '\0')
}

/// Builds one word out of fragments, staying borrowed while it can.
struct WordBuf<'a> {
    line: &'a str,
    start: usize,
    owned: Option<String>,
    borrowed: Option<&'a str>,
    env: bool,
}

impl<'a> WordBuf<'a> {
    /// Appends `s`, a slice of the line (adjacent slices stay one borrow).
    fn push_str(&mut self, s: &'a str) {
        match (&mut self.owned, self.borrowed) {
            (Some(o), _) => o.push_str(s),
            (None, None) => self.borrowed = Some(s),
            (None, Some(b)) => {
                // Two adjacent slices of the line can stay one borrow.
                let b_end = b.as_ptr() as usize + b.len();
                if b_end == s.as_ptr() as usize {
                    let from = b.as_ptr() as usize - self.line.as_ptr() as usize;
                    self.borrowed = Some(&self.line[from..from + b.len() + s.len()]);
                } else {
                    let mut o = String::with_capacity(b.len() + s.len());
                    o.push_str(b);
                    o.push_str(s);
                    self.owned = Some(o);
                }
            }
        }
    }

    /// Makes the word exist even if nothing is added to it: a variable
    /// that expands to nothing still makes a (possibly empty) word.
    fn mark_present(&mut self) {
        if self.owned.is_none() && self.borrowed.is_none() {
            self.owned = Some(String::new());
        }
    }

    fn push_char(&mut self, c: char) {
        let o = self
            .owned
            .get_or_insert_with(|| self.borrowed.unwrap_or("").to_string());
        o.push(c);
    }

    fn into_word(self, end: usize, base: usize) -> Word<'a> {
        let text = match (self.owned, self.borrowed) {
            (Some(o), _) => Cow::Owned(o),
            (None, Some(b)) => Cow::Borrowed(b),
            (None, None) => Cow::Borrowed(""),
        };
        Word::new(text, (base + self.start) as u32, (base + end) as u32).with_env(self.env)
    }
}

/// `\x` escapes: returns the character it stands for, or `None` when the
/// backslash is kept literally (HAProxy leaves e.g. `\1` alone).
fn escape(i: &str, in_dquote: bool) -> Res<'_, Option<char>> {
    let (rest, _) = char('\\').parse(i)?;
    let Ok((after, c)) = anychar::<_, Fail>(rest) else {
        return Ok((rest, None));
    };
    let out = match c {
        ' ' | '\\' | '#' | '\'' | '"' => c,
        '$' if in_dquote => '$',
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'x' => {
            let hex = after
                .get(..2)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            let Some(hex) = hex else {
                return fail(i, LexErrorKind::BadHexEscape);
            };
            let byte = u8::from_str_radix(hex, 16).unwrap_or(0);
            return Ok((&after[2..], Some(char::from(byte))));
        }
        _ => return Ok((rest, None)),
    };
    Ok((after, Some(out)))
}

/// A `$NAME`, `${NAME}`, `${NAME-default}` or `${NAME[*]}` reference.
struct EnvRef<'a> {
    raw: &'a str,
    name: &'a str,
    default: Option<&'a str>,
}

fn env_ref(i: &str) -> Res<'_, EnvRef<'_>> {
    let (rest, _) = char('$').parse(i)?;
    let (rest, brace) = opt(char('{')).parse(rest)?;
    let first = rest.chars().next();
    if !matches!(first, Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '.') {
        return fail(rest, LexErrorKind::BadVariableName);
    }
    let (rest, dot) = opt(char('.')).parse(rest)?;
    let (rest, name_tail) =
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_').parse(rest)?;
    let name_len = dot.map_or(0, |_| 1) + name_tail.len();
    let name_start = i.len() - rest.len() - name_len;
    let name = &i[name_start..name_start + name_len];
    let mut rest = rest;
    let mut default = None;
    if brace.is_some() {
        if rest.starts_with('[') {
            match tag::<_, _, Fail>("[*]").parse(rest) {
                Ok((r, _)) => rest = r,
                Err(_) => return fail(rest, LexErrorKind::BadWordExpansion),
            }
        }
        if let Some(r) = rest.strip_prefix('-') {
            let Some(close) = r.find('}') else {
                return fail(&i[1..], LexErrorKind::UnmatchedBrace);
            };
            default = Some(&r[..close]);
            rest = &r[close..];
        }
        match char::<_, Fail>('}').parse(rest) {
            Ok((r, _)) => rest = r,
            Err(_) => return fail(&i[1..], LexErrorKind::UnmatchedBrace),
        }
    }
    let raw = &i[..i.len() - rest.len()];
    Ok((rest, EnvRef { raw, name, default }))
}

struct Lexer<'a, 'e> {
    line: &'a str,
    base: usize,
    line_no: usize,
    file_name: &'e str,
    env: &'e Env,
}

impl<'a> Lexer<'a, '_> {
    fn offset(&self, rest: &str) -> usize {
        self.line.len() - rest.len()
    }

    fn expand(&self, r: &EnvRef<'a>, word: &mut WordBuf<'a>) {
        let Env::Values(values) = self.env else {
            word.push_str(r.raw);
            word.env = true;
            return;
        };
        let value = match r.name {
            ".LINE" => Some(self.line_no.to_string()),
            ".FILE" => Some(self.file_name.to_string()),
            name => values.get(name).cloned(),
        };
        match value.or_else(|| r.default.map(str::to_string)) {
            Some(v) => {
                for c in v.chars() {
                    word.push_char(c);
                }
                if v.is_empty() {
                    word.mark_present();
                }
            }
            None => word.mark_present(),
        }
    }

    fn double_quoted(&self, i: &'a str, word: &mut WordBuf<'a>) -> Res<'a, ()> {
        let open = i;
        let (mut rest, _) = char('"').parse(i)?;
        loop {
            if let Ok((r, _)) = char::<_, Fail>('"').parse(rest) {
                return Ok((r, ()));
            }
            if rest.is_empty() {
                return fail(open, LexErrorKind::UnmatchedQuote);
            }
            if rest.starts_with('\0') {
                return fail(rest, LexErrorKind::NulCharacter);
            }
            if let Ok((r, s)) = take_while1::<_, _, Fail>(is_dq_plain).parse(rest) {
                word.push_str(s);
                rest = r;
            } else if rest.starts_with('\\') {
                let (r, c) = escape(rest, true)?;
                match c {
                    Some(c) => word.push_char(c),
                    None => word.push_str(&rest[..1]),
                }
                rest = r;
            } else {
                let (r, var) = env_ref(rest)?;
                self.expand(&var, word);
                rest = r;
            }
        }
    }

    fn single_quoted(&self, i: &'a str, word: &mut WordBuf<'a>) -> Res<'a, ()> {
        let open = i;
        let (rest, _) = char('\'').parse(i)?;
        let (rest, body) = take_while(|c| c != '\'' && c != '\0').parse(rest)?;
        word.push_str(body);
        match char::<_, Fail>('\'').parse(rest) {
            Ok((r, _)) => Ok((r, ())),
            Err(_) if rest.starts_with('\0') => fail(rest, LexErrorKind::NulCharacter),
            Err(_) => fail(open, LexErrorKind::UnmatchedQuote),
        }
    }

    /// One word; `None` at the end of the line or at a comment.
    fn word(&self, i: &'a str) -> Res<'a, Option<Word<'a>>> {
        let (i, _) = take_while(is_blank).parse(i)?;
        if i.is_empty() || i.starts_with('#') || i.starts_with('\n') {
            return Ok((i, None));
        }
        let mut word = WordBuf {
            line: self.line,
            start: self.offset(i),
            owned: None,
            borrowed: None,
            env: false,
        };
        let mut rest = i;
        while let Some(c) = rest.chars().next() {
            if is_blank(c) || c == '#' || c == '\n' {
                break;
            }
            rest = match c {
                '"' => self.double_quoted(rest, &mut word)?.0,
                '\'' => self.single_quoted(rest, &mut word)?.0,
                '\\' => {
                    let (r, c) = escape(rest, false)?;
                    match c {
                        Some(c) => word.push_char(c),
                        None => word.push_str(&rest[..1]),
                    }
                    r
                }
                '\0' => return fail(rest, LexErrorKind::NulCharacter),
                _ => {
                    let (r, s) = take_while1(is_plain).parse(rest)?;
                    word.push_str(s);
                    r
                }
            };
        }
        let end = self.offset(rest);
        Ok((rest, Some(word.into_word(end, self.base))))
    }
}

/// How the plain-line scan sees a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlainClass {
    Word,
    Blank,
    /// Quote, escape, comment, variable, NUL or non-ASCII: the full lexer's.
    Special,
}

const PLAIN_CLASS: [PlainClass; 256] = {
    let mut table = [PlainClass::Word; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => PlainClass::Blank,
            b'"' | b'\'' | b'\\' | b'#' | b'$' | 0 | 0x80..=0xff => PlainClass::Special,
            _ => PlainClass::Word,
        };
        b += 1;
    }
    table
};

/// Most lines hold no quote, escape, comment, variable or non-ASCII byte:
/// their words are the runs between blanks, borrowed as they are. `None`
/// when the line needs the full lexer, which also takes the rare plain line
/// of more than [`PLAIN_WORDS`] words.
fn plain_words(line: &str, base: usize) -> Option<Vec<Word<'_>>> {
    let bytes = line.as_bytes();
    // Where each word starts and ends: the list is then allocated once, at
    // its exact length (the lowering thread reads and frees it). Kept small:
    // the array is zeroed for every line.
    let mut bounds = [(0u32, 0u32); PLAIN_WORDS];
    let mut count = 0;
    let mut i = 0;
    // A word ends at a blank (or the end); a special byte anywhere hands
    // the line to the full lexer.
    while i < bytes.len() {
        match PLAIN_CLASS[bytes[i] as usize] {
            PlainClass::Blank => {
                i += 1;
                continue;
            }
            PlainClass::Special => return None,
            PlainClass::Word => {}
        }
        let from = i;
        while i < bytes.len() {
            match PLAIN_CLASS[bytes[i] as usize] {
                PlainClass::Word => i += 1,
                PlainClass::Blank => break,
                PlainClass::Special => return None,
            }
        }
        *bounds.get_mut(count)? = (from as u32, i as u32);
        count += 1;
    }
    let words = bounds[..count].iter().map(|&(from, to)| {
        Word::new(
            Cow::Borrowed(&line[from as usize..to as usize]),
            base as u32 + from,
            base as u32 + to,
        )
    });
    Some(words.collect())
}

/// The most words [`plain_words`] splits a line into.
const PLAIN_WORDS: usize = 24;

/// Splits one line (without its newline) into words. `base` is the line's
/// byte offset in its file, so word spans are file offsets.
pub fn lex_line<'a>(
    line: &'a str,
    base: usize,
    line_no: usize,
    file_name: &str,
    env: &Env,
) -> Result<Vec<Word<'a>>, LexError> {
    if let Some(words) = plain_words(line, base) {
        return Ok(words);
    }
    lex_any_line(line, base, line_no, file_name, env)
}

/// [`lex_line`] for any line: quotes, escapes, variables and comments.
fn lex_any_line<'a>(
    line: &'a str,
    base: usize,
    line_no: usize,
    file_name: &str,
    env: &Env,
) -> Result<Vec<Word<'a>>, LexError> {
    let lexer = Lexer {
        line,
        base,
        line_no,
        file_name,
        env,
    };
    let mut words = Vec::new();
    let mut rest = line;
    loop {
        match lexer.word(rest) {
            Ok((r, Some(w))) => {
                if words.len() == MAX_WORDS {
                    return Err(LexError {
                        offset: w.start,
                        kind: LexErrorKind::TooManyWords,
                    });
                }
                words.push(w);
                rest = r;
            }
            Ok((_, None)) => return Ok(words),
            Err(nom::Err::Failure(f)) | Err(nom::Err::Error(f)) => {
                return Err(LexError {
                    offset: (base + lexer.offset(f.at)) as u32,
                    kind: f.kind.unwrap_or(LexErrorKind::UnmatchedQuote),
                });
            }
            Err(nom::Err::Incomplete(_)) => return Ok(words),
        }
    }
}

/// Writes a word so that [`lex_line`] reads it back unchanged: plain when it
/// can be, otherwise single-quoted, or double-quoted with escapes when it holds
/// a single quote.
pub fn quote_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| is_plain(c) && c != '$') {
        return word.to_string();
    }
    if !word.chars().any(|c| c == '\'' || c.is_control()) {
        return format!("'{word}'");
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\x00"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_lines_split_as_the_full_lexer_does(line in "[a-z0-9 \t\r:/._=$#'\"\\-]{0,80}") {
            if let Some(fast) = plain_words(&line, 7) {
                let full = lex_any_line(&line, 7, 1, "t.cfg", &Env::Unresolved);
                proptest::prop_assert_eq!(Ok(fast), full);
            }
        }
    }

    #[test]
    fn plain_lines_take_the_fast_path_and_others_do_not() {
        assert!(plain_words("    server s1 10.0.0.1:80 weight 5 check", 0).is_some());
        for special in ["a 'b'", "a \"b\"", "a\\ b", "a # c", "a ${X}", "caf\u{e9}"] {
            assert!(plain_words(special, 0).is_none(), "{special}");
        }
        // Long plain lines go to the full lexer, which bounds them.
        let long = "w ".repeat(PLAIN_WORDS + 1);
        assert!(plain_words(&long, 0).is_none());
        assert_eq!(
            lex_line(&long, 0, 1, "t.cfg", &Env::Unresolved)
                .map(|w| w.len())
                .map_err(|e| e.kind),
            Ok(PLAIN_WORDS + 1)
        );
        let many = "w ".repeat(MAX_WORDS + 1);
        assert_eq!(
            lex_line(&many, 0, 1, "t.cfg", &Env::Unresolved).map_err(|e| e.kind),
            Err(LexErrorKind::TooManyWords)
        );
    }

    fn words(line: &str) -> Vec<String> {
        lex_line(line, 0, 1, "t.cfg", &Env::Unresolved)
            .unwrap()
            .into_iter()
            .map(|w| w.text.into_owned())
            .collect()
    }

    fn err(line: &str) -> LexError {
        lex_line(line, 0, 1, "t.cfg", &Env::Unresolved).unwrap_err()
    }

    #[test]
    fn blanks_separate_words_and_comments_end_the_line() {
        assert_eq!(
            words("  server  s1\t10.0.0.1:80 # weight 3"),
            ["server", "s1", "10.0.0.1:80"]
        );
        assert_eq!(words("a#b c"), ["a"]);
        assert!(words("   # only a comment").is_empty());
        assert!(words("").is_empty());
    }

    #[test]
    fn plain_words_are_borrowed() {
        let w = lex_line("acl is_api path_beg /api", 10, 1, "t", &Env::Unresolved).unwrap();
        assert!(w.iter().all(|w| matches!(w.text, Cow::Borrowed(_))));
        assert_eq!((w[3].start, w[3].end()), (30, 34));
    }

    #[test]
    fn quotes_keep_blanks_and_join_adjacent_parts() {
        assert_eq!(
            words(r#"errorfile "a b" 'c d'"#),
            ["errorfile", "a b", "c d"]
        );
        assert_eq!(words(r#"x"y z"'w'"#), ["xy zw"]);
        assert_eq!(words(r#"a "" b"#), ["a", "", "b"]);
        assert_eq!(
            words(r##"'#not a comment' "# nor this""##),
            ["#not a comment", "# nor this"]
        );
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(words(r"'a\tb ${X}'"), [r"a\tb ${X}"]);
    }

    #[test]
    fn backslash_escapes() {
        assert_eq!(words(r"a\ b c\#d"), ["a b", "c#d"]);
        assert_eq!(words(r#""\t\n\r\x41\"\\\$""#), ["\t\n\rA\"\\$"]);
        assert_eq!(words(r"\1 \$x"), [r"\1", r"\$x"]);
        assert_eq!(words(r"\'q"), ["'q"]);
    }

    #[test]
    fn environment_variables_stay_unresolved_by_default() {
        let w = lex_line(
            r#"bind "${ADDR}:80" $NOT_IN_QUOTES"#,
            0,
            1,
            "t",
            &Env::Unresolved,
        )
        .unwrap();
        assert_eq!(w[1].text, "${ADDR}:80");
        assert!(w[1].env());
        assert_eq!(w[2].text, "$NOT_IN_QUOTES");
        assert!(!w[2].env());
    }

    #[test]
    fn environment_variables_resolve_when_asked() {
        let env = Env::Values(HashMap::from([("PORT".to_string(), "8080".to_string())]));
        let w = lex_line(
            r#"bind ":${PORT}" "${MISSING-9000}" "$PORT" "${NONE}x" "${.LINE}""#,
            0,
            7,
            "t",
            &env,
        )
        .unwrap();
        let t: Vec<_> = w.iter().map(|w| w.text.as_ref()).collect();
        assert_eq!(t, ["bind", ":8080", "9000", "8080", "x", "7"]);
        assert!(w.iter().all(|w| !w.env()));
    }

    /// Found by fuzzing: two empty expansions side by side were taken for
    /// adjacent slices of the line, and slicing it panicked.
    #[test]
    fn adjacent_empty_expansions_make_a_word() {
        let env = Env::Values(HashMap::new());
        let t = |line| {
            let w = lex_line(line, 0, 1, "t", &env).unwrap();
            w.iter().map(|w| w.text.to_string()).collect::<Vec<_>>()
        };
        assert_eq!(t(r#"bind "${A}${B}x" y"#), ["bind", "x", "y"]);
        assert_eq!(t(r#"a "$A$B" "$I\$I""#), ["a", "", "$I"]);
    }

    #[test]
    fn errors_point_at_the_culprit() {
        assert_eq!(
            err(r#"a "unterminated"#),
            LexError {
                offset: 2,
                kind: LexErrorKind::UnmatchedQuote
            }
        );
        assert_eq!(err("a 'x").kind, LexErrorKind::UnmatchedQuote);
        assert_eq!(err(r#"a "${X""#).kind, LexErrorKind::UnmatchedBrace);
        assert_eq!(
            err(r#"a "cost $5""#),
            LexError {
                offset: 9,
                kind: LexErrorKind::BadVariableName
            }
        );
        assert_eq!(err(r"a \xZ1").kind, LexErrorKind::BadHexEscape);
        assert_eq!(err(r#""${X[1]}""#).kind, LexErrorKind::BadWordExpansion);
        assert_eq!(err("a\0b").kind, LexErrorKind::NulCharacter);
        let many = vec!["w"; 65].join(" ");
        assert_eq!(err(&many).kind, LexErrorKind::TooManyWords);
        assert_eq!(words(&vec!["w"; 64].join(" ")).len(), 64);
    }

    #[test]
    fn quote_word_round_trips() {
        for w in [
            "plain",
            "",
            "a b",
            "it's",
            "$HOME",
            "#x",
            "tab\there",
            "back\\slash",
            "q\"uote",
        ] {
            let quoted = quote_word(w);
            assert_eq!(words(&quoted), [w], "{quoted}");
        }
    }
}
