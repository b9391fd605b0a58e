//! nginx's token rules, one statement at a time.
//!
//! Mirrors nginx's own reader: blanks separate words; `;` ends a simple
//! directive and `{` opens a block (both also end a bare word); `}` closes a
//! block only where a statement may start; `#` starts a comment only at the
//! start of a word; `"..."`/`'...'` quote a whole word and must be followed
//! by a blank, `;`, `{` or `)`; a backslash protects the next character, and
//! `\"`, `\'`, `\\`, `\t`, `\r`, `\n` are unescaped; `${` inside a word is
//! part of a variable name, not a block.

use std::borrow::Cow;

use crate::syntax::Word;

/// nginx refuses a single word this long or longer (its read buffer).
pub const MAX_WORD_BYTES: usize = 4096;

/// How a statement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminator {
    /// `;` at this offset.
    Semicolon(u32),
    /// `{` at this offset.
    BlockStart(u32),
    /// `}` at this offset (the statement has no words).
    BlockEnd(u32),
    /// End of the text (the statement has no words).
    Eof,
}

/// The words of one directive and what ended it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement<'a> {
    pub words: Vec<Word<'a>>,
    pub term: Terminator,
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub offset: u32,
    pub message: String,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes that may continue a bare word without special handling (all but
/// blanks, `;`, `{`, `\\` and `$`; bytes of non-ASCII characters are plain).
const PLAIN: [bool; 256] = {
    let mut table = [true; 256];
    let mut i = 0;
    let stops = b" \t\r\n;{\\$";
    while i < stops.len() {
        table[stops[i] as usize] = false;
        i += 1;
    }
    table
};

/// The length of the plain run at the start of `bytes`; it ends before an
/// ASCII byte, so on a character boundary.
fn plain_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| !PLAIN[b as usize])
        .unwrap_or(bytes.len())
}

