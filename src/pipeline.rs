//! Loading HAProxy files: each section is keyword-checked and lowered as
//! soon as the parser finishes it, so the whole syntax tree never exists;
//! for large inputs the parser and the lowering run on two threads.

use crate::diag::{self, Diagnostic};
use crate::model::{self, Model};
use crate::source::{self, SourceDb};
use crate::syntax;
use crate::version::Version;
use crate::{Options, refused};

/// Inputs smaller than this are lowered on the parsing thread: a second
/// thread only pays off once parsing takes milliseconds.
const LOWER_BESIDE_PARSER_BYTES: usize = 1 << 20;

/// Parses and lowers HAProxy files already in `db`, section by section, so
/// the whole syntax tree never exists at once. For large inputs the parser
/// (with the keyword checks) and the lowering run side by side, handing
/// sections over in batches.
pub fn lower_haproxy(
    db: &SourceDb,
    files: &[source::FileId],
    opts: &Options,
) -> (Model, Vec<Diagnostic>) {
    let parse_opts = syntax::haproxy::ParseOptions {
        env: opts.env.clone(),
        version: opts.haproxy_version,
    };
    let version = opts.haproxy_version;
    let size: usize = files.iter().map(|&f| db.text(f).len()).sum();
    let parsed = if size < LOWER_BESIDE_PARSER_BYTES {
        let mut lowering = model::haproxy::Lowering::new(version);
        lowering.reserve_backends(backend_headers(db, files));
        let mut checked = Vec::new();
        let (uncertain, syntax) = syntax::haproxy::parse_each(db, files, &parse_opts, &mut |s| {
            syntax::haproxy::validate::check_section(&s, version, &mut checked);
            lowering.section(&s);
        });
        Parsed {
            uncertain,
            syntax,
            checked,
            lowering,
        }
    } else {
        parse_beside_lowering(db, files, &parse_opts, version)
    };
    let mut diagnostics = parsed.syntax;
    diagnostics.extend(parsed.checked);
    let (model, lower_diags) = parsed.lowering.finish(parsed.uncertain);
    diagnostics.extend(refused(lower_diags));
    diag::sort(&mut diagnostics);
    (model, diagnostics)
}

/// About how many `backend` and `listen` sections the files hold, to size
/// the model's list of backends: a header that does not start its line or
/// is followed by a tab is missed, and the list then grows as usual.
fn backend_headers(db: &SourceDb, files: &[source::FileId]) -> usize {
    let starts = |text: &[u8], keyword: &[u8]| {
        memchr::memmem::find_iter(text, keyword).count()
            + usize::from(text.starts_with(&keyword[1..]))
    };
    files
        .iter()
        .map(|&f| db.text(f).as_bytes())
        .map(|text| starts(text, b"\nbackend ") + starts(text, b"\nlisten "))
        .sum()
}

/// Every section parsed, keyword-checked and lowered.
struct Parsed<'a> {
    /// `.if` conditions that could not be decided.
    uncertain: Vec<(source::Span, String)>,
    /// Syntax errors.
    syntax: Vec<Diagnostic>,
    /// Findings of the keyword checks.
    checked: Vec<Diagnostic>,
    lowering: model::haproxy::Lowering<'a>,
}

/// Parses and keyword-checks on this thread while a second one lowers the
/// finished sections (the two take about as long).
fn parse_beside_lowering<'a>(
    db: &'a SourceDb,
    files: &[source::FileId],
    parse_opts: &syntax::haproxy::ParseOptions,
    version: Version,
) -> Parsed<'a> {
    const BATCH: usize = 256;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<syntax::haproxy::Section>>(8);
    // Lowered batches go back to be freed by the thread that allocated them:
    // the lowering thread is the busier one.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<syntax::haproxy::Section>>();
    std::thread::scope(|scope| {
        let lowering = scope.spawn(move || {
            let mut lowering = model::haproxy::Lowering::new(version);
            // Counted here, while the parser reads the first sections.
            lowering.reserve_backends(backend_headers(db, files));
            for batch in rx {
                batch.iter().for_each(|s| lowering.section(s));
                // Only fails once the parsing side is gone; then drop it here.
                let _ = done_tx.send(batch);
            }
            lowering
        });
        let mut checked = Vec::new();
        let mut batch = Vec::with_capacity(BATCH);
        let (uncertain, syntax) =
            syntax::haproxy::parse_each(db, files, parse_opts, &mut |section| {
                syntax::haproxy::validate::check_section(&section, version, &mut checked);
                batch.push(section);
                if batch.len() == BATCH {
                    // Only fails if the lowering thread panicked; join says so.
                    let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                    done_rx.try_iter().for_each(drop);
                }
            });
        let _ = tx.send(batch);
        drop(tx);
        let lowering = lowering
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Parsed {
            uncertain,
            syntax,
            checked,
            lowering,
        }
    })
}
