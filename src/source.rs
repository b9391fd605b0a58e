//! Source files and byte spans.
//!
//! Every file lbcheck reads is loaded once into a [`SourceDb`] and referred to by
//! a [`FileId`]. Everything downstream points back into the text with a [`Span`]
//! (a file and a byte range); line and column numbers are computed only when a
//! span is rendered, through the file's lazily built [`LineIndex`].

use std::num::NonZeroU32;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::LoadError;

/// Files larger than this are refused: no real load-balancer config comes close,
/// and reading one would only exhaust memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Index of a file in a [`SourceDb`]. Stored plus one, so that an
/// `Option<Span>` (a sourced value's place) is no larger than a `Span`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(NonZeroU32);

impl FileId {
    pub const fn new(index: u32) -> FileId {
        FileId(NonZeroU32::MIN.saturating_add(index))
    }

    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user (or an include) named it.
    pub path: PathBuf,
    text: String,
    /// The text's length in bytes, kept when the text is let go.
    len: usize,
    /// The text was let go ([`SourceDb::release_text`]): it was ASCII, so
    /// columns are byte counts and the line index answers alone.
    released: bool,
    /// Byte offset of the first byte that was not UTF-8 (such bytes were
    /// replaced by U+FFFD, so offsets after it may be off).
    pub invalid_utf8_at: Option<usize>,
    line_index: OnceLock<LineIndex>,
}

impl SourceFile {
    /// The file's text; not to be read once it was let go (see
    /// [`SourceDb::release_text`]).
    pub fn text(&self) -> &str {
        debug_assert!(
            !self.released,
            "{}: text read after release",
            self.path.display()
        );
        &self.text
    }

    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        if self.released {
            return self.line_index().line_col_ascii(self.len, offset);
        }
        self.line_index().line_col(&self.text, offset)
    }
}

/// Bytes of text a [`LineIndex`] takes as one task.
const LINE_INDEX_PIECE: usize = 1 << 20;

/// Byte offsets of line starts, for turning offsets into line/column.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        // Counted first so the list is allocated once: large files have
        // hundreds of thousands of lines.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut starts = Vec::with_capacity(lines + 1);
        starts.push(0u32);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// [`LineIndex::new`] a piece of the text at a time on the thread pool,
    /// counting and then filling. Not for use under a lock that pool tasks
    /// may wait on: the caller's thread takes other tasks while it waits.
    pub fn new_parallel(text: &str) -> LineIndex {
        use rayon::prelude::*;
        let pieces: Vec<&[u8]> = text.as_bytes().chunks(LINE_INDEX_PIECE).collect();
        let counts: Vec<usize> = pieces
            .par_iter()
            .map(|p| memchr::memchr_iter(b'\n', p).count())
            .collect();
        let mut starts = vec![0u32; counts.iter().sum::<usize>() + 1];
        let mut slots = Vec::with_capacity(pieces.len());
        let mut rest = &mut starts[1..];
        for &count in &counts {
            let (slot, after) = rest.split_at_mut(count);
            slots.push(slot);
            rest = after;
        }
        slots
            .into_par_iter()
            .zip(pieces.par_iter().enumerate())
            .for_each(|(slot, (i, piece))| {
                let base = i * LINE_INDEX_PIECE;
                for (start, newline) in slot.iter_mut().zip(memchr::memchr_iter(b'\n', piece)) {
                    *start = (base + newline + 1) as u32;
                }
            });
        LineIndex { starts }
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let (line, start) = self.line_of(offset);
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// [`LineIndex::line_col`] in an ASCII text of `len` bytes, which need
    /// not be at hand: there a column counts bytes.
    pub fn line_col_ascii(&self, len: usize, offset: usize) -> (usize, usize) {
        let offset = offset.min(len);
        let (line, start) = self.line_of(offset);
        (line + 1, offset - start + 1)
    }

    /// The 0-based line holding a byte offset, and the line's start.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (line, self.starts[line] as usize)
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line - 1] as usize;
        let mut end = self
            .starts
            .get(line)
            .map(|&s| s as usize - 1)
            .unwrap_or(text.len());
        if end > start && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

/// All files of one run.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn new() -> SourceDb {
        SourceDb::default()
    }

    /// Adds in-memory text (tests, git revisions, standard input).
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> FileId {
        let id = FileId::new(self.files.len() as u32);
        self.files.push(SourceFile {
            path: path.into(),
            len: text.len(),
            text,
            released: false,
            invalid_utf8_at: None,
            line_index: OnceLock::new(),
        });
        id
    }

    /// Reads a file from disk, bounded in size. Bytes that are not UTF-8 are
    /// replaced (the proxies accept them in comments and strings) and the
    /// first one's offset is kept so a warning can point at it.
    pub fn load(&mut self, path: &Path) -> Result<FileId, LoadError> {
        let (text, invalid) = read_text(path)?;
        let id = self.add(path, text);
        self.files[id.index()].invalid_utf8_at = invalid;
        Ok(id)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId::new(i as u32), f))
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    pub fn text(&self, id: FileId) -> &str {
        self.file(id).text()
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Builds the line index of every large file now, on the thread pool,
    /// ahead of a report that needs a line for every finding (a 25 MB file
    /// has a million lines: 7 ms on one thread, under 5 on two).
    pub fn index_lines(&self) {
        for file in &self.files {
            if file.len >= 2 * LINE_INDEX_PIECE && file.line_index.get().is_none() {
                // Built outside the OnceLock: if another thread got there
                // first, its index (the same) stays.
                let _ = file.line_index.set(LineIndex::new_parallel(&file.text));
            }
        }
    }

    /// Lets go of the text of every ASCII file, keeping its line index:
    /// for a report that shows no snippets, once the model, the
    /// suppressions and the line index are made, a finding's line and
    /// column are all it needs of the text (a large config's text is a
    /// sixth of what a check holds at its peak). Files with other
    /// characters keep theirs: their columns count characters.
    pub fn release_text(&mut self) {
        self.index_lines();
        for file in &mut self.files {
            if file.released || !file.text.is_ascii() {
                continue;
            }
            file.line_index();
            file.text = String::new();
            file.released = true;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file of a span, and the line and column of its start.
    pub fn start(&self, span: Span) -> (&SourceFile, usize, usize) {
        let file = self.file(span.file);
        let (line, column) = file.line_col(span.start as usize);
        (file, line, column)
    }

    /// `path:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> Location {
        let (file, line, column) = self.start(span);
        Location {
            path: file.path.clone(),
            line,
            column,
        }
    }
}

/// A rendered position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Reads a whole file as text, refusing oversized files and directories with
/// a typed error instead of a panic or an unbounded allocation. Returns the
/// offset of the first invalid UTF-8 byte, if any (replaced by U+FFFD).
pub fn read_text(path: &Path) -> Result<(String, Option<usize>), LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory(path.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let bytes = read_bytes(path, meta.len()).map_err(io)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, None)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            Ok((String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at)))
        }
    }
}

