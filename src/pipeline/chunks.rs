//! A large HAProxy config cut into chunks that two threads take in turn,
//! each chunk parsed, keyword-checked and lowered on its own.
//!
//! A line that opens a section outside any `.if` block is a clean place to
//! cut: the parser needs nothing from the lines before it. The lowering of
//! a chunk needs what the `global` and `defaults` sections before it pass
//! on ([`Lowering::inherited`]): each chunk hands that to the next once it
//! has lowered the last such section a scan of its text finds, and checks
//! as it goes on that the scan missed none. Where the scan did (an
//! indented `defaults`, say), the chunks after it are read again in order;
//! where a cut fell inside an `.if` block, the whole config is. So the
//! outcome is always that of reading the config in one pass.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use super::Parsed;
use crate::model::haproxy::{Inherited, Lowering};
use crate::source::{FileId, SourceDb};
use crate::syntax::haproxy::{self, ParseOptions, Piece, Section};

/// About how many bytes a chunk holds (fewer chunks for smaller inputs).
const CHUNK_BYTES: usize = 1 << 20;

/// Chunks per thread: enough that the last one to finish is short, so the
/// threads end together although chunks take unequal times.
const CHUNKS_PER_THREAD: usize = 4;

/// A place in the config: the index of a file among the inputs, and a
/// byte offset in it.
type Place = (usize, usize);

/// How many threads read chunks.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// How many chunks to cut `size` bytes into for `threads` threads.
pub(super) fn chunks_for(size: usize, threads: usize) -> usize {
    (size / CHUNK_BYTES).clamp(2, threads * CHUNKS_PER_THREAD)
}

/// Reads `files` in about `wanted` chunks on `threads` threads, this one
/// among them (see the module's notes), or `None` when the config cannot
/// be cut or a cut fell inside an `.if` block: it must then be read in
/// one pass.
pub(super) fn lower_in_chunks<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
    wanted: usize,
    threads: usize,
) -> Option<Parsed<'a>> {
    let cuts = cuts(db, files, opts, wanted);
    if cuts.len() < 3 {
        return None;
    }
    let chunks = chunk_pieces(db, files, &cuts);
    let read = read_chunks(db, files, opts, &chunks, threads);
    // A cut inside an `.if` block: every chunk read on a wrong premise.
    if read
        .iter()
        .flatten()
        .any(|c| c.open_if_at_end && c.ends_inside_file)
    {
        return None;
    }
    let backends = read.iter().flatten().map(|c| c.parsed.lowering.backends());
    let backends: usize = backends.sum();
    let mut read = read.into_iter();
    let first = read.next()??;
    let mut parsed = first.parsed;
    parsed
        .lowering
        .reserve_backends(backends - parsed.lowering.backends());
    let mut valid = !first.missed;
    let mut redo = Vec::new();
    for (chunk, pieces) in read.zip(&chunks[1..]) {
        match chunk {
            Some(chunk) if valid => {
                valid = !chunk.missed;
                parsed.append(chunk.parsed);
            }
            _ => {
                valid = false;
                redo.extend_from_slice(pieces);
            }
        }
    }
    if !redo.is_empty() {
        let redo: Vec<_> = redo.into_iter().map(|p| numbered(db, p)).collect();
        read_pieces(db, &redo, opts, &mut parsed);
    }
    Some(parsed)
}

/// What one chunk's reading gave.
struct ChunkRead<'a> {
    parsed: Parsed<'a>,
    /// The chunk lowered a section that passes something on after it
    /// handed over to the next: the chunks after it were lowered wrongly.
    missed: bool,
    open_if_at_end: bool,
    /// The chunk ends before its file does.
    ends_inside_file: bool,
}

/// Reads every chunk on this thread and the others, in turn; each chunk's
/// outcome, `None` for one that got no inheritance (its thread or the one
/// before it failed).
fn read_chunks<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
    chunks: &[Vec<(FileId, Piece)>],
    threads: usize,
) -> Vec<Option<ChunkRead<'a>>> {
    let n = chunks.len();
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n)
        .map(|_| mpsc::sync_channel::<Handover<'a>>(1))
        .unzip();
    let senders: Vec<_> = senders.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let receivers: Vec<_> = receivers.into_iter().map(|r| Mutex::new(Some(r))).collect();
    let results: Vec<Mutex<Option<ChunkRead<'a>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let take = |k: usize| {
        let handover = senders.get(k + 1).and_then(|s| lock(s).take());
        let from = if k == 0 {
            None
        } else {
            Some(lock(&receivers[k]).take()?)
        };
        read_chunk(db, files, opts, &chunks[k], from, handover)
    };
    let work = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= n {
                break;
            }
            *lock(&results[k]) = take(k);
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(n)).map(|_| scope.spawn(work)).collect();
        work();
        for helper in helpers {
            helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a chunk passes on to the next: what its sections pass on, and the
/// number of the line the next chunk starts at.
type Handover<'a> = (usize, Inherited<'a>);

