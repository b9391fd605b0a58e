//! Cuts HAProxy files into sections, following `.if` blocks.
//!
//! Works line by line as HAProxy does: each line is split into words by the
//! [`lexer`](super::lexer); conditional directives are followed (a branch
//! whose condition cannot be decided is kept and its lines marked
//! uncertain); a section keyword opens a section; any other line belongs to
//! the open section. An error on one line is reported and parsing goes on at
//! the next, so one run shows every error of a file.

use super::ast::{Config, Line, Section, SectionKind};
use super::cond::{self, CondContext, Truth};
use super::lexer::{self, Env, Word};
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::version::Version;

/// HAProxy's limit on nested `.if` blocks.
const MAX_NESTED_CONDS: usize = 20;

/// What a parse may consult.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    pub env: Env,
    pub version: Version,
}

/// One level of `.if` nesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Branch {
    Active,
    Inactive,
    Maybe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taken {
    Yes,
    No,
    Maybe,
}

struct CondLevel {
    branch: Branch,
    taken: Taken,
    seen_else: bool,
    opened: Span,
}

struct FileParser<'a, 'o> {
    file: FileId,
    text: &'a str,
    name: &'o str,
    opts: &'o ParseOptions,
    conds: Vec<CondLevel>,
    current: Option<Section<'a>>,
    config: &'o mut Config<'a>,
    diags: &'o mut Vec<Diagnostic>,
}