/// Files at least this large are read a piece at a time on the thread pool:
/// copying a large file into fresh memory is mostly the kernel's page faults,
/// which then come on both cores.
const PARALLEL_READ_BYTES: u64 = 4 << 20;

/// The whole file. Large ones are read in pieces side by side at their
/// offsets; if the file turns out not to be `len` bytes long any more (it
/// changed since its size was taken), it is read again from the start, the
/// ordinary way.
fn read_bytes(path: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    if len >= PARALLEL_READ_BYTES {
        use rayon::prelude::*;
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let mut bytes = vec![0u8; len as usize];
        let read = bytes
            .par_chunks_mut(PARALLEL_READ_BYTES as usize / 2)
            .enumerate()
            .try_for_each(|(i, piece)| {
                file.read_exact_at(piece, i as u64 * PARALLEL_READ_BYTES / 2)
            });
        let mut probe = [0u8; 1];
        if read.is_ok() && file.read_at(&mut probe, len)? == 0 {
            return Ok(bytes);
        }
    }
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\ncdé\nf";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        assert_eq!(idx.line_col(text, 7), (2, 4)); // after the two-byte é
        assert_eq!(idx.line_col(text, 8), (3, 1));
        assert_eq!(idx.line_col(text, 999), (3, 2));
    }

    /// Text of `len` bytes whose newlines fall at and around the pieces'
    /// edges, with blank lines and a last line without its newline.
    fn lines_across_pieces(len: usize) -> String {
        let mut text = vec![b'x'; len];
        let mut at = 0;
        for step in [1usize, 2, 7, 4096, 65_535].iter().cycle() {
            at += step;
            if at >= len {
                break;
            }
            text[at] = b'\n';
        }
        for edge in (LINE_INDEX_PIECE..len).step_by(LINE_INDEX_PIECE) {
            text[edge - 1] = b'\n';
            text[edge] = b'\n';
        }
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn the_parallel_line_index_is_the_serial_one() {
        for len in [0, 1, LINE_INDEX_PIECE, 3 * LINE_INDEX_PIECE + 17] {
            let text = lines_across_pieces(len);
            assert_eq!(
                LineIndex::new_parallel(&text).starts,
                LineIndex::new(&text).starts,
                "{len} bytes"
            );
        }
    }

    #[test]
    fn a_large_file_is_read_whole_and_indexed_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.cfg");
        let text = lines_across_pieces(PARALLEL_READ_BYTES as usize * 2 + 12_345);
        std::fs::write(&path, &text).unwrap();
        let mut db = SourceDb::new();
        let id = db.load(&path).unwrap();
        assert!(db.text(id) == text);
        db.index_lines();
        assert_eq!(
            db.file(id).line_index().starts,
            LineIndex::new(&text).starts
        );
    }

    #[test]
    fn a_released_ascii_text_places_every_offset_as_before() {
        let ascii = "frontend fe\r\n  bind :80\n\n  default_backend be\nx";
        let other = "backend b\u{e9}\n  server s\u{fc}d 10.0.0.1:80\n";
        let mut db = SourceDb::new();
        let (a, b) = (db.add("a.cfg", ascii.into()), db.add("b.cfg", other.into()));
        let before: Vec<_> = (0..ascii.len() + 3)
            .map(|o| db.file(a).line_col(o))
            .chain((0..other.len() + 3).map(|o| db.file(b).line_col(o)))
            .collect();
        db.release_text();
        assert!(db.file(a).released && db.file(a).text.is_empty());
        // Columns of the other text count characters: it keeps its text.
        assert!(!db.file(b).released && db.text(b) == other);
        let after: Vec<_> = (0..ascii.len() + 3)
            .map(|o| db.file(a).line_col(o))
            .chain((0..other.len() + 3).map(|o| db.file(b).line_col(o)))
            .collect();
        assert_eq!(before, after);
        assert_eq!(db.file(a).line_col(16), (2, 4));
    }

    #[test]
    fn line_range_drops_crlf() {
        let text = "a\r\nbc\n";
        let idx = LineIndex::new(text);
        assert_eq!(&text[idx.line_range(text, 1)], "a");
        assert_eq!(&text[idx.line_range(text, 2)], "bc");
        assert_eq!(&text[idx.line_range(text, 3)], "");
    }
}
