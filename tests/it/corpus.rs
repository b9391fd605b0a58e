//! The real-world corpus in `../shared/corpus`: every HAProxy config that the
//! real `haproxy -c` (2.6) accepts, or refuses only for its environment
//! (missing files, DNS), must load without an error-level diagnostic.

use std::path::PathBuf;

use lbcheck::detect::InputFormat;
use lbcheck::syntax::nginx::Context;
use lbcheck::version::Version;

fn corpus_dir() -> PathBuf {
    crate::common::manifest_dir().join("../shared/corpus")
}

struct Entry {
    file: String,
    kind: String,
    oracle: String,
    notes: String,
}

/// Reads MANIFEST.tsv, or `None` (with a message) when the corpus is absent
/// outside CI; in CI its absence is a failure.
fn manifest() -> Option<Vec<Entry>> {
    let path = corpus_dir().join("MANIFEST.tsv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the corpus is missing at {}",
            path.display()
        );
        eprintln!("SKIPPED: corpus not found at {}", path.display());
        return None;
    };
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("manifest column")
    };
    let (f, k, o, n) = (col("file"), col("kind"), col("oracle"), col("notes"));
    Some(
        rows.map(|r| r.split('\t').collect::<Vec<_>>())
            .map(|c| Entry {
                file: c[f].to_string(),
                kind: c[k].to_string(),
                oracle: c[o].to_string(),
                notes: c.get(n).unwrap_or(&"").to_string(),
            })
            .collect(),
    )
}

/// Files labelled by an environment failure (a missing certificate or error
/// file) that also hold an error the real `haproxy -c` reports further down
/// (checked with HAProxy 2.6.12). lbcheck must report an error for them.
const HIDDEN_ERRORS: &[(&str, &str)] = &[
    (
        "haproxy/AmedeeBulle__octoprint-containers__haproxy__haproxy.cfg",
        "'reqrep' is not supported",
    ),
    (
        "haproxy/Exymat__haproxy-vscode__test__bench__fixtures__large-mixed.cfg",
        "unknown option 'definitely-not-real'",
    ),
    (
        "haproxy/frobware__haproxy-hacks__BZ1690146__haproxy.cfg",
        "missing newline at the end",
    ),
    (
        "haproxy/kishba__haproxy-samples__haproxy.conf",
        "no such ACL: 'dest_mainsite'",
    ),
    // crt-store sections appeared in 3.0: HAProxy 2.6 reads the line as a keyword of the listen.
    (
        "haproxy/haproxy__haproxy__reg-tests__ssl__crt_store__1-h2.cfg",
        "unknown keyword 'crt-store'",
    ),
    (
        "haproxy/frobware__haproxy-hacks__live__haproxy.config",
        "'http-use-htx' is not supported",
    ),
    (
        "haproxy/frobware__haproxy-hacks__reload-demo__var__lib__haproxy__conf__haproxy.config",
        "'http-use-htx' is not supported",
    ),
];

/// How the corpus's HAProxy configs are loaded: as the oracle's HAProxy
/// (2.6) read them.
fn haproxy_options() -> lbcheck::Options {
    lbcheck::Options {
        haproxy_version: Version::new(2, 6),
        ..Default::default()
    }
}

/// Accepted by the real binary, or refused only because of the machine it ran on.
/// A config with no listener loads but will not start (`haproxy -c` exits 2).
fn accepted(e: &Entry) -> bool {
    (e.oracle.starts_with("valid") && !no_listener(e))
        || e.notes.contains("errclass=missing-file")
        || e.notes.contains("errclass=dns")
}

/// `haproxy -c`: "Configuration file has no error but will not start".
fn no_listener(e: &Entry) -> bool {
    e.notes.contains("no-listener(")
}

/// A diagnostic as `file:line:col: message`, for a failure list.
fn located(loaded: &lbcheck::Loaded, d: &lbcheck::diag::Diagnostic) -> String {
    let at = d
        .primary
        .map(|s| loaded.db.location(s).to_string())
        .unwrap_or_default();
    format!("{at}: {}", d.message())
}

/// Prints the pass count and fails with every config that did not load.
fn assert_all_loaded(format: &str, total: usize, failures: &[String]) {
    let passed = total - failures.len();
    println!("{format} corpus: {passed}/{total} accepted configs load without error");
    assert!(total > 0);
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn haproxy_configs_the_real_haproxy_accepts_load_without_errors() {
    let Some(entries) = manifest() else { return };
    let opts = haproxy_options();
    let mut failures = Vec::new();
    let mut total = 0;
    let hidden = |e: &&Entry| HIDDEN_ERRORS.iter().any(|(f, _)| *f == e.file);
    for e in entries
        .iter()
        .filter(|e| e.kind == "haproxy" && accepted(e) && !hidden(e))
    {
        total += 1;
        let path = corpus_dir().join(&e.file);
        match lbcheck::load(&[path], &opts) {
            Ok(loaded) if !loaded.has_errors() => {}
            Ok(loaded) => {
                let first = loaded
                    .diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .expect("an error");
                failures.push(format!("{}: {}", e.file, located(&loaded, first)));
            }
            Err(err) => failures.push(format!("{}: {err}", e.file)),
        }
    }
    assert_all_loaded("HAProxy", total, &failures);
}

#[test]
fn haproxy_errors_hidden_behind_environment_failures_are_found() {
    if manifest().is_none() {
        return;
    }
    let opts = haproxy_options();
    for (file, message) in HIDDEN_ERRORS {
        let loaded = lbcheck::load(&[corpus_dir().join(file)], &opts).expect("loads");
        assert!(
            loaded
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.message().contains(message)),
            "{file}: expected an error containing {message:?}, got {:#?}",
            loaded.diagnostics
        );
    }
}