/// Reads one chunk, lowering it from what the chunk before passed on
/// (`from`; none for the first) and passing on to the next through
/// `handover`. `None` when the chunk before failed.
fn read_chunk<'a>(
    db: &'a SourceDb,
    files: &[FileId],
    opts: &ParseOptions,
    pieces: &[(FileId, Piece)],
    from: Option<mpsc::Receiver<Handover<'a>>>,
    mut handover: Option<mpsc::SyncSender<Handover<'a>>>,
) -> Option<ChunkRead<'a>> {
    let version = opts.version;
    let passing = last_passing_header(db, files, pieces);
    let mut pieces = pieces.to_vec();
    let mut lowering = match from {
        None => Lowering::new(version),
        Some(from) => {
            let (line, inherited) = from.recv().ok()?;
            if pieces[0].1.line == 0 {
                pieces[0].1.line = line;
            }
            Lowering::resume(version, inherited)
        }
    };
    let (last_file, last) = *pieces.last()?;
    let last_text = db.text(last_file).as_bytes();
    let ends_inside_file = last.end < last_text.len();
    let next_line = if ends_inside_file {
        last.line + memchr::memchr_iter(b'\n', &last_text[last.start..last.end]).count()
    } else {
        1
    };
    let hand_over = |handover: &mut Option<mpsc::SyncSender<Handover<'a>>>,
                     lowering: &Lowering<'a>| {
        if let Some(handover) = handover.take() {
            // Fails only if the next chunk's thread is gone; joining says why.
            let _ = handover.send((next_line, lowering.inherited()));
        }
    };
    lowering.reserve_backends(backend_headers(db, &pieces));
    if passing.is_none() {
        hand_over(&mut handover, &lowering);
    }
    let mut missed = false;
    let mut checked = Vec::new();
    let read = haproxy::parse_pieces(db, pieces.iter().copied(), opts, &mut |section| {
        haproxy::validate::check_section(&section, version, &mut checked);
        lowering.section(&section);
        if handover.is_none() {
            missed |= Lowering::passes_on(&section);
            return;
        }
        let header = section.header.span();
        let file = files.iter().position(|&f| f == header.file);
        if file.map(|i| (i, header.start as usize)) >= passing {
            hand_over(&mut handover, &lowering);
        }
    });
    hand_over(&mut handover, &lowering);
    Some(ChunkRead {
        parsed: Parsed {
            uncertain: read.uncertain,
            syntax: read.diags,
            checked,
            lowering,
        },
        missed,
        open_if_at_end: read.open_if_at_end,
        ends_inside_file,
    })
}

/// Parses, keyword-checks and lowers `pieces` after what `parsed` holds.
fn read_pieces<'a>(
    db: &'a SourceDb,
    pieces: &[(FileId, Piece)],
    opts: &ParseOptions,
    parsed: &mut Parsed<'a>,
) {
    parsed
        .lowering
        .reserve_backends(backend_headers(db, pieces));
    let (lowering, checked) = (&mut parsed.lowering, &mut parsed.checked);
    let mut read =
        haproxy::parse_pieces(db, pieces.iter().copied(), opts, &mut |s: Section<'a>| {
            haproxy::validate::check_section(&s, opts.version, checked);
            lowering.section(&s);
        });
    parsed.uncertain.append(&mut read.uncertain);
    parsed.syntax.append(&mut read.diags);
}

