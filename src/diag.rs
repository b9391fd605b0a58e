//! Diagnostics: what lbcheck has to say about a place in a config.
//!
//! A diagnostic carries spans, never rendered text; the reporters in
//! [`crate::report`] turn it into terminal output, JSON and so on.

use std::borrow::Cow;

use serde::Serialize;

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A message about a place in the input. Boxed: large configs draw tens of
/// thousands of findings, and lists of them grow, append and sort by moving
/// pointers rather than 200-byte records.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic(Box<Fields>);

/// What a [`Diagnostic`] says; its fields are read and set through it.
/// Kept small (one 128-byte block): large configs draw tens of thousands
/// of findings, and most have no label, related place or note.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub severity: Severity,
    /// Stable rule code (`LB501`), or `None` for plain syntax errors.
    pub code: Option<&'static str>,
    pub message: Box<str>,
    pub primary: Option<Span>,
    pub help: Option<Cow<'static, str>>,
    /// What the finding is about: `frontend fe_www`, `backend be_api/srv1`.
    pub entity: Option<Box<str>>,
    /// The numbers behind a finding (shares, limits, expected load), in
    /// the order they were given; reported as a JSON object.
    pub data: Vec<(&'static str, Datum)>,
    more: Option<Box<More>>,
}

/// The parts of a finding most findings do without.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct More {
    /// Text under the primary span's caret.
    pub label: Option<Cow<'static, str>>,
    /// Other places that explain this one ("first defined here").
    pub related: Vec<(Span, String)>,
    pub notes: Vec<String>,
}

static NOTHING_MORE: More = More {
    label: None,
    related: Vec::new(),
    notes: Vec::new(),
};

impl Fields {
    /// The label, related places and notes (empty when there are none).
    pub fn more(&self) -> &More {
        self.more.as_deref().unwrap_or(&NOTHING_MORE)
    }

    fn more_mut(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }
}

/// One number (rarely another value) behind a finding: numbers are kept
/// unboxed, since large configs draw tens of thousands of findings.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Number(serde_json::Number),
    Other(Box<serde_json::Value>),
}

impl From<serde_json::Value> for Datum {
    fn from(value: serde_json::Value) -> Datum {
        match value {
            serde_json::Value::Number(n) => Datum::Number(n),
            other => Datum::Other(Box::new(other)),
        }
    }
}

impl Serialize for Datum {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Number(n) => n.serialize(serializer),
            Datum::Other(v) => v.serialize(serializer),
        }
    }
}

impl std::ops::Deref for Diagnostic {
    type Target = Fields;

    fn deref(&self) -> &Fields {
        &self.0
    }
}

impl std::ops::DerefMut for Diagnostic {
    fn deref_mut(&mut self) -> &mut Fields {
        &mut self.0
    }
}

impl Diagnostic {
    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic(Box::new(Fields {
            severity,
            code: None,
            message: message.into().into_boxed_str(),
            primary: None,
            help: None,
            entity: None,
            data: Vec::new(),
            more: None,
        }))
    }

    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, message)
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    pub fn info(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Info, message)
    }

    pub fn code(mut self, code: &'static str) -> Diagnostic {
        self.code = Some(code);
        self
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.primary = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.more_mut().label = Some(label.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.more_mut().related.push((span, label.into()));
        self
    }

    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.more_mut().notes.push(note.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn entity(mut self, entity: impl Into<String>) -> Diagnostic {
        self.entity = Some(entity.into().into_boxed_str());
        self
    }

    /// Sets `key` (replacing an earlier value of it).
    pub fn data(mut self, key: &'static str, value: impl Into<serde_json::Value>) -> Diagnostic {
        let value = Datum::from(value.into());
        match self.data.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.data.push((key, value)),
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into the stable order every output uses: by file, then
/// position, then code.
pub fn sort(diags: &mut [Diagnostic]) {
    use rayon::slice::ParallelSliceMut;
    // Stable, like `sort_by`: equal findings keep the order rules gave them.
    diags.par_sort_by(|a, b| {
        let key = |d: &Diagnostic| (d.primary.map(|s| (s.file, s.start, s.end)), d.code);
        key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_fits_one_small_block_and_keeps_what_it_is_given() {
        // Large configs draw tens of thousands of findings: keep them small.
        assert!(std::mem::size_of::<Fields>() <= 128);
        let plain = Diagnostic::warning("w");
        assert!(plain.more().label.is_none() && plain.more().related.is_empty());
        let span = Span::new(crate::source::FileId::new(0), 1..2);
        let d = Diagnostic::error("e")
            .label("here")
            .related(span, "first")
            .note("n");
        assert_eq!(d.more().label.as_deref(), Some("here"));
        assert_eq!(d.more().related, vec![(span, "first".to_string())]);
        assert_eq!(d.more().notes, vec!["n".to_string()]);
    }
}
