//! Loading large inputs on two threads. HAProxy: each section is
//! keyword-checked and lowered as soon as the parser finishes it, so the
//! whole syntax tree never exists. nginx: the upstreams of the `http` and
//! `stream` blocks are lowered as soon as each is read, the rest once the
//! tree is whole (a `server` may use an upstream defined after it).

use crate::diag::{self, Diagnostic};
use crate::model::{self, Model};
use crate::source::{self, SourceDb};
use crate::syntax;
use crate::syntax::nginx::{Context, IncludeMap};
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
    let parsed = if size < LOWER_BESIDE_PARSER_BYTES || opts.one_thread {
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
    let no_listener = parsed.lowering.no_listener();
    let (model, lower_diags) = parsed.lowering.finish(parsed.uncertain);
    diagnostics.extend(refused(lower_diags));
    let no_listener = unless_errors(&diagnostics, no_listener);
    diagnostics.extend(refused(no_listener.into_iter().collect()));
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
    let mut checked = Vec::new();
    let ((uncertain, syntax), lowering) = beside(
        || {
            let mut lowering = model::haproxy::Lowering::new(version);
            // Counted here, while the parser reads the first sections.
            lowering.reserve_backends(backend_headers(db, files));
            lowering
        },
        |lowering, section| lowering.section(section),
        |section| section.lines.len() + 1,
        |hand_over| {
            syntax::haproxy::parse_each(db, files, parse_opts, &mut |section| {
                syntax::haproxy::validate::check_section(&section, version, &mut checked);
                hand_over(section);
            })
        },
    );
    Parsed {
        uncertain,
        syntax,
        checked,
        lowering,
    }
}

/// Runs `produce` on this thread and a consumer on a second one: the state
/// `start` makes there takes, through `consume`, every item `produce` hands
/// over, in order and in batches. A batch is sent once it holds
/// [`BATCH_LINES`] lines by `lines`' count, so that a large item (a frontend
/// of thousands of ACLs) goes over at once and the consumer starts early,
/// and neither side waits long for the other. Consumed batches come back to
/// be freed here, where they were allocated, so that their memory is used
/// again. Returns what `produce` returned and the consumer's state.
fn beside<T: Send, S: Send, P>(
    start: impl FnOnce() -> S + Send,
    consume: impl Fn(&mut S, &T) + Send,
    lines: impl Fn(&T) -> usize,
    produce: impl FnOnce(&mut dyn FnMut(T)) -> P,
) -> (P, S) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<T>>(BATCHES_IN_FLIGHT);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Vec<T>>();
    std::thread::scope(|scope| {
        let consumer = scope.spawn(move || {
            let mut state = start();
            for batch in rx {
                batch.iter().for_each(|item| consume(&mut state, item));
                // Only fails once the producing side is gone; then drop it here.
                let _ = done_tx.send(batch);
            }
            state
        });
        let mut batch = Vec::new();
        let mut batch_lines = 0;
        let produced = produce(&mut |item| {
            batch_lines += lines(&item);
            batch.push(item);
            if batch_lines >= BATCH_LINES {
                // Only fails if the consumer panicked; join says so.
                let _ = tx.send(std::mem::take(&mut batch));
                batch_lines = 0;
                done_rx.try_iter().for_each(drop);
            }
        });
        let _ = tx.send(batch);
        drop(tx);
        let state = consumer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (produced, state)
    })
}

/// About how many config lines [`beside`] hands over at a time.
const BATCH_LINES: usize = 2048;

/// How many batches may wait for the consumer before the producer does.
const BATCHES_IN_FLIGHT: usize = 8;

/// Parses nginx files already in `db` (their includes resolved in
/// `includes`; syntax errors go to `diagnostics`) and lowers them.
pub fn parse_and_lower_nginx(
    db: &SourceDb,
    files: &[source::FileId],
    includes: &IncludeMap,
    opts: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Model, Vec<Diagnostic>) {
    let size: usize = files.iter().map(|&f| db.text(f).len()).sum();
    let (mut tree, streamed) = if size < LOWER_BESIDE_PARSER_BYTES || opts.one_thread {
        let tree = syntax::nginx::parser::parse(db, files, includes, diagnostics);
        (tree, Vec::new())
    } else {
        parse_beside_upstream_lowering(db, files, includes, diagnostics)
    };
    let context = opts.nginx_context.unwrap_or_else(|| detect_context(&tree));
    let nginx_opts = model::nginx::NginxOptions { cpus: opts.cpus };
    let no_events = model::nginx::no_events(&tree, context, files.first().copied());
    // The lowering frees each upstream's and server's subtree once it is
    // lowered, so the tree and the model are never both whole.
    let (model, mut lowered) = model::nginx::lower(&mut tree, context, nginx_opts, streamed);
    let no_events = unless_errors(diagnostics.iter().chain(&lowered), no_events);
    lowered.extend(no_events);
    (model, lowered)
}