/// The places where `files` may be cut into about `n` chunks of equal
/// size, from the start to the end: at the first line after each share
/// that starts with `backend `, `listen ` or `frontend `, else at the start
/// of the next file.
fn cuts(db: &SourceDb, files: &[FileId], opts: &ParseOptions, n: usize) -> Vec<Place> {
    let sizes: Vec<usize> = files.iter().map(|&f| db.text(f).len()).collect();
    let total: usize = sizes.iter().sum();
    let end = (files.len(), 0);
    let mut cuts = vec![(0, 0)];
    let (mut file, mut before) = (0, 0);
    for k in 1..n {
        let target = total * k / n;
        while file < files.len() && before + sizes[file] <= target {
            before += sizes[file];
            file += 1;
        }
        if file == files.len() {
            break;
        }
        let text = db.text(files[file]);
        let cut = match proxy_header_after(text, target - before, opts) {
            Some(at) => (file, at),
            None => (file + 1, 0),
        };
        let cut = if cut.0 == files.len() { end } else { cut };
        if cut > *cuts.last().expect("starts with one") && cut != end {
            cuts.push(cut);
        }
    }
    cuts.push(end);
    cuts
}

/// The start of the first line at or after `from` that opens a proxy: it
/// starts with `backend `, `listen ` or `frontend ` and the parser takes it
/// as a header (it lexes without error).
fn proxy_header_after(text: &str, from: usize, opts: &ParseOptions) -> Option<usize> {
    let bytes = text.as_bytes();
    let opens = |at: &usize| {
        let starts = [&b"backend "[..], b"listen ", b"frontend "];
        if !starts.iter().any(|header| bytes[*at..].starts_with(header)) {
            return false;
        }
        let end = memchr::memchr(b'\n', &bytes[*at..]).map_or(text.len(), |i| at + i);
        let line = &text[*at..end];
        line.len() <= haproxy::parser::MAX_LINE_BYTES
            && haproxy::lexer::lex_line(line, *at, 1, "", &opts.env).is_ok()
    };
    let line_starts = memchr::memchr_iter(b'\n', &bytes[from.saturating_sub(1)..])
        .map(|i| from.saturating_sub(1) + i + 1);
    (from == 0)
        .then_some(0)
        .into_iter()
        .chain(line_starts)
        .find(opens)
}

/// The pieces of each chunk of `files` between consecutive `cuts`. A piece
/// that starts inside its file has line number 0 for now: the chunk
/// before it counts its own lines and says ([`Handover`]).
fn chunk_pieces(db: &SourceDb, files: &[FileId], cuts: &[Place]) -> Vec<Vec<(FileId, Piece)>> {
    cuts.windows(2)
        .map(|w| {
            let (from, to) = (w[0], w[1]);
            (from.0..=to.0.min(files.len() - 1))
                .filter_map(|i| {
                    let start = if i == from.0 { from.1 } else { 0 };
                    let end = if i == to.0 {
                        to.1
                    } else {
                        db.text(files[i]).len()
                    };
                    let line = usize::from(start == 0);
                    (start < end || i != to.0).then_some((files[i], Piece { start, end, line }))
                })
                .collect()
        })
        .collect()
}

/// `piece` with its line number, counted from the start of its file if
/// it was not known.
fn numbered(db: &SourceDb, (file, piece): (FileId, Piece)) -> (FileId, Piece) {
    let text = &db.text(file).as_bytes()[..piece.start];
    let line = match piece.line {
        0 => 1 + memchr::memchr_iter(b'\n', text).count(),
        known => known,
    };
    (file, Piece { line, ..piece })
}

/// Where the last line of `pieces` that opens a `global` or `defaults`
/// section starts (a header indented or written oddly is missed).
fn last_passing_header(
    db: &SourceDb,
    files: &[FileId],
    pieces: &[(FileId, Piece)],
) -> Option<Place> {
    pieces.iter().rev().find_map(|&(file, piece)| {
        let text = &db.text(file).as_bytes()[..piece.end];
        let last = |keyword: &[u8]| {
            let line_start = [b"\n", keyword].concat();
            let after_newline = memchr::memmem::find_iter(&text[piece.start..], &line_start)
                .map(|at| piece.start + at + 1);
            (text[piece.start..].starts_with(keyword))
                .then_some(piece.start)
                .into_iter()
                .chain(after_newline)
                .filter(|at| {
                    let next = text.get(at + keyword.len());
                    next.is_none_or(|b| b.is_ascii_whitespace())
                })
                .last()
        };
        let i = files.iter().position(|&f| f == file)?;
        last(b"defaults").max(last(b"global")).map(|at| (i, at))
    })
}

/// [`super::backend_headers`] of the text of `pieces`.
fn backend_headers(db: &SourceDb, pieces: &[(FileId, Piece)]) -> usize {
    let texts = pieces
        .iter()
        .map(|&(f, piece)| &db.text(f).as_bytes()[piece.start..piece.end]);
    super::backend_headers(texts)
}
