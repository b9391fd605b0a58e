//! Hostile input: mutated real configs never crash lbcheck (exit status
//! 0, 1 or 2 with a message, never a panic's 101 or a signal), and every
//! bound has its error message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{fixtures, manifest_dir};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The mutations: each takes the file's bytes and returns a damaged copy.
fn mutate(kind: usize, bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let at = rng.below(b.len().max(1));
    match kind {
        0 => b.truncate(at),
        1 => {
            for _ in 0..8 {
                let i = rng.below(b.len().max(1));
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let targets: Vec<usize> = (0..b.len())
                .filter(|&i| matches!(b[i], b'"' | b'\'' | b'{' | b'}'))
                .collect();
            if !targets.is_empty() {
                b.remove(targets[rng.below(targets.len())]);
            }
        }
        3 => b
            .splice(at..at, b" 999999999999999999999999999999 ".iter().copied())
            .for_each(drop),
        4 => b.insert(at.min(b.len()), 0),
        5 => b
            .splice(at..at, [0xff, 0xfe, 0xc3].iter().copied())
            .for_each(drop),
        6 => {
            b = String::from_utf8_lossy(&b)
                .replace('\n', "\r\n")
                .into_bytes()
        }
        _ => b
            .splice(0..0, [0xef, 0xbb, 0xbf].iter().copied())
            .for_each(drop),
    }
    b
}

const MUTATIONS: usize = 8;

fn run_one(path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    // Output goes to a file: a pipe nobody reads while waiting would block a
    // child that writes a lot.
    let log = path.with_extension("out");
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("lbcheck"))
        .args(["check", "--color", "never"])
        .args(extra)
        .arg(path)
        .stdout(file.try_clone().expect("clone"))
        .stderr(file)
        .spawn()
        .expect("runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default()).into_owned();
    match status {
        Some(s) => (s.code(), text),
        None => (None, format!("timed out after 20 s\n{text}")),
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let root = manifest_dir().join("../shared/corpus");
    let mut files = Vec::new();
    for kind in ["haproxy", "nginx"] {
        let dir = root.join(kind);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but the corpus is missing"
            );
            eprintln!("SKIPPED: no corpus at {}", dir.display());
            continue;
        };
        let mut list: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        list.sort();
        // Every third file: a spread over the corpus in bounded time.
        files.extend(list.into_iter().step_by(3));
    }
    for dir in ["haproxy/valid", "nginx/valid"] {
        let mut list: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        list.sort();
        files.extend(list);
    }
    files
}