/// A refusal the proxies make only of a config that reads without error
/// (HAProxy's missing listener, nginx's missing `events`): `refusal`,
/// unless `seen` holds an error.
fn unless_errors<'d>(
    seen: impl IntoIterator<Item = &'d Diagnostic>,
    refusal: Option<Diagnostic>,
) -> Option<Diagnostic> {
    let clean = !seen.into_iter().any(|d| d.is_error());
    refusal.filter(|_| clean)
}

/// The context a tree's first directive shows (the main one by default).
fn detect_context(tree: &[syntax::nginx::Directive]) -> Context {
    tree.first()
        .and_then(|d| Context::detect(d.name(), d.block.is_some() || d.raw.is_some()))
        .unwrap_or(Context::Main)
}

/// Parses on this thread while a second one lowers the upstreams the parser
/// hands over (they need nothing from the rest of the tree).
fn parse_beside_upstream_lowering<'a>(
    db: &'a SourceDb,
    files: &[source::FileId],
    includes: &IncludeMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> (
    Vec<syntax::nginx::Directive<'a>>,
    Vec<model::nginx::BlockUpstreams>,
) {
    let (tree, upstreams) = beside(
        model::nginx::StreamedUpstreams::default,
        |upstreams, (block, mode, d)| upstreams.add(*block, *mode, d),
        |(_, _, d)| d.block.as_ref().map_or(1, |b| b.len() + 1),
        |hand_over| {
            let mut upstream = |block: usize, outer: &str, d: syntax::nginx::Directive<'a>| {
                let mode = if outer == "stream" {
                    model::Mode::Tcp
                } else {
                    model::Mode::Http
                };
                hand_over((block, mode, d));
            };
            syntax::nginx::parser::parse_handing_over(
                db,
                files,
                includes,
                diagnostics,
                Some(&mut upstream),
            )
        },
    );
    (tree, upstreams.into_blocks())
}

/// Where loading `text` as nginx concurrently (upstreams lowered beside the
/// parser, every block's servers in two halves) and in order disagree: the
/// two renderings of model and messages, or `None`. For the differential
/// fuzz target and tests.
#[doc(hidden)]
pub fn nginx_loading_orders_differ(text: &str) -> Option<(String, String)> {
    let render = |(model, messages): (String, Vec<String>)| format!("{model}\n{messages:#?}");
    let (concurrent, in_order) = (
        render(nginx_lowered_as(text, true)),
        render(nginx_lowered_as(text, false)),
    );
    (concurrent != in_order).then_some((concurrent, in_order))
}

/// The model and messages of `text` read with the upstreams handed over
/// and every block's servers lowered in two halves, or neither.
pub(crate) fn nginx_lowered_as(text: &str, concurrent: bool) -> (String, Vec<String>) {
    let mut db = SourceDb::new();
    let id = db.add("t.conf", text.to_string());
    let mut diags = Vec::new();
    let includes = IncludeMap::default();
    let (mut tree, streamed, split_servers) = if concurrent {
        let (tree, streamed) = parse_beside_upstream_lowering(&db, &[id], &includes, &mut diags);
        (tree, streamed, 2)
    } else {
        let tree = syntax::nginx::parser::parse(&db, &[id], &includes, &mut diags);
        (tree, Vec::new(), usize::MAX)
    };
    let context = detect_context(&tree);
    let opts = model::nginx::NginxOptions::default();
    let (model, lowered) =
        model::nginx::lower_splitting(&mut tree, context, opts, streamed, split_servers);
    diags.extend(lowered);
    rendering(&model, &diags)
}