/// nginx's unescaping of a word's raw text.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&n @ ('"' | '\'' | '\\')) => {
                out.push(n);
                chars.next();
            }
            Some('t') => {
                out.push('\t');
                chars.next();
            }
            Some('r') => {
                out.push('\r');
                chars.next();
            }
            Some('n') => {
                out.push('\n');
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// Reads statements out of one file's text.
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Words of the statement being read, reused from one to the next.
    scratch: Vec<Word<'a>>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            scratch: Vec::new(),
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, LexError> {
        Err(LexError {
            offset: offset as u32,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn unexpected_eof<T>(&self) -> Result<T, LexError> {
        self.err(
            self.text.len(),
            "unexpected end of file, expecting \";\" or \"}\"",
        )
    }

    /// The next statement. Its words are gathered in a reused list and
    /// copied out at their exact length: a large config holds hundreds of
    /// thousands of statements, most with fewer words than a growing list
    /// would make room for.
    pub fn next_statement(&mut self) -> Result<Statement<'a>, LexError> {
        let mut words = std::mem::take(&mut self.scratch);
        words.clear();
        let term = self.statement(&mut words);
        let statement = term.map(|term| {
            let mut exact = Vec::with_capacity(words.len());
            exact.append(&mut words);
            Statement { words: exact, term }
        });
        self.scratch = words;
        statement
    }

    /// Reads one statement's words into `words`; returns what ended it.
    fn statement(&mut self, words: &mut Vec<Word<'a>>) -> Result<Terminator, LexError> {
        loop {
            while self.peek().is_some_and(is_blank) {
                self.pos += 1;
            }
            let Some(c) = self.peek() else {
                if !words.is_empty() {
                    return self.unexpected_eof();
                }
                return Ok(Terminator::Eof);
            };
            let at = self.pos as u32;
            match c {
                b';' | b'{' => {
                    if words.is_empty() {
                        return self.err(self.pos, format!("unexpected \"{}\"", c as char));
                    }
                    self.pos += 1;
                    let term = if c == b';' {
                        Terminator::Semicolon(at)
                    } else {
                        Terminator::BlockStart(at)
                    };
                    return Ok(term);
                }
                b'}' => {
                    if !words.is_empty() {
                        return self.err(self.pos, "unexpected \"}\"");
                    }
                    self.pos += 1;
                    return Ok(Terminator::BlockEnd(at));
                }
                b'#' => {
                    self.pos = self.text[self.pos..]
                        .find('\n')
                        .map_or(self.text.len(), |n| self.pos + n);
                }
                b'"' | b'\'' => {
                    let (word, term) = self.quoted(c)?;
                    words.push(word);
                    if let Some(term) = term {
                        return Ok(term);
                    }
                }
                _ => {
                    let (word, term) = self.bare()?;
                    words.push(word);
                    if let Some(term) = term {
                        return Ok(term);
                    }
                }
            }
        }
    }

    /// A word in quotes; what follows the closing quote may end the statement.
    fn quoted(&mut self, quote: u8) -> Result<(Word<'a>, Option<Terminator>), LexError> {
        let open = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = open + 1;
        loop {
            match bytes.get(i) {
                None => {
                    self.pos = bytes.len();
                    return self.unexpected_eof();
                }
                Some(b'\\') => i += 2,
                Some(&b) if b == quote => break,
                Some(_) => i += 1,
            }
        }
        if i - open >= MAX_WORD_BYTES {
            return self.err(
                open,
                "too long parameter, probably missing terminating quote",
            );
        }
        let raw = &self.text[open + 1..i];
        let word = Word::new(unescape(raw), open as u32, (i + 1) as u32);
        self.pos = i + 1;
        match self.peek() {
            None => Ok((word, None)),
            Some(b) if is_blank(b) || b == b')' => {
                self.pos += 1;
                Ok((word, None))
            }
            Some(b';') => {
                self.pos += 1;
                Ok((word, Some(Terminator::Semicolon(i as u32 + 1))))
            }
            Some(b'{') => {
                self.pos += 1;
                Ok((word, Some(Terminator::BlockStart(i as u32 + 1))))
            }
            Some(_) => {
                let c = self.text[self.pos..].chars().next().unwrap_or('?');
                self.err(self.pos, format!("unexpected \"{c}\" after a quoted word"))
            }
        }
    }

    /// A bare word, up to a blank, `;` or `{` (but `${` continues it).
    fn bare(&mut self) -> Result<(Word<'a>, Option<Terminator>), LexError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut after_dollar = false;
        let end = loop {
            let run = plain_run(&bytes[self.pos..]);
            if run > 0 {
                after_dollar = false;
                self.pos += run;
            }
            match bytes.get(self.pos) {
                None => {
                    return self.unexpected_eof();
                }
                Some(b'\\') => {
                    // The next character is taken as is, whatever it is.
                    self.pos += 1;
                    if let Some(c) = self.text[self.pos..].chars().next() {
                        self.pos += c.len_utf8();
                    }
                    after_dollar = false;
                }
                Some(b'$') => {
                    self.pos += 1;
                    after_dollar = true;
                }
                Some(b'{') if after_dollar => {
                    self.pos += 1;
                    after_dollar = false;
                }
                Some(_) => break self.pos,
            }
        };
        if end - start >= MAX_WORD_BYTES {
            let head: String = self.text[start..].chars().take(10).collect();
            return self.err(start, format!("too long parameter \"{head}...\" started"));
        }
        let word = Word::new(unescape(&self.text[start..end]), start as u32, end as u32);
        let term = match bytes.get(end) {
            Some(b';') => Some(Terminator::Semicolon(end as u32)),
            Some(b'{') => Some(Terminator::BlockStart(end as u32)),
            _ => None,
        };
        self.pos = end + usize::from(term.is_some());
        Ok((word, term))
    }

    /// Skips the body of a raw block (`content_by_lua_block { ... }`) whose `{`
    /// was just read, up to its matching `}`; returns the body's byte range.
    /// Lua strings, long brackets and comments may hold braces.
    pub fn raw_block(&mut self) -> Result<(usize, usize), LexError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut depth = 1usize;
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Ok((start, i));
                    }
                }
                q @ (b'"' | b'\'') => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != q && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
                b'[' if long_bracket(&bytes[i..]).is_some() => {
                    i = skip_long_bracket(bytes, i);
                    continue;
                }
                b'-' if bytes.get(i + 1) == Some(&b'-') => {
                    i += 2;
                    if bytes.get(i) == Some(&b'[') && long_bracket(&bytes[i..]).is_some() {
                        i = skip_long_bracket(bytes, i);
                        continue;
                    }
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.pos = bytes.len();
        self.err(
            start,
            "unexpected end of file in a Lua block, expecting \"}\"",
        )
    }
}

/// The level of a Lua long bracket opening `[[` / `[==[` at the start of `b`.
fn long_bracket(b: &[u8]) -> Option<usize> {
    let eqs = b.iter().skip(1).take_while(|&&c| c == b'=').count();
    (b.get(1 + eqs) == Some(&b'[')).then_some(eqs)
}