#[test]
fn mutated_configs_never_crash() {
    let scratch = manifest_dir()
        .join("target/test-tmp")
        .join(format!("mutants-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut failures = Vec::new();
    let mut runs = 0;
    for (n, file) in corpus_files().iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let ext = file
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        for kind in 0..MUTATIONS {
            let mutant = scratch.join(format!("m{n}-{kind}.{ext}"));
            std::fs::write(&mutant, mutate(kind, &bytes, &mut rng)).unwrap();
            runs += 1;
            // Every other mutant with `${VAR}` references resolved, which
            // the lexer does on another path.
            let env: &[&str] = if kind % 2 == 1 { &["--env"] } else { &[] };
            let (code, text) = run_one(&mutant, env);
            let ok = matches!(code, Some(0..=2)) && !text.contains("panicked");
            let quiet_error = code == Some(2) && text.trim().is_empty();
            if !ok || quiet_error {
                failures.push(format!(
                    "{} mutation {kind} ({}): exit {code:?}\n{text}",
                    file.display(),
                    mutant.display()
                ));
            }
        }
    }
    println!("{runs} mutated configs checked");
    assert!(
        failures.is_empty(),
        "{} of {runs} crashed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = manifest_dir()
        .join("target/test-tmp")
        .join(format!("bounds-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `lbcheck model` on a path: exit code and everything it printed.
fn model(path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("lbcheck"))
        .args(["model", "--color", "never"])
        .arg(path)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn bounds_have_clear_errors() {
    let dir = scratch("sizes");
    // File size: a sparse file over the limit is refused before it is read.
    let big = dir.join("big.cfg");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 * 1024 * 1024)
        .unwrap();
    let (code, out) = model(&big, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("file is 314572800 bytes, over the 268435456-byte limit"),
        "{out}"
    );
    // Line length (HAProxy) and word length (nginx, its own limit).
    let long = dir.join("long.cfg");
    std::fs::write(
        &long,
        format!("global\n    description {}\n", "x".repeat(2 * 1024 * 1024)),
    )
    .unwrap();
    let (code, out) = model(&long, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("line longer than lbcheck's limit of 1048576 bytes"),
        "{}",
        head(&out)
    );
    let word = dir.join("word.conf");
    std::fs::write(
        &word,
        format!(
            "events {{}}\nhttp {{ add_header X {}; }}\n",
            "a".repeat(5000)
        ),
    )
    .unwrap();
    let (code, out) = model(&word, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("too long parameter \"aaaaaaaaaa...\" started"),
        "{out}"
    );
    // Nesting depth.
    let deep = dir.join("deep.conf");
    std::fs::write(&deep, "location / {".repeat(10_000)).unwrap();
    let (code, out) = model(&deep, &["--format-in", "nginx"]);
    assert_eq!(code, Some(2));
    assert!(out.contains("blocks nested more than 100 deep"), "{out}");
    // Numbers that overflow.
    let num = dir.join("num.cfg");
    std::fs::write(
        &num,
        "backend b\n    server s 10.0.0.1:80 weight 99999999999999999999999\n",
    )
    .unwrap();
    let (code, out) = model(&num, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("'weight' expects an integer, not '99999999999999999999999'"),
        "{out}"
    );
    let num = dir.join("num.conf");
    std::fs::write(
        &num,
        "events {}\nhttp { upstream u { server 10.0.0.1 max_conns=99999999999999999999999; } }\n",
    )
    .unwrap();
    let (code, out) = model(&num, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("invalid parameter \"max_conns=99999999999999999999999\""),
        "{out}"
    );
    // server-template counts.
    let tpl = dir.join("tpl.cfg");
    std::fs::write(
        &tpl,
        "backend b\n    server-template s 1-100000000 app.internal:80\n",
    )
    .unwrap();
    let (code, out) = model(&tpl, &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("declares 100000000 servers, over lbcheck's limit of 10000"),
        "{out}"
    );
}

/// Defaults names are interned for the model's provenance: tens of
/// thousands of named sections load in linear time, and past the interner's
/// 65,535 names the origin says so instead of naming the wrong section.
#[test]
fn many_named_defaults_sections_load_quickly() {
    let dir = scratch("defaults");
    let mut text = String::new();
    for i in 0..70_000 {
        text += &format!("defaults d{i}\n    mode http\n    default-server weight 7\n");
    }
    text += "frontend fe from d1\n    bind :80\n    default_backend first\n";
    text += "backend first from d1\n    server s 10.0.0.1:80\n";
    text += "backend last from d69999\n    server s 10.0.0.1:80\n";
    let path = dir.join("defaults.cfg");
    std::fs::write(&path, text).unwrap();
    let started = Instant::now();
    let (code, out) = model(&path, &["--format", "json"]);
    // A quadratic interner took minutes here in a debug build.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, Some(0), "{}", head(&out));
    assert!(out.contains(r#""weight": "defaults d1""#), "{}", head(&out));
    assert!(
        out.contains(r#""weight": "defaults (one of over 65,535 named defaults sections)""#),
        "{}",
        head(&out)
    );
}

#[test]
fn include_bounds_cycles_symlinks_and_the_root() {
    let dir = scratch("includes");
    // Depth: a chain of 40 files.
    for i in 0..40 {
        std::fs::write(
            dir.join(format!("c{i}.conf")),
            format!("include c{}.conf;\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.join("c40.conf"), "").unwrap();
    std::fs::write(
        dir.join("chain.conf"),
        "events {}\nhttp { include c0.conf; }\n",
    )
    .unwrap();
    let (code, out) = model(&dir.join("chain.conf"), &[]);
    assert_eq!(code, Some(2));
    assert!(out.contains("includes nested more than 32 deep"), "{out}");
    // Cycles.
    std::fs::write(dir.join("a.conf"), "include b.conf;\n").unwrap();
    std::fs::write(dir.join("b.conf"), "include a.conf;\n").unwrap();
    std::fs::write(
        dir.join("cycle.conf"),
        "events {}\nhttp { include a.conf; }\n",
    )
    .unwrap();
    let (code, out) = model(&dir.join("cycle.conf"), &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("error: include cycle") && out.contains("a.conf -> "),
        "{out}"
    );
    // Symlink loops.
    std::os::unix::fs::symlink(dir.join("loop2.conf"), dir.join("loop1.conf")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop1.conf"), dir.join("loop2.conf")).unwrap();
    std::fs::write(
        dir.join("symlinks.conf"),
        "events {}\nhttp { include loop1.conf; }\n",
    )
    .unwrap();
    let (code, out) = model(&dir.join("symlinks.conf"), &[]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("loop1.conf") && out.to_lowercase().contains("symbolic links"),
        "{out}"
    );
    // Count: more files than the bound.
    let many = dir.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..=10_000 {
        std::fs::write(many.join(format!("{i:05}.conf")), "").unwrap();
    }
    std::fs::write(
        dir.join("count.conf"),
        "events {}\nhttp { include many/*.conf; }\n",
    )
    .unwrap();
    let (code, out) = model(&dir.join("count.conf"), &[]);
    assert_eq!(code, Some(2));
    assert!(out.contains("more than 10000 included files"), "{out}");
    // The root: an include outside the config's directory is not read, unless allowed.
    let inner = dir.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(
        dir.join("outside.conf"),
        "upstream u { server 10.0.0.1:80; }\n",
    )
    .unwrap();
    std::fs::write(inner.join("nginx.conf"), "events {}\nhttp { include ../outside.conf; server { listen 80; location / { proxy_pass http://u; } } }\n").unwrap();
    let (code, out) = model(&inner.join("nginx.conf"), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("is outside the configuration's directory and was not read"),
        "{out}"
    );
    let (code, out) = model(&inner.join("nginx.conf"), &["--allow-include-outside"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("upstream u"), "{out}");
}

/// The `defaults` section the scale tests start their HAProxy configs with.
const DEFAULTS: &str = "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    \
                        timeout server 30s\n";

/// The start of a long output, for an assertion's message.
fn head(out: &str) -> &str {
    &out[..out.floor_char_boundary(2000)]
}

/// Writes `old` and `new` into `dir` and returns their `diff --format json`,
/// required to end within `limit` (see [`output_within`]).
fn diff_within(dir: &Path, old: &str, new: &str, limit: Duration) -> String {
    std::fs::write(dir.join("old.cfg"), old).unwrap();
    std::fs::write(dir.join("new.cfg"), new).unwrap();
    output_within(
        dir,
        &["diff", "old.cfg", "new.cfg", "--format", "json"],
        limit,
    )
}

/// Runs lbcheck with `args` in `dir` and returns what it printed, requiring
/// it to end with findings or none (not an error, a crash or a signal)
/// within `limit`.
fn output_within(dir: &Path, args: &[&str], limit: Duration) -> String {
    let started = Instant::now();
    let out = Command::new(assert_cmd::cargo::cargo_bin("lbcheck"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let took = started.elapsed();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(took < limit, "{args:?} took {took:?}");
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{args:?}: {code:?} {}",
        head(&text)
    );
    text
}

/// Thousands of `acl` lines of one name make one ACL of thousands of
/// patterns, and thousands of routes may name it (host allow-lists are
/// written so). Every stage that reads a route's condition reads that
/// ACL's body once, not once per route: in release builds `route` took
/// 52 s and `diff` ran out of 24 GB at 20,000 of each; here (6,000, debug
/// build) they took minutes.
#[test]
fn one_acl_named_by_thousands_of_routes_stays_linear() {
    const N: usize = 6_000;
    let dir = scratch("acl-product");
    let mut text = String::from(DEFAULTS) + "frontend fe\n    bind :80\n";
    for i in 0..N {
        text += &format!("    acl host hdr(host) -i h{i}.example.com\n");
    }
    for i in 0..N {
        text += &format!(
            "    use_backend b{} if host {{ path_beg /x{i}/ }}\n",
            i % 50
        );
    }
    text += "    default_backend b0\n";
    for i in 0..50 {
        text += &format!("backend b{i}\n    server s 10.0.0.{i}:80 check\n");
    }
    std::fs::write(dir.join("old.cfg"), &text).unwrap();
    let changed = text
        .replacen(
            "    use_backend b0 if host",
            "    use_backend b7 if { path_beg /new }\n    use_backend b0 if host",
            1,
        )
        .replace(
            "use_backend b13 if host { path_beg /x13/ }",
            "use_backend b14 if host { path_beg /x13/ }",
        );
    std::fs::write(dir.join("new.cfg"), &changed).unwrap();
    let limit = Duration::from_secs(30);

    output_within(&dir, &["check", "old.cfg", "--format", "json"], limit);

    let route = [
        "route",
        "old.cfg",
        "--host",
        "h4999.example.com",
        "--path",
        "/x4999/a",
    ];
    let out = output_within(&dir, &route, limit);
    assert!(out.contains("b49"), "{out}");

    let out = output_within(
        &dir,
        &["diff", "old.cfg", "new.cfg", "--format", "json"],
        limit,
    );
    // The changed route, and requests it now sends elsewhere.
    for moved in [r#""after": "b14""#, r#""after": "b7""#, "/x13/ } -> b14"] {
        assert!(out.contains(moved), "{moved}: {}", head(&out));
    }
}

/// Suppressions are looked up by line and code: a config with a
/// suppression for each of tens of thousands of findings checks in linear
/// time (it was quadratic: 40 s in a release build for 100,000 of them).
#[test]
fn tens_of_thousands_of_suppressions_stay_linear() {
    const N: usize = 20_000;
    let dir = scratch("suppressions");
    let mut text = String::from(DEFAULTS);
    for i in 0..N {
        text += &format!(
            "# lbcheck: ignore LB204 -- one host on purpose\nlisten l{i}\n    bind :{}\n    \
             server a 10.0.0.1:80 check\n    server b 10.0.0.1:81 check\n",
            10_000 + i
        );
    }
    std::fs::write(dir.join("many.cfg"), &text).unwrap();
    let out = output_within(
        &dir,
        &["check", "many.cfg", "--format", "json"],
        Duration::from_secs(30),
    );
    // Every LB204 was suppressed, and every suppression was used.
    assert!(
        !out.contains("LB204") && !out.contains("LB001"),
        "{}",
        head(&out)
    );
}

/// nginx picks the longest matching prefix location: each one's route
/// excludes the longer prefixes that extend it. Those are looked up among
/// the block's sorted prefixes, not found by comparing every pair of
/// locations (40,000 locations took 2.6 s in a release build, now 0.1 s).
#[test]
fn tens_of_thousands_of_locations_stay_linear() {
    const N: usize = 60_000;
    let dir = scratch("locations");
    let mut text = String::from("events {}\nhttp {\n");
    for u in 0..10 {
        text += &format!("upstream u{u} {{ server 10.0.0.{u}:80; }}\n");
    }
    text += "server {\n listen 80;\n location / { return 404; }\n";
    for i in 0..N {
        text += &format!(" location /p{i}/ {{ proxy_pass http://u{}; }}\n", i % 10);
    }
    text += "}\n}\n";
    std::fs::write(dir.join("nginx.conf"), &text).unwrap();
    let limit = Duration::from_secs(20);
    output_within(&dir, &["check", "nginx.conf", "--format", "json"], limit);
    let route = ["route", "nginx.conf", "--path", "/p12345/x"];
    let out = output_within(&dir, &route, Duration::from_secs(20));
    assert!(out.contains("backend      u5\n"), "{out}");
    let out = output_within(
        &dir,
        &["route", "nginx.conf", "--path", "/p1234"],
        Duration::from_secs(20),
    );
    assert!(out.contains("answered by  return 404"), "{}", head(&out));
}

/// A frontend may bind thousands of ports. The diff compares the entry
/// points on each port: each pair once, and what differs in a pair is read
/// once, not once per port (20,000 ports took 4 s in a release build).
#[test]
fn a_frontend_on_thousands_of_ports_diffs_in_linear_time() {
    const N: usize = 20_000;
    let dir = scratch("ports");
    let mut text = String::from(DEFAULTS) + "frontend fe\n";
    for i in 0..N {
        text += &format!("    bind :{}\n", 10_000 + i);
    }
    let tail = "    default_backend b\nbackend b\n    server s 10.0.0.1:80 check\n";
    let changed = text.clone()
        + "    use_backend c if { path_beg /c }\n"
        + tail
        + "backend c\n    server s 10.0.0.2:80 check\n";
    let out = diff_within(&dir, &(text + tail), &changed, Duration::from_secs(20));
    assert!(
        out.contains(r#""before": "b""#) && out.contains(r#""after": "c""#),
        "{}",
        head(&out)
    );
}

/// Regex routes anchored with a literal start (`^/r123/`, nginx `location ~
/// ^/r123/`) are indexed by it like prefixes, so the thousands of probes of
/// a diff do not each run every regex (20,000 took 14 s in a release build).
#[test]
fn thousands_of_regex_routes_diff_quickly() {
    const N: usize = 20_000;
    let dir = scratch("regexes");
    let mut text = String::from(DEFAULTS) + "frontend fe\n    bind :80\n";
    for i in 0..N {
        text += &format!("    use_backend b{} if {{ path_reg ^/r{i}/ }}\n", i % 10);
    }
    text += "    default_backend b0\n";
    for i in 0..10 {
        text += &format!("backend b{i}\n    server s 10.0.0.{i}:80 check\n");
    }
    let changed = text.replace("path_reg ^/r5/ }", "path_reg ^/r5x/ }");
    let out = diff_within(&dir, &text, &changed, Duration::from_secs(30));
    // Paths under /r5/ now fall to the default backend.
    assert!(
        out.contains(r#""path": "/r5/probe""#)
            && out.contains(r#""before": "b5""#)
            && out.contains(r#""after": "b0""#),
        "{}",
        head(&out)
    );
}

/// Thousands of routes may use one computed target that thousands of
/// backends fit (`use_backend be_%[...]`, `proxy_pass http://$var` over a
/// `map`). The routes share one list of candidates, and LB105 names the
/// first 16 with the count: 4,000 of each took 3 GB and 1.2 s (HAProxy) or
/// 5 s (nginx) to check, in a model and findings that grew with the product.
#[test]
fn a_computed_target_used_by_thousands_of_routes_stays_linear() {
    const N: usize = 3_000;
    let dir = scratch("dynamic");
    let mut haproxy = String::from(DEFAULTS) + "frontend fe\n    bind :80\n";
    for i in 0..N {
        haproxy += &format!("    use_backend be_%[req.hdr(host),lower] if {{ path_beg /p{i}/ }}\n");
    }
    haproxy += "    default_backend be_0\n";
    let mut nginx = String::from("events {}\nhttp {\nmap $host $be {\n");
    for i in 0..N {
        haproxy += &format!(
            "backend be_{i}\n    server s 10.0.{}.{}:80 check\n",
            i / 250,
            i % 250
        );
        nginx += &format!(" h{i}.example.com u{i};\n");
    }
    nginx += "}\n";
    for i in 0..N {
        nginx += &format!(
            "upstream u{i} {{ server 10.0.{}.{}:80; }}\n",
            i / 250,
            i % 250
        );
    }
    nginx += "server {\n listen 80;\n";
    for i in 0..N {
        nginx += &format!(" location /p{i}/ {{ proxy_pass http://$be; }}\n");
    }
    nginx += "}\n}\n";
    std::fs::write(dir.join("haproxy.cfg"), haproxy).unwrap();
    std::fs::write(dir.join("nginx.conf"), nginx).unwrap();
    for file in ["haproxy.cfg", "nginx.conf"] {
        let loaded = lbcheck::load(&[dir.join(file)], &lbcheck::Options::default()).unwrap();
        let lists: Vec<_> = loaded.model.entry_points[0]
            .routes
            .iter()
            .filter_map(|r| match &r.target {
                lbcheck::model::Target::Dynamic { candidates, .. } => Some(candidates),
                _ => None,
            })
            .collect();
        assert_eq!(lists.len(), N, "{file}");
        assert_eq!(lists[0].len(), N, "{file}");
        assert!(
            lists.iter().all(|l| std::sync::Arc::ptr_eq(l, lists[0])),
            "{file}: every route holds its own list"
        );
        let out = output_within(
            &dir,
            &["check", file, "--format", "json"],
            Duration::from_secs(20),
        );
        let more = format!("and {} more", N - 16);
        let count = format!(r#""candidate_count": {N}"#);
        assert!(
            out.contains(&more) && out.contains(&count),
            "{file}: {}",
            head(&out)
        );
        // The model lists the shared list once: every route listing it
        // printed N * N names (a 4,000-route model was 1.6 GB of JSON).
        let listed = |args: &[&str]| {
            let out = output_within(&dir, args, Duration::from_secs(20));
            assert!(out.len() < 4_000 * N, "{args:?}: {} bytes", out.len());
            out
        };
        let json = listed(&["model", file, "--format", "json"]);
        let model: serde_json::Value = serde_json::from_str(&json).unwrap();
        let routes = model["entry_points"][0]["routes"].as_array().unwrap();
        let targets: Vec<_> = routes.iter().map(|r| &r["target"]).collect();
        assert_eq!(
            targets[0]["candidates"].as_array().unwrap().len(),
            N,
            "{file}"
        );
        let later =
            serde_json::json!({"entry_point": model["entry_points"][0]["name"], "route": 1});
        assert!(
            targets[1..N]
                .iter()
                .all(|t| t["same_candidates_as"] == later
                    && t["candidate_count"] == N
                    && t.get("candidates").is_none()),
            "{file}: {}",
            targets[1]
        );
        let text = listed(&["model", file]);
        let of_route_1 = format!("(dynamic: the {N} candidates of ");
        assert_eq!(text.matches(&of_route_1).count(), N - 1, "{file}");
        let dot = listed(&["model", file, "--format", "dot"]);
        let node = format!("({N} candidates)");
        assert_eq!(dot.matches(&node).count(), 1, "{file}");
        assert!(dot.matches(" -> ").count() < 4 * N, "{file}");
    }
}

/// Backends whose servers are only tracked by others' are not reported as
/// unreachable; the tracked names are a set, not a list searched for each
/// backend (80,000 in a chain took 4.3 s in a release build).
#[test]
fn long_tracking_chains_stay_linear() {
    const N: usize = 100_000;
    let dir = scratch("track");
    let mut text = String::from(DEFAULTS) + "frontend fe\n    bind :80\n    default_backend b0\n";
    for i in 0..N {
        let track = if i > 0 {
            format!(" track b{}/s", i - 1)
        } else {
            String::new()
        };
        text += &format!("backend b{i}\n    server s 10.0.0.1:80 check{track}\n");
    }
    text += "backend lonely\n    server s 10.0.0.2:80 check\n";
    std::fs::write(dir.join("track.cfg"), text).unwrap();
    let check = [
        "check",
        "track.cfg",
        "--format",
        "json",
        "--select",
        "LB102",
    ];
    let out = output_within(&dir, &check, Duration::from_secs(20));
    // Only the backends nothing routes to and nothing tracks: the end of
    // the chain, and the lonely one.
    assert_eq!(
        out.matches(r#""code": "LB102""#).count(),
        2,
        "{}",
        head(&out)
    );
    for name in ["b99999", "lonely"] {
        let message = format!("nothing routes to backend {name}\"");
        assert!(out.contains(&message), "{}", head(&out));
    }
}

/// One backend of tens of thousands of servers: the model's JSON streams
/// its servers instead of building the backend as one tree of values (for
/// 100,000 servers, 1.1 GB and up to 3.5 s in a release build before; now
/// 90 MB and 0.3 s).
#[test]
fn one_backend_of_many_servers_streams_its_model() {
    const N: usize = 20_000;
    let dir = scratch("wide-backend");
    let mut text = String::from(DEFAULTS) + "frontend fe\n    bind :80\n    default_backend be\n";
    text += "backend be\n    balance first\n";
    for i in 0..N {
        let (a, b, c) = (i / 65536, (i / 256) % 256, i % 256);
        text += &format!(
            "    server s{i} 10.{a}.{b}.{c}:80 weight {} maxconn 100\n",
            1 + i % 7
        );
    }
    std::fs::write(dir.join("wide.cfg"), text).unwrap();
    let out = output_within(
        &dir,
        &["model", "wide.cfg", "--format", "json"],
        Duration::from_secs(30),
    );
    let model: serde_json::Value = serde_json::from_str(&out).unwrap();
    let servers = model["backends"][0]["servers"].as_array().unwrap();
    assert_eq!(servers.len(), N);
    assert_eq!(servers[N - 1]["name"], format!("s{}", N - 1));
}

/// Thousands of frontends on overlapping port ranges too wide to index:
/// comparing every probe port's listeners read every range at every port
/// (20,000 such frontends: `diff` 13.8 s in a release build). The
/// comparison now stops after a bounded amount of reading and says the
/// probes were cut.
#[test]
fn overlapping_wide_port_ranges_diff_in_bounded_time() {
    const N: usize = 4_000;
    let dir = scratch("wide-ranges");
    let config = |server: &str| {
        let mut text = String::from(DEFAULTS);
        for i in 0..N {
            let (lo, hi) = (10_000 + i, 30_000 + i);
            text += &format!("frontend fe{i}\n    bind :{lo}-{hi}\n    default_backend be\n");
        }
        text + &format!("backend be\n    server s {server}:80\n")
    };
    let (old, new) = (config("10.0.0.1"), config("10.0.0.2"));
    let out = diff_within(&dir, &old, &new, Duration::from_secs(60));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["probes"]["truncated"], true, "{}", head(&out));
}

/// LB107 on thousands of frontends whose wide port ranges all overlap:
/// expanding each range port by port took 3.85 s and 355 MB for 20,000 in
/// a release build, 15 s in a debug one (and looked only at a range's first
/// 1,025 ports); compared as intervals, 0.4 s and 1.5 s.
#[test]
fn overlapping_wide_port_ranges_check_in_bounded_time() {
    const N: usize = 20_000;
    let dir = scratch("wide-ranges-check");
    let mut text = String::from(DEFAULTS);
    for i in 0..N {
        let (lo, hi) = (10_000 + i, 30_000 + i);
        text += &format!("frontend fe{i}\n    bind :{lo}-{hi}\n    default_backend be\n");
    }
    text += "backend be\n    server s 10.0.0.1:80\n";
    std::fs::write(dir.join("wide.cfg"), text).unwrap();
    let args = ["check", "wide.cfg", "--format", "json", "--select", "LB107"];
    let out = output_within(&dir, &args, Duration::from_secs(8));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), N - 1, "{}", head(&out));
    assert_eq!(findings[0]["message"], "fe0 and fe1 both bind :10001-30001");
}

/// Regexes are matched by PCRE2, which backtracks: `^/(a+)+$` takes time
/// exponential in the length of `/aaaa…b`. Each match is cut at a million
/// steps (the proxies allow ten) and then answers "unknown", and a pattern
/// that gave up three times is not run again, so hundreds of such routes
/// cannot stall `route` (or the probes of a diff).
#[test]
fn catastrophic_regexes_give_up_instead_of_stalling() {
    // 600 such routes took 11 s at the proxies' limit; at this one, 1.2 s.
    const N: usize = 600;
    let dir = scratch("redos");
    let mut text = String::from(DEFAULTS) + "frontend fe\n    bind :80\n";
    for i in 0..N {
        text += &format!("    use_backend b1 if {{ path_reg ^/(a+)+$|^/z{i} }}\n");
    }
    text += "    default_backend b0\nbackend b0\n    server s 10.0.0.1:80\n";
    text += "backend b1\n    server s 10.0.0.2:80\n";
    std::fs::write(dir.join("redos.cfg"), &text).unwrap();
    let path = format!("/{}b", "a".repeat(48));
    let args = ["route", "redos.cfg", "--path", &path, "--format", "json"];
    let out = output_within(&dir, &args, Duration::from_secs(6));
    assert!(
        out.contains(r#""certain": false"#) && out.contains("gave up"),
        "{}",
        head(&out)
    );
}