/// Configs the real `haproxy -c` refused for the config itself (not for the
/// machine it ran on): how many of them lbcheck also refuses. The floor is the
/// count measured when this test was written, so a parser change that lets a
/// broken config through fails here.
#[test]
fn haproxy_configs_the_real_haproxy_refuses_are_mostly_refused() {
    const FLOOR: usize = 42;
    let Some(entries) = manifest() else { return };
    let opts = haproxy_options();
    let environmental = [
        "missing-file",
        "missing-module",
        "dns",
        "address-unavailable",
        "unsupported-by-build",
    ];
    let mut total = 0;
    let mut missed = Vec::new();
    for e in entries.iter().filter(|e| {
        e.kind == "haproxy"
            && e.oracle.starts_with("invalid")
            && !environmental
                .iter()
                .any(|c| e.notes.contains(&format!("errclass={c}")))
    }) {
        total += 1;
        let refused = match lbcheck::load(&[corpus_dir().join(&e.file)], &opts) {
            Ok(loaded) => loaded.has_errors(),
            Err(_) => true,
        };
        if !refused {
            missed.push(format!("{}: {}", e.file, e.oracle));
        }
    }
    let caught = total - missed.len();
    println!("HAProxy corpus: {caught}/{total} refused configs also refused by lbcheck");
    assert!(
        caught >= FLOOR,
        "only {caught} of {total} caught (floor {FLOOR}); missed:\n{}",
        missed.join("\n")
    );
}

/// nginx accepted the file only once wrapped in an `events {}` block.
fn wrapped_in_events(oracle: &str) -> bool {
    oracle.starts_with("valid-wrapped:events")
}

fn no_events(d: &lbcheck::diag::Diagnostic) -> bool {
    d.code == Some("LB100") && d.message().starts_with("no \"events\" section")
}

