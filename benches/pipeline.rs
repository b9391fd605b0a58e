//! Pipeline benchmarks on configs from `../shared/bench/gen_configs.py`:
//! tokenize, parse (sections + keyword checks), lower (parse + model).
//!
//! cargo bench --bench pipeline

use std::path::Path;
use std::process::Command;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lbcheck::source::SourceDb;
use lbcheck::syntax::haproxy::lexer::{Env, lex_line};

/// A generated HAProxy config with `backends` backends, or `None` when the
/// generator is not beside the checkout.
fn generated_haproxy(backends: usize) -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_configs.py");
    if !script.exists() {
        eprintln!("SKIPPED: {} not found", script.display());
        return None;
    }
    let out = Command::new("python3")
        .arg(&script)
        .args([
            "haproxy",
            "--backends",
            &backends.to_string(),
            "--servers-per-backend",
            "3",
            "--seed",
            "42",
        ])
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()
}

fn haproxy(c: &mut Criterion) {
    let mut group = c.benchmark_group("haproxy");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 50_000] {
        let Some(text) = generated_haproxy(n) else {
            return;
        };
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("tokenize", n), &text, |b, text| {
            b.iter(|| {
                let mut words = 0;
                let mut offset = 0;
                for (i, line) in text.split_inclusive('\n').enumerate() {
                    words += lex_line(
                        line.trim_end_matches('\n'),
                        offset,
                        i + 1,
                        "b.cfg",
                        &Env::Unresolved,
                    )
                    .map_or(0, |w| w.len());
                    offset += line.len();
                }
                words
            })
        });
        let mut db = SourceDb::new();
        let id = db.add("bench.cfg", text.clone());
        let opts = lbcheck::Options::default();
        group.bench_function(BenchmarkId::new("parse", n), |b| {
            let parse_opts = lbcheck::syntax::haproxy::ParseOptions::default();
            b.iter(|| {
                lbcheck::syntax::haproxy::parse(&db, &[id], &parse_opts)
                    .0
                    .sections
                    .len()
            })
        });
        group.bench_function(BenchmarkId::new("lower", n), |b| {
            b.iter(|| lbcheck::lower_haproxy(&db, &[id], &opts).0.backends.len())
        });
    }
    group.finish();
}

criterion_group!(benches, haproxy);
criterion_main!(benches);