/// A model in full and each message with its place, to compare two loads.
fn rendering(model: &Model, diags: &[Diagnostic]) -> (String, Vec<String>) {
    let messages = diags
        .iter()
        .map(|d| format!("{:?} {}", d.primary, d.message()))
        .collect();
    (format!("{model:?}"), messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::nginx::{IncludeOptions, include, parser};
    use proptest::prelude::*;

    /// The model (in full) and the messages of the nginx files `files`
    /// (name, text; the first is the main file), read with the upstreams
    /// handed over to a second thread or kept in the tree.
    fn nginx_lowered(files: &[(&str, &str)], hand_over: bool) -> (String, Vec<String>) {
        let dir = std::env::temp_dir().join(format!(
            "lbcheck-pipeline-{}-{hand_over}",
            std::process::id()
        ));
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        }
        let mut db = SourceDb::new();
        let main = db.load(&dir.join(files[0].0)).expect("load");
        let mut diags = Vec::new();
        let opts = IncludeOptions {
            prefix: dir.clone(),
            root: None,
        };
        let includes = include::resolve(&mut db, &[main], &opts, &mut diags);
        let (mut tree, streamed) = if hand_over {
            parse_beside_upstream_lowering(&db, &[main], &includes, &mut diags)
        } else {
            (
                parser::parse(&db, &[main], &includes, &mut diags),
                Vec::new(),
            )
        };
        let nginx_opts = model::nginx::NginxOptions::default();
        let (model, lowered) = model::nginx::lower(&mut tree, Context::Main, nginx_opts, streamed);
        diags.extend(lowered);
        std::fs::remove_dir_all(&dir).expect("clean up");
        rendering(&model, &diags)
    }

    /// Upstreams lowered while the rest is parsed give the model and the
    /// messages of lowering the whole tree: in `http` and `stream` (each its
    /// own namespace), from included files, used before they are defined,
    /// duplicated or nameless, in a block left open at the end, and not in a
    /// top-level block (not lowered).
    #[test]
    fn upstreams_lowered_while_parsing_match_the_whole_tree() {
        let main = "events { worker_connections 64; }\n\
            http {\n\
              server { listen 80; location / { proxy_pass http://late; } \
                       location /b { proxy_pass http://shared; } }\n\
              include conf.d/*.conf;\n\
              upstream shared { server 10.0.0.1:80 weight=2; server 10.0.0.2:80 backup; }\n\
              upstream shared { server 10.0.0.3:80; }\n\
              upstream { server 10.0.0.4:80; }\n\
              server { listen 81; location / { proxy_pass http://10.1.0.1:8080; } }\n\
              upstream late { least_conn; server 10.0.0.5:80 max_fails=0; }\n\
            }\n\
            stream {\n\
              upstream shared { server 10.2.0.1:5432; }\n\
              server { listen 5432; proxy_pass shared; }\n\
            }\n\
            events { http { upstream nested { server 10.5.0.1:80; } } }\n\
            http { upstream open { server 10.3.0.1:80;";
        let included = "upstream from_include { hash $request_uri; server 10.4.0.1:80; }\n\
            server { listen 82; location / { proxy_pass http://from_include; } }\n";
        let files = [("nginx.conf", main), ("conf.d/a.conf", included)];
        let whole = nginx_lowered(&files, false);
        assert_eq!(nginx_lowered(&files, true), whole);
        for name in ["late", "from_include", "10.1.0.1:8080", "open"] {
            assert!(whole.0.contains(&format!("name: \"{name}\"")), "{name}");
        }
        assert!(!whole.0.contains("name: \"nested\""));
        assert!(whole.1.iter().any(|m| m.contains("duplicate upstream")));
    }

    /// A random nginx config: top-level blocks of upstreams (names and
    /// addresses from small sets, so they repeat), servers passing to them,
    /// to literal addresses or through a map, and maps; sometimes cut short.
    fn nginx_config() -> impl Strategy<Value = String> {
        let name = prop::sample::select(vec!["a", "b", "c", ""]);
        let address = (0..4u8).prop_map(|i| format!("10.0.0.{i}:80"));
        let target = prop_oneof![
            name.clone().prop_map(|n| format!("http://{n}")),
            address.clone().prop_map(|a| format!("http://{a}")),
            Just("http://$pool".to_string()),
        ];
        let item = prop_oneof![
            (name.clone(), prop::collection::vec(address.clone(), 0..3)).prop_map(
                |(n, servers)| {
                    let servers: String = servers.iter().map(|a| format!("server {a}; ")).collect();
                    format!("upstream {n} {{ {servers}}}\n")
                }
            ),
            (0..2u8, prop::collection::vec(target, 1..3)).prop_map(|(port, targets)| {
                let locations: String = targets
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("location /{i}/ {{ proxy_pass {t}; }} "))
                    .collect();
                format!("server {{ listen 8{port}; {locations}}}\n")
            }),
            (name.clone(), address.clone()).prop_map(|(n, a)| {
                format!("map $host $pool {{ x.example {n}; default {a}; }}\n")
            }),
        ];
        let block = (
            prop::sample::select(vec!["http", "stream", "events"]),
            prop::collection::vec(item, 0..8),
        )
            .prop_map(|(kind, items)| format!("{kind} {{\n{}}}\n", items.concat()));
        (prop::collection::vec(block, 1..4), 0..40usize).prop_map(|(blocks, cut)| {
            let text = blocks.concat();
            // Now and then a config that ends inside a block.
            match text.len().checked_sub(cut).filter(|_| cut % 7 == 0) {
                Some(end) if text.is_char_boundary(end) => text[..end].to_string(),
                _ => text,
            }
        })
    }

    proptest! {
        /// Loading concurrently (upstreams beside the parser, servers in
        /// halves) gives the model and messages of loading in order.
        #[test]
        fn concurrent_nginx_loading_matches_loading_in_order(text in nginx_config()) {
            prop_assert_eq!(nginx_lowered_as(&text, true), nginx_lowered_as(&text, false));
        }
    }
}
