//! Pipeline benchmarks on configs from `../shared/bench/gen_configs.py`
//! (1k, 10k and 50k backends/upstreams, HAProxy and nginx): tokenize,
//! parse (the syntax tree alone), lower (parse and model), every rule on a
//! loaded model, check (all of it), and diff against the same config with
//! the generator's injected problems.
//!
//! cargo bench --bench pipeline

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lbcheck::check::{CheckOptions, check};
use lbcheck::source::SourceDb;
use lbcheck::syntax::haproxy::lexer::{Env, lex_line};
use lbcheck::syntax::nginx::lexer::{Lexer, Terminator};

const SIZES: [usize; 3] = [1_000, 10_000, 50_000];

/// Writes a generated config to the target directory, or `None` when the
/// generator is not beside the checkout.
fn generated(kind: &str, n: usize, inject: bool) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("../shared/bench/gen_configs.py");
    if !script.exists() {
        eprintln!("SKIPPED: {} not found", script.display());
        return None;
    }
    let count_flag = if kind == "haproxy" {
        "--backends"
    } else {
        "--upstreams"
    };
    let per_flag = if kind == "haproxy" {
        "--servers-per-backend"
    } else {
        "--servers-per-upstream"
    };
    let mut cmd = Command::new("python3");
    cmd.arg(&script).args([
        kind,
        count_flag,
        &n.to_string(),
        per_flag,
        "3",
        "--seed",
        "42",
    ]);
    if inject {
        cmd.arg("--inject");
    }
    let out = cmd.output().ok()?;
    let ext = if kind == "haproxy" { "cfg" } else { "conf" };
    let path = root.join(format!(
        "target/bench-{kind}-{n}{}.{ext}",
        if inject { "-inject" } else { "" }
    ));
    std::fs::write(&path, out.stdout).ok()?;
    Some(path)
}

fn bench(c: &mut Criterion, kind: &str) {
    let mut group = c.benchmark_group(kind);
    group.sample_size(10);
    for n in SIZES {
        let (Some(path), Some(injected)) = (generated(kind, n, false), generated(kind, n, true))
        else {
            return;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        group.throughput(Throughput::Bytes(text.len() as u64));
        if kind == "haproxy" {
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
        }
        if kind == "nginx" {
            group.bench_with_input(BenchmarkId::new("tokenize", n), &text, |b, text| {
                b.iter(|| {
                    let mut lexer = Lexer::new(text);
                    let mut words = 0;
                    while let Ok(s) = lexer.next_statement() {
                        if s.term == Terminator::Eof {
                            break;
                        }
                        words += s.words.len();
                    }
                    words
                })
            });
        }
        let opts = lbcheck::Options::default();
        group.bench_function(BenchmarkId::new("parse", n), |b| {
            let mut db = SourceDb::new();
            let id = db.add("bench", text.clone());
            b.iter(|| {
                if kind == "haproxy" {
                    let parse_opts = lbcheck::syntax::haproxy::ParseOptions {
                        env: Env::Unresolved,
                        version: opts.haproxy_version,
                    };
                    lbcheck::syntax::haproxy::parse(&db, &[id], &parse_opts)
                        .0
                        .sections
                        .len()
                } else {
                    let mut diags = Vec::new();
                    let includes = lbcheck::syntax::nginx::IncludeMap::default();
                    lbcheck::syntax::nginx::parser::parse(&db, &[id], &includes, &mut diags).len()
                }
            })
        });
        group.bench_function(BenchmarkId::new("lower", n), |b| {
            b.iter(|| {
                let mut db = SourceDb::new();
                let id = db.add("bench", text.clone());
                let (model, _) = if kind == "haproxy" {
                    lbcheck::lower_haproxy(&db, &[id], &opts)
                } else {
                    lbcheck::lower_nginx(&mut db, &[id], &opts)
                };
                model.backends.len()
            })
        });
        let loaded = lbcheck::load(std::slice::from_ref(&path), &opts).unwrap();
        let shares = lbcheck::all_shares(&loaded.model, &lbcheck::WhatIf::default()).unwrap();
        let policy = lbcheck::policy::Policy::default();
        let expected = lbcheck::expected::compute(&loaded.model, None);
        group.bench_function(BenchmarkId::new("rules", n), |b| {
            b.iter(|| {
                let cx = lbcheck::rules::Context::new(&loaded.model, &shares, &policy, &expected);
                let mut out = Vec::new();
                lbcheck::rules::run(&cx, |_| true, &mut out);
                out.len()
            })
        });
        let copts = CheckOptions::default();
        group.bench_function(BenchmarkId::new("check", n), |b| {
            b.iter(|| {
                check(std::slice::from_ref(&path), &copts, None)
                    .unwrap()
                    .findings
                    .len()
            })
        });
        let (mut old, mut new) = (
            check(std::slice::from_ref(&path), &copts, None).unwrap(),
            check(&[injected], &copts, None).unwrap(),
        );
        // diff takes the sides' findings: each run gets them back first.
        let findings = (old.findings.clone(), new.findings.clone());
        group.bench_function(BenchmarkId::new("diff", n), |b| {
            b.iter_batched(
                || findings.clone(),
                |(o, n)| {
                    (old.findings, new.findings) = (o, n);
                    lbcheck::diff::diff(&mut old, &mut new).changes.len()
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn haproxy(c: &mut Criterion) {
    bench(c, "haproxy");
}

fn nginx(c: &mut Criterion) {
    bench(c, "nginx");
}

criterion_group!(benches, haproxy, nginx);
criterion_main!(benches);
