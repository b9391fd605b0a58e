//! Proof against the real software: start haproxy or nginx on 127.0.0.1 in
//! front of small backend servers this test runs, send a bounded number of
//! requests (a new connection each), count which server answered, and
//! compare with lbcheck's prediction.
//!
//! Everything binds 127.0.0.1 (clients may bind other 127.x.y.z source
//! addresses for source hashing); request counts and waits are bounded; the
//! proxy process is killed and the backends stopped on drop, also when a
//! test fails.

mod haproxy;
mod nginx;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest any single connection may take.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A free port on 127.0.0.1 (bound, then released), never one handed out
/// before in this run: the system may give a released port again at once,
/// and a lab whose front port was also its "dead" server's port sent each
/// request round through HAProxy itself until the 5 s timeout.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if given.insert(port) {
            return port;
        }
    }
}

/// Small HTTP servers that answer every request with their own name.
/// A path starting with `/slow` is answered after 300 ms.
pub struct Backends {
    pub ports: Vec<u16>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn serve(listener: TcpListener, name: String, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut conn) = conn else { continue };
        let name = name.clone();
        std::thread::spawn(move || {
            let _ = conn.set_read_timeout(Some(IO_TIMEOUT));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if buf.len() > 64 * 1024 {
                    return;
                }
            }
            let head = String::from_utf8_lossy(&buf);
            if head
                .split_whitespace()
                .nth(1)
                .is_some_and(|p| p.starts_with("/slow"))
            {
                std::thread::sleep(Duration::from_millis(300));
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{name}",
                name.len()
            );
            let _ = conn.write_all(response.as_bytes());
        });
    }
}

impl Backends {
    /// `names.len()` servers on fresh ports.
    pub fn start(names: &[&str]) -> Backends {
        let stop = Arc::new(AtomicBool::new(false));
        let mut ports = Vec::new();
        let mut threads = Vec::new();
        for name in names {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind backend");
            ports.push(listener.local_addr().expect("addr").port());
            let (name, stop) = (name.to_string(), stop.clone());
            threads.push(std::thread::spawn(move || serve(listener, name, stop)));
        }
        Backends {
            ports,
            stop,
            threads,
        }
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for &p in &self.ports {
            let _ = TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], p)),
                Duration::from_millis(200),
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A proxy process, killed on drop.
pub struct Proxy {
    child: Child,
    pub dir: PathBuf,
}

impl Proxy {
    /// Starts `cmd` and waits (bounded) until `port` accepts connections.
    pub fn start(mut cmd: Command, dir: PathBuf, port: u16) -> Proxy {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("proxy starts");
        let mut proxy = Proxy { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], port)),
                Duration::from_millis(100),
            )
            .is_ok()
            {
                return proxy;
            }
            if let Ok(Some(status)) = proxy.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = proxy.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("proxy exited with {status}: {err}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("proxy did not listen on {port} within 10 s");
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A scratch directory for one proxy.
pub fn scratch(tag: &str) -> PathBuf {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lbcheck-live-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("logs")).expect("scratch");
    dir
}

/// One HTTP/1.1 GET on a new connection, from `src` when given; the body, or
/// `None` for an error status or a failed connection.
pub fn get(port: u16, host: &str, path: &str, src: Option<Ipv4Addr>) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = match src {
        None => TcpStream::connect_timeout(&addr, IO_TIMEOUT).ok()?,
        Some(ip) => connect_from(ip, addr)?,
    };
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    (status == 200).then(|| body.to_string())
}

/// Connects from a chosen loopback source address (all of 127/8 is local).
fn connect_from(src: Ipv4Addr, dst: SocketAddr) -> Option<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    socket.bind(&SocketAddr::from((src, 0)).into()).ok()?;
    socket.connect_timeout(&dst.into(), IO_TIMEOUT).ok()?;
    Some(socket.into())
}

/// Counts which server answered `n` requests; failures count under `""`.
pub fn measure(n: usize, mut one: impl FnMut(usize) -> Option<String>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for i in 0..n {
        *counts.entry(one(i).unwrap_or_default()).or_insert(0) += 1;
    }
    counts
}

/// Loads a config text with lbcheck and returns the model.
pub fn lbcheck_model(dir: &Path, file: &str, opts: &lbcheck::Options) -> lbcheck::Loaded {
    let loaded = lbcheck::load(&[dir.join(file)], opts).expect("lbcheck loads it");
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded
}

/// Asserts measured fractions match predicted shares within `tolerance`.
/// `predicted` maps server names (as the backends answer) to shares; the
/// key `""` is the failing share.
pub fn assert_close(
    case: &str,
    measured: &HashMap<String, usize>,
    predicted: &HashMap<String, f64>,
    tolerance: f64,
) {
    let total: usize = measured.values().sum();
    let mut keys: Vec<&String> = measured.keys().chain(predicted.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let got = *measured.get(k).unwrap_or(&0) as f64 / total as f64;
        let want = *predicted.get(k).unwrap_or(&0.0);
        assert!(
            (got - want).abs() <= tolerance,
            "{case}: server {k:?} answered {got:.3} of {total} requests, lbcheck predicted {want:.3} \
             (tolerance {tolerance}); measured {measured:?}, predicted {predicted:?}"
        );
    }
}
