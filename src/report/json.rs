//! `--format json` for findings: a versioned, documented contract.
//!
//! `{"version": 1, "findings": [{"code", "name", "severity", "message",
//! "file", "line", "column", "end_line", "end_column", "entity", "help",
//! "notes", "related": [{"file", "line", "column", "message"}], "data"}],
//! "summary": {"errors", "warnings", "infos", "files"}}`

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use crate::diag::{Diagnostic, Severity};
use crate::report::json_text::{self, Members};
use crate::report::stream::write_rendered;
use crate::rules;
use crate::source::SourceDb;

pub const SCHEMA_VERSION: u32 = 1;

/// One finding as the contract spells it, borrowing from the diagnostic.
#[derive(Serialize)]
pub struct Finding<'a> {
    code: Option<&'static str>,
    name: Option<&'static str>,
    severity: Severity,
    message: &'a str,
    file: Option<Cow<'a, str>>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    entity: Option<&'a str>,
    help: Option<&'a str>,
    notes: &'a [String],
    related: Vec<Related<'a>>,
    data: Data<'a>,
}

/// A finding's numbers as a JSON object, keys in the order they were set.
struct Data<'a>(&'a [(&'static str, crate::diag::Datum)]);

impl Serialize for Data<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct Related<'a> {
    file: Cow<'a, str>,
    line: usize,
    column: usize,
    message: &'a str,
}

pub fn finding<'a>(db: &'a SourceDb, d: &'a Diagnostic) -> Finding<'a> {
    let mut f = Finding {
        code: d.code,
        name: d.code.and_then(rules::meta).map(|m| m.name),
        severity: d.severity,
        message: d.message(),
        file: None,
        line: None,
        column: None,
        end_line: None,
        end_column: None,
        entity: d.entity_name(),
        help: d.help_text(),
        notes: &d.more().notes,
        related: Vec::new(),
        data: Data(&d.data),
    };
    if let Some(span) = d.primary {
        let file = db.file(span.file);
        let (line, column) = file.line_col(span.start as usize);
        let (end_line, end_column) = file.line_col(span.end as usize);
        f.file = Some(file.path.to_string_lossy());
        (f.line, f.column) = (Some(line), Some(column));
        (f.end_line, f.end_column) = (Some(end_line), Some(end_column));
    }
    f.related = d
        .more()
        .related
        .iter()
        .map(|(span, message)| {
            let (file, line, column) = db.start(*span);
            Related {
                file: file.path.to_string_lossy(),
                line,
                column,
                message,
            }
        })
        .collect();
    f
}

/// Appends the finding as [`finding`] makes it, standing `depth` levels
/// deep, without serde: findings are most of a large report.
pub fn write_finding(out: &mut Vec<u8>, db: &SourceDb, d: &Diagnostic, depth: usize) {
    let mut fields = Members::open(out, b'{', depth + 1);
    fields.plain_key(out, "code");
    json_text::optional_plain_string(out, d.code);
    fields.plain_key(out, "name");
    json_text::optional_plain_string(out, d.code.and_then(rules::meta).map(|m| m.name));
    fields.plain_key(out, "severity");
    json_text::plain_string(out, d.severity.as_str());
    fields.plain_key(out, "message");
    json_text::string(out, d.message());
    let place = d.primary.map(|span| {
        let file = db.file(span.file);
        let start = file.line_col(span.start as usize);
        let end = file.line_col(span.end as usize);
        (file.path.to_string_lossy(), start, end)
    });
    fields.plain_key(out, "file");
    json_text::optional_string(out, place.as_ref().map(|(path, ..)| path.as_ref()));
    let numbers = [
        ("line", place.as_ref().map(|(_, start, _)| start.0)),
        ("column", place.as_ref().map(|(_, start, _)| start.1)),
        ("end_line", place.as_ref().map(|(.., end)| end.0)),
        ("end_column", place.as_ref().map(|(.., end)| end.1)),
    ];
    for (key, n) in numbers {
        fields.plain_key(out, key);
        json_text::optional_number(out, n);
    }
    fields.plain_key(out, "entity");
    json_text::optional_string(out, d.entity_name());
    fields.plain_key(out, "help");
    json_text::optional_string(out, d.help_text());
    fields.plain_key(out, "notes");
    let mut notes = Members::open(out, b'[', depth + 2);
    for note in &d.more().notes {
        notes.next(out);
        json_text::string(out, note);
    }
    notes.close(out, b']');
    fields.plain_key(out, "related");
    let mut related = Members::open(out, b'[', depth + 2);
    for (span, message) in &d.more().related {
        related.next(out);
        let (file, line, column) = db.start(*span);
        let mut place = Members::open(out, b'{', depth + 3);
        place.plain_key(out, "file");
        json_text::string(out, &file.path.to_string_lossy());
        place.plain_key(out, "line");
        json_text::number(out, line);
        place.plain_key(out, "column");
        json_text::number(out, column);
        place.plain_key(out, "message");
        json_text::string(out, message);
        place.close(out, b'}');
    }
    related.close(out, b']');
    fields.plain_key(out, "data");
    let mut data = Members::open(out, b'{', depth + 2);
    for (key, value) in &d.data {
        data.key(out, key);
        // Numbers and small values: writing them cannot fail.
        let _ = write_nested(out, value, depth + 2);
    }
    data.close(out, b'}');
    fields.close(out, b'}');
}

/// serde_json's pretty layout (two-space indent) starting `depth` levels in,
/// so an element nested in a larger document is rendered in place, in one
/// pass, without re-indenting.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn new_line<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        json_text::line_break(self.depth).try_for_each(|piece| w.write_all(piece))
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.new_line(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `value` in serde_json's pretty layout as if it stood `depth`
/// levels deep in a larger document, starting at the current position (after
/// a key or on an indented line).
pub fn write_nested<W: Write + ?Sized>(
    w: &mut W,
    value: &impl Serialize,
    depth: usize,
) -> std::io::Result<()> {
    let nested = Nested {
        depth,
        has_value: false,
    };
    let mut ser = serde_json::Serializer::with_formatter(w, nested);
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// Writes `items` as a pretty-printed JSON array nested `depth` levels deep in
/// a pretty-printed document (`[` through `]`, without leading indentation),
/// each element made by `to_json`. Elements are rendered in parallel a chunk
/// at a time and streamed, so the whole text is never held.
pub fn write_array<'a, W, S, T>(
    w: &mut W,
    items: &'a [S],
    depth: usize,
    to_json: impl Fn(&'a S) -> T + Sync,
) -> std::io::Result<()>
where
    W: Write,
    S: Sync,
    T: Serialize,
{
    write_array_with(w, items, depth, |item, out| {
        // Serialising these borrowed structs cannot fail.
        let _ = write_nested(out, &to_json(item), depth + 1);
    })
}

/// [`write_array`] with each element written by `render` (at `depth + 1`,
/// from the current position) rather than by serde.
pub fn write_array_with<'a, W, S>(
    w: &mut W,
    items: &'a [S],
    depth: usize,
    render: impl Fn(&'a S, &mut Vec<u8>) + Sync,
) -> std::io::Result<()>
where
    W: Write,
    S: Sync,
{
    write_array_of(w, &[((), items)], depth, |(), item, out| render(item, out))
}

/// [`write_array_with`] over several lists written one after another as one
/// array, each rendered with its own context (a config's findings with its
/// sources): no list pairing every element with its context is made.
pub fn write_array_of<'a, W, C, S>(
    w: &mut W,
    parts: &[(C, &'a [S])],
    depth: usize,
    render: impl Fn(&C, &'a S, &mut Vec<u8>) + Sync,
) -> std::io::Result<()>
where
    W: Write,
    C: Sync,
    S: Sync,
{
    if parts.iter().all(|(_, items)| items.is_empty()) {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    let mut before = 0;
    for (context, items) in parts {
        let first = before;
        write_rendered(w, items, |i, item, out| {
            if first + i > 0 {
                out.push(b',');
            }
            json_text::new_line(out, depth + 1);
            render(context, item, out);
        })?;
        before += items.len();
    }
    write!(w, "\n{}]", "  ".repeat(depth))
}

/// Writes `fields` as a pretty-printed JSON object nested `depth` levels
/// deep (like [`write_nested`]), except that the value under `key` (a
/// placeholder in `fields`) is the array of `items`, each made by
/// `to_json` and streamed as [`write_array`] does: a list of a hundred
/// thousand elements is never one tree in memory.
pub fn write_object_streaming<'a, W, S, T>(
    w: &mut W,
    fields: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
    key: &str,
    items: &'a [S],
    to_json: impl Fn(&'a S) -> T + Sync,
) -> std::io::Result<()>
where
    W: Write,
    S: Sync,
    T: Serialize,
{
    if fields.is_empty() {
        return w.write_all(b"{}");
    }
    w.write_all(b"{")?;
    let indent = "  ".repeat(depth + 1);
    for (i, (name, value)) in fields.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        w.write_all(indent.as_bytes())?;
        serde_json::to_writer(&mut *w, name).map_err(std::io::Error::other)?;
        w.write_all(b": ")?;
        if name == key {
            write_array(w, items, depth + 1, &to_json)?;
        } else {
            write_nested(w, value, depth + 1)?;
        }
    }
    write!(w, "\n{}}}", "  ".repeat(depth))
}

/// Writes the findings of several configs, each with its own source database.
pub fn write<'a>(
    w: &mut impl Write,
    results: impl Iterator<Item = (&'a SourceDb, &'a [Diagnostic])>,
    files: usize,
) -> std::io::Result<()> {
    let sets: Vec<(&SourceDb, &[Diagnostic])> = results.collect();
    let (mut errors, mut warnings, mut infos) = (0, 0, 0);
    for d in sets.iter().flat_map(|(_, diags)| diags.iter()) {
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Info => infos += 1,
        }
    }
    write!(w, "{{\n  \"version\": {SCHEMA_VERSION},\n  \"findings\": ")?;
    write_array_of(w, &sets, 1, |db, d, out| write_finding(out, db, d, 2))?;
    writeln!(
        w,
        ",\n  \"summary\": {{\n    \"errors\": {errors},\n    \"warnings\": {warnings},\n    \"infos\": {infos},\n    \"files\": {files}\n  }}\n}}"
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// The array as serde_json lays it out inside `{"items": [...]}`.
    fn expected(items: &[Value]) -> String {
        serde_json::to_string_pretty(&json!({ "items": items })).unwrap()
    }

    fn written(items: &[Value]) -> String {
        let mut out = b"{\n  \"items\": ".to_vec();
        super::write_array(&mut out, items, 1, |v| v).unwrap();
        out.extend_from_slice(b"\n}");
        String::from_utf8(out).unwrap()
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::vec(("[a-z\"\\n]{0,6}", inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn nested_layout_is_serde_jsons_pretty_layout() {
        let items = vec![
            json!({"a": [], "b": {}, "c": [1, {"d": "x\ny"}], "e": null}),
            json!([]),
            json!("plain"),
        ];
        assert_eq!(written(&items), expected(&items));
        assert_eq!(written(&[]), expected(&[]));
        // More elements than one parallel chunk.
        let many: Vec<Value> = (0..crate::report::stream::CHUNK + 300)
            .map(|i| json!({ "i": i }))
            .collect();
        assert_eq!(written(&many), expected(&many));
    }

    /// A file with an odd name, for findings to point into.
    fn one_file() -> (crate::source::SourceDb, crate::source::FileId) {
        let mut db = crate::source::SourceDb::new();
        let file = db.add(
            "dir/\"odd\".cfg",
            "line one\nline two\n\tthree\n".to_string(),
        );
        (db, file)
    }

    /// A finding with any text, places and numbers.
    fn diagnostic() -> impl Strategy<Value = crate::diag::Diagnostic> {
        let text = "(?s).{0,12}";
        let place = prop::option::of((0usize..20, 0usize..5));
        let datum = prop_oneof![
            any::<u32>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            text.prop_map(Value::from),
            prop::collection::vec(any::<u8>(), 0..3).prop_map(Value::from),
        ];
        (
            (text, prop::option::of(text), prop::option::of(text)),
            (place, any::<bool>()),
            prop::collection::vec(text, 0..3),
            prop::collection::vec(((0usize..20), text), 0..3),
            prop::collection::vec(datum, 0..3),
        )
            .prop_map(
                |((message, entity, help), (place, coded), notes, related, data)| {
                    let file = one_file().1;
                    let mut d = crate::diag::Diagnostic::warning(message);
                    if coded {
                        d = d.code("LB101");
                    }
                    if let Some((start, len)) = place {
                        d = d.at(crate::source::Span::new(file, start..start + len));
                    }
                    if let Some(entity) = entity {
                        d = d.entity(entity);
                    }
                    if let Some(help) = help {
                        d = d.help(help);
                    }
                    for note in notes {
                        d = d.note(note);
                    }
                    for (at, label) in related {
                        d = d.related(crate::source::Span::new(file, at..at), label);
                    }
                    for (key, value) in ["a", "b\"q", "c"].into_iter().zip(data) {
                        d = d.data(key, value);
                    }
                    d
                },
            )
    }

    proptest! {
        /// The direct writer writes what serde makes of the contract's struct.
        #[test]
        fn findings_are_written_as_serde_writes_them(d in diagnostic(), depth in 0usize..4) {
            let (db, _) = one_file();
            let mut direct = Vec::new();
            super::write_finding(&mut direct, &db, &d, depth);
            let mut serde = Vec::new();
            super::write_nested(&mut serde, &super::finding(&db, &d), depth).unwrap();
            prop_assert_eq!(String::from_utf8(direct).unwrap(), String::from_utf8(serde).unwrap());
        }

        #[test]
        fn any_values_lay_out_as_serde_json_does(items in prop::collection::vec(value(), 0..6)) {
            prop_assert_eq!(written(&items), expected(&items));
        }
    }
}
