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
/// Kept small (one 96-byte block): large configs draw tens of thousands
/// of findings, and most have no label, related place, note or help made
/// up on the spot.
#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    pub severity: Severity,
    /// Stable rule code (`LB501`), or `None` for plain syntax errors.
    pub code: Option<&'static str>,
    /// The message, followed by the entity when there is one (from
    /// `entity_at`): one allocation for both.
    text: Box<str>,
    /// Where the entity starts in `text`; [`NO_ENTITY`] when there is none.
    entity_at: u16,
    pub primary: Option<Span>,
    help: Option<&'static str>,
    /// The numbers behind a finding (shares, limits, expected load), in
    /// the order they were given; reported as a JSON object.
    pub data: Vec<(&'static str, Datum)>,
    more: Option<Box<More>>,
}

/// `entity_at` when the finding is about nothing in particular. A message
/// too long to mark the entity's start keeps the entity in [`More`].
const NO_ENTITY: u16 = u16::MAX;

/// The parts of a finding most findings do without.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct More {
    /// Text under the primary span's caret.
    pub label: Option<Cow<'static, str>>,
    /// Other places that explain this one ("first defined here").
    pub related: Vec<(Span, String)>,
    pub notes: Vec<String>,
    /// A help made from the finding's particulars ("did you mean ...?").
    help: Option<String>,
    /// The entity of a finding whose message is too long to share
    /// `text` with it.
    entity: Option<Box<str>>,
}

static NOTHING_MORE: More = More {
    label: None,
    related: Vec::new(),
    notes: Vec::new(),
    help: None,
    entity: None,
};

impl Fields {
    /// The label, related places and notes (empty when there are none).
    pub fn more(&self) -> &More {
        self.more.as_deref().unwrap_or(&NOTHING_MORE)
    }

    fn more_mut(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    pub fn message(&self) -> &str {
        match self.entity_at {
            NO_ENTITY => &self.text,
            at => &self.text[..usize::from(at)],
        }
    }

    /// What the finding is about: `frontend fe_www`, `backend be_api/srv1`.
    pub fn entity_name(&self) -> Option<&str> {
        match self.entity_at {
            NO_ENTITY => self.more().entity.as_deref(),
            at => Some(&self.text[usize::from(at)..]),
        }
    }

    /// How to fix it, if the finding says.
    pub fn help_text(&self) -> Option<&str> {
        self.help.or(self.more().help.as_deref())
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
            text: message.into().into_boxed_str(),
            entity_at: NO_ENTITY,
            primary: None,
            help: None,
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
        match help.into() {
            Cow::Borrowed(help) => {
                self.help = Some(help);
                if let Some(more) = &mut self.more {
                    more.help = None;
                }
            }
            Cow::Owned(help) => {
                self.help = None;
                self.more_mut().help = Some(help);
            }
        }
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
        let entity = entity.into();
        let message_len = self.message().len();
        match u16::try_from(message_len)
            .ok()
            .filter(|&at| at != NO_ENTITY)
        {
            Some(at) => {
                self.text = [self.message(), &entity].concat().into_boxed_str();
                self.entity_at = at;
            }
            None => self.more_mut().entity = Some(entity.into_boxed_str()),
        }
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
        key(a)
            .cmp(&key(b))
            .then_with(|| a.message().cmp(b.message()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_fits_one_small_block_and_keeps_what_it_is_given() {
        // Large configs draw tens of thousands of findings: keep them small.
        assert!(std::mem::size_of::<Fields>() <= 96);
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

    #[test]
    fn message_entity_and_help_read_back_as_given() {
        let d = Diagnostic::warning("two servers share 10.0.0.1:80")
            .entity("backend be/s1")
            .help("remove one");
        assert_eq!(d.message(), "two servers share 10.0.0.1:80");
        assert_eq!(d.entity_name(), Some("backend be/s1"));
        assert_eq!(d.help_text(), Some("remove one"));
        // A later entity or help replaces the earlier one.
        let d = d
            .entity("backend be/s2")
            .help(format!("did you mean '{}'?", "s3"));
        assert_eq!(d.message(), "two servers share 10.0.0.1:80");
        assert_eq!(d.entity_name(), Some("backend be/s2"));
        assert_eq!(d.help_text(), Some("did you mean 's3'?"));
        let d = d.help("static again");
        assert_eq!(d.help_text(), Some("static again"));
        let none = Diagnostic::info("i");
        assert_eq!((none.entity_name(), none.help_text()), (None, None));
        // A message longer than the entity's mark can say.
        let long = "x".repeat(70_000);
        let d = Diagnostic::error(long.clone()).entity("frontend fe");
        assert_eq!(d.message(), long);
        assert_eq!(d.entity_name(), Some("frontend fe"));
        let d = Diagnostic::error("").entity("listen l");
        assert_eq!((d.message(), d.entity_name()), ("", Some("listen l")));
    }
}