impl<'a> FileParser<'a, '_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start..end)
    }

    fn state(&self) -> Branch {
        let mut state = Branch::Active;
        for level in &self.conds {
            match level.branch {
                Branch::Inactive => return Branch::Inactive,
                Branch::Maybe => state = Branch::Maybe,
                Branch::Active => {}
            }
        }
        state
    }

    fn run(mut self) {
        let mut offset = 0;
        let mut line_no = 0;
        for raw in self.text.split_inclusive('\n') {
            line_no += 1;
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            self.line(line, offset, line_no);
            offset += raw.len();
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            let end = self.text.len();
            self.diags.push(
                Diagnostic::error("missing newline at the end of the last line")
                    .at(self.span(end, end))
                    .label("HAProxy refuses a last line without a newline (it may have been truncated)")
                    .help("end the file with a newline"),
            );
        }
        if let Some(level) = self.conds.last() {
            self.diags.push(
                Diagnostic::error("'.if' block is not terminated")
                    .at(level.opened)
                    .label("opened here")
                    .help("close it with '.endif'"),
            );
        }
        self.close_section();
    }

    fn line(&mut self, line: &'a str, offset: usize, line_no: usize) {
        let words = match lexer::lex_line(line, offset, line_no, self.name, &self.opts.env) {
            Ok(w) => w,
            Err(e) => {
                let at = e.offset as usize;
                let end = line[at - offset..]
                    .chars()
                    .next()
                    .map_or(at, |c| at + c.len_utf8());
                self.diags.push(
                    Diagnostic::error(e.kind.message())
                        .at(self.span(at, end))
                        .label("here"),
                );
                return;
            }
        };
        let Some(first) = words.first() else { return };
        if first.as_str().starts_with('.') && self.directive(&words) {
            return;
        }
        let state = self.state();
        if state == Branch::Inactive {
            return;
        }
        let line = Line {
            file: self.file,
            words,
            uncertain: state == Branch::Maybe,
        };
        if let Some(kind) = SectionKind::from_keyword(line.keyword(), self.opts.version) {
            self.open_section(kind, line);
        } else if let Some(section) = &mut self.current {
            section.lines.push(line);
        } else {
            self.diags.push(
                Diagnostic::error(format!("'{}' appears before any section", line.keyword()))
                    .at(line.word_span(0))
                    .label("out of section")
                    .help("put it under a 'global', 'defaults', 'frontend', 'backend' or 'listen' section"),
            );
        }
    }

    fn open_section(&mut self, kind: SectionKind, header: Line<'a>) {
        self.close_section();
        if matches!(
            kind,
            SectionKind::Frontend | SectionKind::Backend | SectionKind::Listen
        ) {
            match header.words.get(1) {
                None => self.diags.push(
                    Diagnostic::error(format!("'{}' needs a name", kind.keyword()))
                        .at(header.word_span(0))
                        .help(format!("write '{} <name>'", kind.keyword())),
                ),
                Some(name) => self.check_name(kind, name),
            }
            let from_form = header.words.len() == 4 && header.word(2) == Some("from");
            if header.words.len() > 2 && !from_form {
                let d = if kind == SectionKind::Backend {
                    Diagnostic::error(format!("too many arguments for '{}'", kind.keyword()))
                } else {
                    Diagnostic::error("listening addresses are not allowed on the section line")
                        .help("declare them with 'bind <address>:<port>' inside the section")
                };
                self.diags.push(d.at(header.word_span(2)));
            }
        }
        if kind == SectionKind::Defaults
            && let Some(name) = header.words.get(1).filter(|w| w.as_str() != "from")
        {
            self.check_name(kind, name);
        }
        if kind.is_proxy()
            && let Some(i) = header.words.iter().position(|w| w.as_str() == "from")
            && header.words.get(i + 1).is_none()
        {
            self.diags.push(
                Diagnostic::error("'from' needs the name of a defaults section")
                    .at(header.word_span(i)),
            );
        }
        self.current = Some(Section {
            kind,
            header,
            lines: Vec::new(),
        });
    }

    /// Proxy names may only hold letters, digits, `-`, `_`, `.` and `:`.
    fn check_name(&mut self, kind: SectionKind, name: &Word) {
        let bad = name
            .as_str()
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')));
        if let Some((_, c)) = bad {
            self.diags.push(
                Diagnostic::error(format!(
                    "character '{}' is not permitted in {} name '{}'",
                    c.escape_default(),
                    kind.keyword(),
                    name.as_str()
                ))
                .at(self.span(name.start as usize, name.end as usize))
                .help("use only letters, digits, '-', '_', '.' and ':'"),
            );
        }
    }

    fn close_section(&mut self) {
        if let Some(section) = self.current.take() {
            self.config.sections.push(section);
        }
    }

    /// Handles `.if`-family and message directives; `false` when the word is
    /// not a directive (it is then an ordinary keyword).
    fn directive(&mut self, words: &[Word<'a>]) -> bool {
        let name = words[0].as_str();
        let span = self.span(words[0].start as usize, words[0].end as usize);
        let max_words = match name {
            ".else" | ".endif" => 1,
            ".alert" | ".warning" | ".notice" | ".diag" => 2,
            _ => usize::MAX,
        };
        if words.len() > max_words {
            let extra = &words[max_words];
            let mut d = Diagnostic::error(format!(
                "unexpected argument '{}' for '{name}'",
                extra.as_str()
            ))
            .at(self.span(extra.start as usize, extra.end as usize));
            if max_words == 2 {
                d = d.help("quote the message if it contains spaces");
            }
            self.diags.push(d);
            return true;
        }
        let whole = self.span(words[0].start as usize, words[words.len() - 1].end as usize);
        match name {
            ".if" => {
                if self.conds.len() + 1 >= MAX_NESTED_CONDS {
                    self.diags.push(
                        Diagnostic::error(format!(
                            "too many nested '.if' (HAProxy's limit is {MAX_NESTED_CONDS})"
                        ))
                        .at(span),
                    );
                    return true;
                }
                let level = if self.state() == Branch::Inactive {
                    CondLevel {
                        branch: Branch::Inactive,
                        taken: Taken::Yes,
                        seen_else: false,
                        opened: span,
                    }
                } else {
                    let truth = self.condition(words, whole);
                    let (branch, taken) = match truth {
                        Truth::True => (Branch::Active, Taken::Yes),
                        Truth::False => (Branch::Inactive, Taken::No),
                        Truth::Unknown(_) => (Branch::Maybe, Taken::Maybe),
                    };
                    CondLevel {
                        branch,
                        taken,
                        seen_else: false,
                        opened: span,
                    }
                };
                self.conds.push(level);
            }
            ".elif" | ".else" => {
                let Some(level) = self.conds.last() else {
                    self.diags.push(
                        Diagnostic::error(format!("'{name}' with no matching '.if'")).at(span),
                    );
                    return true;
                };
                if level.seen_else {
                    self.diags.push(
                        Diagnostic::error(format!("'{name}' after '.else' is not permitted"))
                            .at(span),
                    );
                    return true;
                }
                let taken = level.taken;
                let (branch, taken) = if name == ".else" {
                    match taken {
                        Taken::Yes => (Branch::Inactive, Taken::Yes),
                        Taken::No => (Branch::Active, Taken::Yes),
                        Taken::Maybe => (Branch::Maybe, Taken::Maybe),
                    }
                } else if taken == Taken::Yes {
                    (Branch::Inactive, Taken::Yes)
                } else {
                    match (taken, self.condition(words, whole)) {
                        (_, Truth::False) => (Branch::Inactive, taken),
                        (Taken::No, Truth::True) => (Branch::Active, Taken::Yes),
                        (_, Truth::True) => (Branch::Maybe, Taken::Yes),
                        (_, Truth::Unknown(_)) => (Branch::Maybe, Taken::Maybe),
                    }
                };
                let level = self.conds.last_mut().expect("checked above");
                level.branch = branch;
                level.taken = taken;
                level.seen_else = name == ".else";
            }
            ".endif" => {
                if self.conds.pop().is_none() {
                    self.diags
                        .push(Diagnostic::error("'.endif' with no matching '.if'").at(span));
                }
            }
            ".alert" | ".warning" | ".notice" | ".diag" => {
                if self.state() == Branch::Inactive {
                    return true;
                }
                let text = words.get(1).map_or("", |w| w.as_str());
                let uncertain = self.state() == Branch::Maybe;
                let d = match name {
                    ".alert" if !uncertain => {
                        Diagnostic::error(format!("the config stops HAProxy: {text}"))
                    }
                    ".alert" => Diagnostic::warning(format!("the config may stop HAProxy: {text}")),
                    ".warning" => Diagnostic::warning(text),
                    _ => Diagnostic::info(text),
                };
                self.diags
                    .push(d.at(whole).label(format!("'{name}' directive")));
            }
            _ => return false,
        }
        true
    }

    fn condition(&mut self, words: &[Word<'a>], whole: Span) -> Truth {
        let text: Vec<&str> = words[1..].iter().map(|w| w.as_str()).collect();
        let text = text.join(" ");
        let ctx = CondContext {
            env: &self.opts.env,
            version: self.opts.version,
        };
        match cond::evaluate(&text, &ctx) {
            Ok(Truth::Unknown(why)) => {
                self.config.uncertain.push((whole, why.clone()));
                Truth::Unknown(why)
            }
            Ok(t) => t,
            Err((message, _)) => {
                self.diags.push(
                    Diagnostic::error(message)
                        .at(whole)
                        .label("in this condition"),
                );
                // HAProxy stops on this; for the rest of the file, keep both branches.
                Truth::Unknown("invalid condition".to_string())
            }
        }
    }
}

/// Parses one file's text; sections are appended to `config`.
pub fn parse_file<'a>(
    file: FileId,
    name: &str,
    text: &'a str,
    opts: &ParseOptions,
    config: &mut Config<'a>,
    diags: &mut Vec<Diagnostic>,
) {
    FileParser {
        file,
        text,
        name,
        opts,
        conds: Vec::new(),
        current: None,
        config,
        diags,
    }
    .run();
}