/// nginx refuses a main configuration without `events` (the oracle wrapped
/// such files in one to test the rest): lbcheck says so of exactly those
/// among the accepted main-context files.
#[test]
fn nginx_main_configs_without_events_are_refused_as_nginx_refuses_them() {
    let Some(entries) = manifest() else { return };
    let mut wrong = Vec::new();
    let mut wrapped = 0;
    let main = |e: &&Entry| {
        e.kind == "nginx"
            && e.oracle.starts_with("valid")
            && nginx_context(&e.oracle).is_none_or(|c| c == Context::Main)
    };
    for e in entries.iter().filter(main) {
        let opts = lbcheck::Options {
            format: Some(InputFormat::Nginx),
            nginx_context: nginx_context(&e.oracle),
            nginx_prefix: tree_prefix(e),
            ..Default::default()
        };
        let Ok(loaded) = lbcheck::load(&[corpus_dir().join(&e.file)], &opts) else {
            continue;
        };
        // nginx looks for `events` only once the rest is read (a missing
        // include, here, stops it first).
        if loaded
            .diagnostics
            .iter()
            .any(|d| d.is_error() && !no_events(d))
        {
            continue;
        }
        let said = loaded.diagnostics.iter().any(no_events);
        wrapped += usize::from(wrapped_in_events(&e.oracle));
        if said != wrapped_in_events(&e.oracle) {
            wrong.push(format!("{} [{}]: lbcheck {said}", e.file, e.oracle));
        }
    }
    assert!(wrapped >= 6, "{wrapped}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The nginx context a corpus file was accepted in (from its oracle label).
fn nginx_context(oracle: &str) -> Option<Context> {
    let how = oracle.strip_prefix("valid-wrapped:")?;
    Some(match how.trim_end_matches("+core-dyn-modules") {
        "events" | "core-dyn-modules" => Context::Main,
        "http" | "in-entry-http" => Context::Http,
        "http+server" | "in-entry-http+server" => Context::Server,
        "http+server+location" | "in-entry-http+server+location" => Context::Location,
        "stream" => Context::Stream,
        "http+upstream" => Context::Upstream,
        _ => return None,
    })
}

/// Files nginx's Debian package ships in /etc/nginx, which the oracle placed
/// beside each checked file: an include of one of them that is missing here
/// is the environment, not the config.
const STOCK_FILES: &[&str] = &[
    "mime.types",
    "fastcgi_params",
    "fastcgi.conf",
    "proxy_params",
    "scgi_params",
    "uwsgi_params",
    "koi-utf",
    "koi-win",
    "win-utf",
    "snippets/",
];

fn environmental(d: &lbcheck::diag::Diagnostic) -> bool {
    d.message().starts_with("included file") && STOCK_FILES.iter().any(|f| d.message().contains(f))
}

/// Tree members resolve includes against their tree's entry directory, as
/// nginx does for the files its entry pulls in.
fn tree_prefix(e: &Entry) -> Option<PathBuf> {
    let entry = e.notes.split("entry=").nth(1)?.split([')', ';']).next()?;
    let mut parts = e.file.splitn(3, '/');
    let tree = format!("{}/{}", parts.next()?, parts.next()?);
    let dir = std::path::Path::new(entry).parent()?;
    Some(corpus_dir().join(tree).join(dir))
}

#[test]
fn nginx_configs_the_real_nginx_accepts_load_without_errors() {
    let Some(entries) = manifest() else { return };
    let mut failures = Vec::new();
    let mut total = 0;
    for e in entries
        .iter()
        .filter(|e| e.kind == "nginx" && e.oracle.starts_with("valid"))
    {
        total += 1;
        let opts = lbcheck::Options {
            format: Some(InputFormat::Nginx),
            nginx_context: nginx_context(&e.oracle),
            nginx_prefix: tree_prefix(e),
            ..Default::default()
        };
        let path = corpus_dir().join(&e.file);
        match lbcheck::load(&[path], &opts) {
            Ok(loaded) => {
                // Wrapped in `events {}` to be accepted: its lack is right.
                let expected =
                    |d: &&lbcheck::diag::Diagnostic| wrapped_in_events(&e.oracle) && no_events(d);
                if let Some(first) = loaded
                    .diagnostics
                    .iter()
                    .find(|d| d.is_error() && !environmental(d) && !expected(d))
                {
                    failures.push(format!(
                        "{} [{}]: {}",
                        e.file,
                        e.oracle,
                        located(&loaded, first)
                    ));
                }
            }
            Err(err) => failures.push(format!("{}: {err}", e.file)),
        }
    }
    assert_all_loaded("nginx", total, &failures);
}

/// A report without snippets lets the configs' text go before the rules run
/// (`CheckOptions::release_text`): every corpus config must still report
/// the same findings at the same lines and columns, in JSON and SARIF.
#[test]
fn findings_are_placed_alike_when_the_text_is_let_go() {
    use lbcheck::check::{CheckOptions, check};
    use lbcheck::report::findings::FindingSet;
    let Some(entries) = manifest() else { return };
    let render = |release_text: bool, path: &PathBuf| {
        let opts = CheckOptions {
            release_text,
            ..Default::default()
        };
        let r = check(std::slice::from_ref(path), &opts, None).ok()?;
        let set = FindingSet {
            db: &r.loaded.db,
            findings: &r.findings,
        };
        let mut out = Vec::new();
        lbcheck::report::json::write(&mut out, std::iter::once((set.db, set.findings)), 1).unwrap();
        lbcheck::report::sarif::write(&mut out, &[set]).unwrap();
        Some(String::from_utf8(out).unwrap())
    };
    let (mut compared, mut released) = (0, 0);
    for e in &entries {
        let path = corpus_dir().join(&e.file);
        let kept = render(false, &path);
        assert_eq!(kept, render(true, &path), "{}", e.file);
        compared += 1;
        let text = std::fs::read(&path).unwrap();
        released += usize::from(text.is_ascii() && kept.is_some());
    }
    // Both paths are taken: most configs are ASCII, some are not.
    assert!(
        released > 300 && released < compared,
        "{released} of {compared}"
    );
}

/// Of the configs `haproxy -c` finds no error in, those it will not start
/// for want of a listener, and only they, are refused for it.
#[test]
fn haproxy_configs_without_a_listener_are_refused_as_haproxy_refuses_them() {
    let Some(entries) = manifest() else { return };
    let opts = haproxy_options();
    let mut wrong = Vec::new();
    let mut refusing = 0;
    let loads = |e: &&Entry| e.kind == "haproxy" && e.oracle.starts_with("valid");
    for e in entries.iter().filter(loads) {
        let Ok(loaded) = lbcheck::load(&[corpus_dir().join(&e.file)], &opts) else {
            continue;
        };
        let said = loaded
            .diagnostics
            .iter()
            .any(|d| d.message().starts_with("nothing listens"));
        refusing += usize::from(no_listener(e));
        if said != no_listener(e) {
            wrong.push(format!(
                "{}: lbcheck {said}, haproxy -c {}",
                e.file,
                no_listener(e)
            ));
        }
    }
    assert!(refusing >= 3, "{refusing}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