/// The offset after the long bracket string starting at `i`.
fn skip_long_bracket(bytes: &[u8], i: usize) -> usize {
    let level = long_bracket(&bytes[i..]).unwrap_or(0);
    let close: Vec<u8> = std::iter::once(b']')
        .chain(std::iter::repeat_n(b'=', level))
        .chain(std::iter::once(b']'))
        .collect();
    let body = i + level + 2;
    bytes[body.min(bytes.len())..]
        .windows(close.len())
        .position(|w| w == close.as_slice())
        .map_or(bytes.len(), |p| body + p + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(text: &str) -> Vec<(Vec<String>, char)> {
        let mut lexer = Lexer::new(text);
        let mut out = Vec::new();
        loop {
            let s = lexer.next_statement().expect("lexes");
            let words = s.words.iter().map(|w| w.as_str().to_string()).collect();
            let t = match s.term {
                Terminator::Semicolon(_) => ';',
                Terminator::BlockStart(_) => '{',
                Terminator::BlockEnd(_) => '}',
                Terminator::Eof => break,
            };
            out.push((words, t));
        }
        out
    }

    fn error(text: &str) -> LexError {
        let mut lexer = Lexer::new(text);
        loop {
            match lexer.next_statement() {
                Err(e) => return e,
                Ok(s) if s.term == Terminator::Eof => panic!("no error in {text:?}"),
                Ok(_) => {}
            }
        }
    }

    fn w(words: &[&str], t: char) -> (Vec<String>, char) {
        (words.iter().map(|s| s.to_string()).collect(), t)
    }

    #[test]
    fn directives_and_blocks() {
        assert_eq!(
            statements("http {\n  server { listen 80; }\n}\n"),
            vec![
                w(&["http"], '{'),
                w(&["server"], '{'),
                w(&["listen", "80"], ';'),
                w(&[], '}'),
                w(&[], '}')
            ]
        );
        assert_eq!(
            statements("a b;c;"),
            vec![w(&["a", "b"], ';'), w(&["c"], ';')]
        );
    }

    #[test]
    fn comments_only_at_word_start() {
        assert_eq!(
            statements("# x\nset $a b#c; # tail\n"),
            vec![w(&["set", "$a", "b#c"], ';')]
        );
    }

    #[test]
    fn quotes_escapes_and_variables() {
        assert_eq!(
            statements(r#"return 200 "a \"b\" c\n";"#),
            vec![w(&["return", "200", "a \"b\" c\n"], ';')]
        );
        assert_eq!(
            statements("x 'a;b' \"{\";"),
            vec![w(&["x", "a;b", "{"], ';')]
        );
        assert_eq!(
            statements("set $x ${host}_1;"),
            vec![w(&["set", "$x", "${host}_1"], ';')]
        );
        assert_eq!(
            statements(r"rewrite ^/a\ b /c;"),
            vec![w(&["rewrite", "^/a\\ b", "/c"], ';')]
        );
        assert_eq!(
            statements("if ($a = b) { }"),
            vec![w(&["if", "($a", "=", "b)"], '{'), w(&[], '}')]
        );
        assert_eq!(
            statements("if ($a = \"b\") { }"),
            vec![w(&["if", "($a", "=", "b"], '{'), w(&[], '}')]
        );
        assert_eq!(statements("a b}c;"), vec![w(&["a", "b}c"], ';')]);
    }

    #[test]
    fn errors_as_nginx_reports_them() {
        assert_eq!(
            error("a \"b\"c;").message,
            "unexpected \"c\" after a quoted word"
        );
        assert_eq!(error(";").message, "unexpected \";\"");
        assert_eq!(error("a }").message, "unexpected \"}\"");
        assert!(error("a b").message.starts_with("unexpected end of file"));
        assert!(
            error("a \"b;")
                .message
                .starts_with("unexpected end of file")
        );
    }

    #[test]
    fn lua_blocks_are_raw() {
        let text = "content_by_lua_block { local s = \"}\" -- }\n local t = [[ } ]] }\nx;";
        let mut lexer = Lexer::new(text);
        let s = lexer.next_statement().unwrap();
        assert!(matches!(s.term, Terminator::BlockStart(_)));
        let (a, b) = lexer.raw_block().unwrap();
        assert!(text[a..b].contains("[[ } ]]"));
        assert_eq!(lexer.next_statement().unwrap().words[0].as_str(), "x");
    }
}
