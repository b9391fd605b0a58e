//! Keyword tables for the HAProxy sections lbcheck checks (`global`,
//! `defaults`, `frontend`, `listen`, `backend`), and "did you mean" lookups.
//!
//! The names were gathered from HAProxy's keyword matrix and keyword
//! registrations across versions 2.0 to 3.5: a keyword any of them knows is
//! accepted here, except the removed ones in `REMOVED`, which HAProxy now
//! refuses with a hint that lbcheck repeats. Each keyword records the
//! version that introduced it, so a config can be checked against the HAProxy
//! it will run on.

use crate::version::Version;

pub(crate) const PROXY_KEYWORDS: &[(&str, [bool; 4], (u32, u32))] = &[
    ("acl", [true, true, true, true], (2, 0)),
    ("appsession", [true, true, true, true], (2, 0)),
    ("backlog", [true, true, true, false], (2, 0)),
    ("balance", [true, false, true, true], (2, 0)),
    ("be-unpublished", [false, false, true, true], (3, 5)),
    ("bind", [false, true, true, false], (2, 0)),
    ("bind-process", [true, true, true, true], (2, 0)),
    ("block", [false, true, true, true], (2, 0)),
    ("capture", [false, true, true, false], (2, 0)),
    ("cliexp", [true, true, true, true], (2, 0)),
    ("clitcpka-cnt", [true, true, true, false], (2, 4)),
    ("clitcpka-idle", [true, true, true, false], (2, 4)),
    ("clitcpka-intvl", [true, true, true, false], (2, 4)),
    ("clitimeout", [true, true, true, false], (2, 0)),
    ("compression", [true, true, true, true], (2, 0)),
    ("contimeout", [true, false, true, true], (2, 0)),
    ("cookie", [true, false, true, true], (2, 0)),
    ("crt", [false, true, true, false], (3, 2)),
    ("declare", [false, true, true, false], (2, 0)),
    ("default-server", [true, false, true, true], (2, 0)),
    ("default_backend", [true, true, true, false], (2, 0)),
    ("description", [false, true, true, true], (2, 0)),
    ("disabled", [true, true, true, true], (2, 0)),
    ("dispatch", [false, false, true, true], (2, 0)),
    ("dynamic-cookie-key", [true, true, true, true], (2, 0)),
    ("email-alert", [true, true, true, true], (2, 0)),
    ("enabled", [true, true, true, true], (2, 0)),
    ("error-log-format", [true, true, true, false], (2, 6)),
    ("errorfile", [true, true, true, true], (2, 0)),
    ("errorfiles", [true, true, true, true], (2, 2)),
    ("errorloc", [true, true, true, true], (2, 0)),
    ("errorloc302", [true, true, true, true], (2, 0)),
    ("errorloc303", [true, true, true, true], (2, 0)),
    ("external-check", [true, false, true, true], (2, 0)),
    ("filter", [false, true, true, true], (2, 0)),
    ("filter-sequence", [false, true, true, true], (3, 4)),
    ("force-be-switch", [false, true, true, false], (3, 4)),
    ("force-persist", [false, false, true, true], (2, 0)),
    ("fullconn", [true, false, true, true], (2, 0)),
    ("grace", [true, true, true, true], (2, 0)),
    ("guid", [false, true, true, true], (3, 0)),
    ("hash-balance-factor", [true, false, true, true], (2, 0)),
    ("hash-key", [true, false, true, true], (3, 0)),
    ("hash-preserve-affinity", [true, false, true, true], (3, 2)),
    ("hash-type", [true, false, true, true], (2, 0)),
    ("http-after-response", [true, true, true, true], (2, 2)),
    ("http-check", [true, false, true, true], (2, 0)),
    ("http-error", [true, true, true, true], (2, 2)),
    ("http-request", [true, true, true, true], (2, 0)),
    ("http-response", [true, true, true, true], (2, 0)),
    ("http-reuse", [true, false, true, true], (2, 0)),
    ("http-send-name-header", [true, false, true, true], (2, 0)),
    ("id", [false, true, true, true], (2, 0)),
    ("ignore-persist", [false, false, true, true], (2, 0)),
    (
        "load-server-state-from-file",
        [true, false, true, true],
        (2, 0),
    ),
    ("log", [true, true, true, true], (2, 0)),
    ("log-format", [true, true, true, false], (2, 0)),
    ("log-format-sd", [true, true, true, false], (2, 0)),
    ("log-steps", [true, true, true, false], (3, 1)),
    ("log-tag", [true, true, true, true], (2, 0)),
    ("max-keep-alive-queue", [true, false, true, true], (2, 0)),
    ("max-session-srv-conns", [true, true, true, false], (2, 0)),
    ("maxconn", [true, true, true, false], (2, 0)),
    ("mode", [true, true, true, true], (2, 0)),
    ("monitor", [false, true, true, false], (2, 0)),
    ("monitor-net", [true, true, true, false], (2, 0)),
    ("monitor-uri", [true, true, true, false], (2, 0)),
    ("option", [true, true, true, true], (2, 0)),
    ("persist", [true, false, true, true], (2, 0)),
    ("quic-initial", [true, true, true, false], (3, 1)),
    ("rate-limit", [true, true, true, false], (2, 0)),
    ("redirect", [false, true, true, true], (2, 0)),
    ("redisp", [true, false, true, true], (2, 0)),
    ("redispatch", [true, false, true, true], (2, 0)),
    ("reqadd", [false, true, true, true], (2, 0)),
    ("reqallow", [false, true, true, true], (2, 0)),
    ("reqdel", [false, true, true, true], (2, 0)),
    ("reqdeny", [false, true, true, true], (2, 0)),
    ("reqiallow", [false, true, true, true], (2, 0)),
    ("reqidel", [false, true, true, true], (2, 0)),
    ("reqideny", [false, true, true, true], (2, 0)),
    ("reqipass", [false, true, true, true], (2, 0)),
    ("reqirep", [false, true, true, true], (2, 0)),
    ("reqitarpit", [false, true, true, true], (2, 0)),
    ("reqpass", [false, true, true, true], (2, 0)),
    ("reqrep", [false, true, true, true], (2, 0)),
    ("reqtarpit", [false, true, true, true], (2, 0)),
    ("retries", [true, false, true, true], (2, 0)),
    ("retry-on", [true, false, true, true], (2, 0)),
    ("rspadd", [false, true, true, true], (2, 0)),
    ("rspdel", [false, true, true, true], (2, 0)),
    ("rspdeny", [false, true, true, true], (2, 0)),
    ("rspidel", [false, true, true, true], (2, 0)),
    ("rspideny", [false, true, true, true], (2, 0)),
    ("rspirep", [false, true, true, true], (2, 0)),
    ("rsprep", [false, true, true, true], (2, 0)),
    ("server", [false, false, true, true], (2, 0)),
    ("server-state-file-name", [true, false, true, true], (2, 0)),
    ("server-template", [false, false, true, true], (2, 0)),
    ("source", [true, false, true, true], (2, 0)),
    ("srvexp", [true, true, true, true], (2, 0)),
    ("srvtcpka-cnt", [true, false, true, true], (2, 4)),
    ("srvtcpka-idle", [true, false, true, true], (2, 4)),
    ("srvtcpka-intvl", [true, false, true, true], (2, 4)),
    ("srvtimeout", [true, false, true, true], (2, 0)),
    ("ssl-f-use", [true, true, true, true], (3, 2)),
    ("stats", [true, true, true, true], (2, 0)),
    ("stick", [false, false, true, true], (2, 0)),
    ("stick-table", [false, true, true, true], (2, 0)),
    ("tcp-check", [true, false, true, true], (2, 0)),
    ("tcp-request", [true, true, true, true], (2, 0)),
    ("tcp-response", [true, false, true, true], (2, 0)),
    ("timeout", [true, true, true, true], (2, 0)),
    ("transparent", [true, false, true, true], (2, 0)),
    ("unique-id-format", [true, true, true, true], (2, 0)),
    ("unique-id-header", [true, true, true, false], (2, 0)),
    ("use-fcgi-app", [false, false, true, true], (2, 2)),
    ("use-server", [false, false, true, true], (2, 0)),
    ("use_backend", [false, true, true, false], (2, 0)),
    ("usesrc", [true, true, true, true], (2, 0)),
];

pub(crate) const GLOBAL_KEYWORDS: &[(&str, (u32, u32))] = &[
    ("51degrees-allow-unmatched", (2, 8)),
    ("51degrees-cache-size", (2, 0)),
    ("51degrees-data-file", (2, 0)),
    ("51degrees-difference", (2, 8)),
    ("51degrees-drift", (2, 8)),
    ("51degrees-property-name-list", (2, 0)),
    ("51degrees-property-separator", (2, 0)),
    ("51degrees-use-performance-graph", (2, 8)),
    ("51degrees-use-predictive-graph", (2, 8)),
    ("acme.scheduler", (3, 2)),
    ("anonkey", (2, 8)),
    ("busy-polling", (2, 0)),
    ("ca-base", (2, 0)),
    ("chroot", (2, 0)),
    ("close-spread-time", (2, 6)),
    ("cluster-secret", (2, 6)),
    ("cpu-affinity", (3, 4)),
    ("cpu-map", (2, 0)),
    ("cpu-policy", (3, 2)),
    ("cpu-set", (3, 2)),
    ("crt-base", (2, 0)),
    ("daemon", (2, 0)),
    ("debug", (2, 0)),
    ("debug.counters", (3, 2)),
    ("default-path", (2, 4)),
    ("description", (2, 0)),
    ("deviceatlas-cache-size", (3, 0)),
    ("deviceatlas-json-file", (2, 0)),
    ("deviceatlas-log-level", (2, 0)),
    ("deviceatlas-properties-cookie", (2, 0)),
    ("deviceatlas-property-separator", (2, 0)),
    ("deviceatlas-separator", (2, 0)),
    ("dns-accept-family", (3, 2)),
    ("expose-deprecated-directives", (3, 0)),
    ("expose-experimental-directives", (2, 4)),
    ("external-check", (2, 0)),
    ("fd-hard-limit", (2, 6)),
    ("force-cfg-parser-pause", (3, 1)),
    ("gid", (2, 0)),
    ("global", (2, 0)),
    ("grace", (2, 6)),
    ("group", (2, 0)),
    ("h1-accept-payload-with-any-method", (2, 6)),
    ("h1-case-adjust", (2, 2)),
    ("h1-case-adjust-file", (2, 2)),
    ("h1-do-not-close-on-insecure-transfer-encoding", (3, 1)),
    ("h2-workaround-bogus-websocket-clients", (2, 6)),
    ("hard-stop-after", (2, 0)),
    ("harden.reject-privileged-ports.quic", (3, 0)),
    ("harden.reject-privileged-ports.tcp", (3, 0)),
    ("http-err-codes", (3, 0)),
    ("http-fail-codes", (3, 0)),
    ("httpclient.resolvers.disabled", (2, 8)),
    ("httpclient.resolvers.id", (2, 6)),
    ("httpclient.resolvers.prefer", (2, 6)),
    ("httpclient.retries", (3, 0)),
    ("httpclient.ssl.ca-file", (2, 6)),
    ("httpclient.ssl.verify", (2, 6)),
    ("httpclient.timeout.connect", (3, 0)),
    ("insecure-fork-wanted", (2, 2)),
    ("insecure-setuid-wanted", (2, 2)),
    ("issuers-chain-path", (2, 2)),
    ("jwt.decrypt_alg_list", (3, 4)),
    ("jwt.decrypt_enc_list", (3, 4)),
    ("key-base", (3, 0)),
    ("limited-quic", (3, 0)),
    ("localpeer", (2, 2)),
    ("log", (2, 0)),
    ("log-send-hostname", (2, 0)),
    ("log-tag", (2, 0)),
    ("lua-load", (2, 0)),
    ("lua-load-per-thread", (2, 4)),
    ("lua-prepend-path", (2, 2)),
    ("master-worker", (2, 0)),
    ("max-spread-checks", (2, 0)),
    ("max-threads-per-group", (3, 4)),
    ("maxcompcpuusage", (2, 0)),
    ("maxcomprate", (2, 0)),
    ("maxconn", (2, 0)),
    ("maxconnrate", (2, 0)),
    ("maxpipes", (2, 0)),
    ("maxsessrate", (2, 0)),
    ("maxsslconn", (2, 0)),
    ("maxsslrate", (2, 0)),
    ("maxzlibmem", (2, 0)),
    ("mworker-max-reloads", (2, 0)),
    ("nbproc", (2, 0)),
    ("nbthread", (2, 0)),
    ("no-memory-trimming", (2, 6)),
    ("no-quic", (2, 8)),
    ("node", (2, 0)),
    ("noepoll", (2, 0)),
    ("noevports", (2, 0)),
    ("nogetaddrinfo", (2, 0)),
    ("nokqueue", (2, 0)),
    ("noktls", (3, 3)),
    ("nopoll", (2, 0)),
    ("noreuseport", (2, 0)),
    ("nosplice", (2, 0)),
    ("numa-cpu-mapping", (2, 4)),
    ("ocsp-update.disable", (3, 0)),
    ("ocsp-update.httpproxy", (3, 0)),
    ("ocsp-update.maxdelay", (3, 0)),
    ("ocsp-update.mindelay", (3, 0)),
    ("ocsp-update.mode", (3, 0)),
    ("pidfile", (2, 0)),
    ("pp2-never-send-local", (2, 2)),
    ("prealloc-fd", (2, 8)),
    ("presetenv", (2, 0)),
    ("profiling.memory", (2, 4)),
    ("profiling.tasks", (2, 0)),
    ("quick-exit", (2, 8)),
    ("quiet", (2, 0)),
    ("resetenv", (2, 0)),
    ("server-state-base", (2, 0)),
    ("server-state-file", (2, 0)),
    ("set-dumpable", (2, 0)),
    ("set-var", (2, 4)),
    ("set-var-fmt", (2, 6)),
    ("setcap", (3, 0)),
    ("setenv", (2, 0)),
    ("shm-stats-file", (3, 3)),
    ("shm-stats-file-max-objects", (3, 3)),
    ("spread-checks", (2, 0)),
    ("ssl-default-bind-ciphers", (2, 0)),
    ("ssl-default-bind-ciphersuites", (2, 0)),
    ("ssl-default-bind-client-sigalgs", (2, 8)),
    ("ssl-default-bind-curves", (2, 2)),
    ("ssl-default-bind-options", (2, 0)),
    ("ssl-default-bind-sigalgs", (2, 8)),
    ("ssl-default-server-ciphers", (2, 0)),
    ("ssl-default-server-ciphersuites", (2, 0)),
    ("ssl-default-server-client-sigalgs", (3, 0)),
    ("ssl-default-server-curves", (3, 0)),
    ("ssl-default-server-options", (2, 0)),
    ("ssl-default-server-sigalgs", (3, 0)),
    ("ssl-dh-param-file", (2, 0)),
    ("ssl-engine", (2, 0)),
    ("ssl-load-extra-del-ext", (2, 4)),
    ("ssl-load-extra-files", (2, 2)),
    ("ssl-mode-async", (2, 0)),
    ("ssl-passphrase-cmd", (3, 3)),
    ("ssl-propquery", (2, 6)),
    ("ssl-provider", (2, 6)),
    ("ssl-provider-path", (2, 6)),
    ("ssl-security-level", (3, 0)),
    ("ssl-server-verify", (2, 0)),
    ("ssl-skip-self-issued-ca", (2, 2)),
    ("stats", (2, 0)),
    ("stats-file", (3, 0)),
    ("stress-level", (3, 2)),
    ("strict-limits", (2, 2)),
    ("thread-group", (2, 6)),
    ("thread-groups", (2, 6)),
    ("thread-hard-limit", (3, 0)),
    ("trace", (2, 8)),
    ("tune.applet.zero-copy-forwarding", (3, 0)),
    ("tune.buffers.limit", (2, 0)),
    ("tune.buffers.reserve", (2, 0)),
    ("tune.bufsize", (2, 0)),
    ("tune.bufsize.large", (3, 4)),
    ("tune.bufsize.small", (3, 1)),
    ("tune.chksize", (2, 0)),
    ("tune.cli.max-payload-size", (3, 4)),
    ("tune.comp.maxlevel", (2, 0)),
    ("tune.defaults.purge", (3, 4)),
    ("tune.disable-fast-forward", (2, 8)),
    ("tune.disable-zero-copy-forwarding", (3, 0)),
    ("tune.epoll.mask-events", (3, 2)),
    ("tune.events.max-events-at-once", (3, 0)),
    ("tune.fail-alloc", (2, 0)),
    ("tune.fd.edge-triggered", (2, 2)),
    ("tune.fd.tables", (3, 5)),
    ("tune.glitches.kill.cpu-usage", (3, 2)),
    ("tune.h1.be.glitches-threshold", (3, 4)),
    ("tune.h1.fe.glitches-threshold", (3, 4)),
    ("tune.h1.zero-copy-fwd-recv", (3, 0)),
    ("tune.h1.zero-copy-fwd-send", (3, 0)),
    ("tune.h2.be.glitches-threshold", (3, 0)),
    ("tune.h2.be.initial-window-size", (2, 8)),
    ("tune.h2.be.max-concurrent-streams", (2, 8)),
    ("tune.h2.be.max-frames-at-once", (3, 4)),
    ("tune.h2.be.rxbuf", (3, 1)),
    ("tune.h2.fe.glitches-threshold", (3, 0)),
    ("tune.h2.fe.initial-window-size", (2, 8)),
    ("tune.h2.fe.max-concurrent-streams", (2, 8)),
    ("tune.h2.fe.max-frames-at-once", (3, 4)),
    ("tune.h2.fe.max-rst-at-once", (3, 4)),
    ("tune.h2.fe.max-total-streams", (3, 0)),
    ("tune.h2.fe.rxbuf", (3, 1)),
    ("tune.h2.header-table-size", (2, 0)),
    ("tune.h2.initial-window-size", (2, 0)),
    ("tune.h2.log-errors", (3, 4)),
    ("tune.h2.max-concurrent-streams", (2, 0)),
    ("tune.h2.max-frame-size", (2, 0)),
    ("tune.h2.zero-copy-fwd-send", (3, 0)),
    ("tune.http.cookielen", (2, 0)),
    ("tune.http.logurilen", (2, 0)),
    ("tune.http.maxhdr", (2, 0)),
    ("tune.idle-pool.shared", (2, 2)),
    ("tune.idletimer", (2, 0)),
    ("tune.listener.default-shards", (2, 8)),
    ("tune.listener.multi-queue", (2, 0)),
    ("tune.lua.bool-sample-conversion", (3, 2)),
    ("tune.lua.burst-timeout", (2, 8)),
    ("tune.lua.forced-yield", (2, 0)),
    ("tune.lua.log.loggers", (3, 0)),
    ("tune.lua.log.stderr", (3, 0)),
    ("tune.lua.maxmem", (2, 0)),
    ("tune.lua.openlibs", (3, 4)),
    ("tune.lua.service-timeout", (2, 0)),
    ("tune.lua.session-timeout", (2, 0)),
    ("tune.lua.task-timeout", (2, 0)),
    ("tune.max-checks-per-thread", (3, 0)),
    ("tune.max-rules-at-once", (3, 2)),
    ("tune.maxaccept", (2, 0)),
    ("tune.maxpollevents", (2, 0)),
    ("tune.maxrewrite", (2, 0)),
    ("tune.memory.hot-size", (2, 8)),
    ("tune.notsent-lowat.client", (3, 2)),
    ("tune.notsent-lowat.server", (3, 2)),
    ("tune.pattern.cache-size", (2, 0)),
    ("tune.peers.max-updates-at-once", (2, 8)),
    ("tune.pipesize", (2, 0)),
    ("tune.pool-high-fd-ratio", (2, 0)),
    ("tune.pool-low-fd-ratio", (2, 0)),
    ("tune.pt.zero-copy-forwarding", (3, 0)),
    ("tune.quic.backend.max-idle-timeou", (2, 6)),
    ("tune.quic.be.cc.cubic-min-losses", (3, 3)),
    ("tune.quic.be.cc.hystart", (3, 3)),
    ("tune.quic.be.cc.max-frame-loss", (3, 3)),
    ("tune.quic.be.cc.max-win-size", (3, 3)),
    ("tune.quic.be.cc.reorder-ratio", (3, 3)),
    ("tune.quic.be.max-idle-timeout", (3, 3)),
    ("tune.quic.be.sec.glitches-threshold", (3, 3)),
    ("tune.quic.be.stream.data-ratio", (3, 3)),
    ("tune.quic.be.stream.max-concurrent", (3, 3)),
    ("tune.quic.be.stream.rxbuf", (3, 3)),
    ("tune.quic.be.tx.pacing", (3, 3)),
    ("tune.quic.be.tx.udp-gso", (3, 3)),
    ("tune.quic.cc-hystart", (3, 0)),
    ("tune.quic.cc.cubic.min-losses", (3, 1)),
    ("tune.quic.disable-tx-pacing", (3, 2)),
    ("tune.quic.disable-udp-gso", (3, 1)),
    ("tune.quic.fe.cc.cubic-min-losses", (3, 3)),
    ("tune.quic.fe.cc.hystart", (3, 3)),
    ("tune.quic.fe.cc.max-frame-loss", (3, 3)),
    ("tune.quic.fe.cc.max-win-size", (3, 3)),
    ("tune.quic.fe.cc.reorder-ratio", (3, 3)),
    ("tune.quic.fe.max-idle-timeout", (3, 3)),
    ("tune.quic.fe.sec.glitches-threshold", (3, 3)),
    ("tune.quic.fe.sec.retry-threshold", (3, 3)),
    ("tune.quic.fe.sock-per-conn", (3, 3)),
    ("tune.quic.fe.stream.data-ratio", (3, 3)),
    ("tune.quic.fe.stream.max-concurrent", (3, 3)),
    ("tune.quic.fe.stream.max-total", (3, 4)),
    ("tune.quic.fe.stream.rxbuf", (3, 3)),
    ("tune.quic.fe.tx.pacing", (3, 3)),
    ("tune.quic.fe.tx.udp-gso", (3, 3)),
    ("tune.quic.frontend.conn-tx-buffers.limit", (2, 6)),
    ("tune.quic.frontend.default-max-window-size", (3, 1)),
    ("tune.quic.frontend.glitches-threshold", (3, 0)),
    ("tune.quic.frontend.max-data-size", (3, 2)),
    ("tune.quic.frontend.max-idle-timeout", (2, 6)),
    ("tune.quic.frontend.max-streams-bidi", (2, 6)),
    ("tune.quic.frontend.max-tx-mem", (3, 2)),
    ("tune.quic.frontend.stream-data-ratio", (3, 2)),
    ("tune.quic.listen", (3, 3)),
    ("tune.quic.max-frame-loss", (2, 8)),
    ("tune.quic.mem.tx-max", (3, 3)),
    ("tune.quic.reorder-ratio", (3, 0)),
    ("tune.quic.retry-threshold", (2, 6)),
    ("tune.quic.socket-owner", (2, 8)),
    ("tune.quic.zero-copy-fwd-send", (3, 0)),
    ("tune.rcvbuf.backend", (3, 0)),
    ("tune.rcvbuf.client", (2, 0)),
    ("tune.rcvbuf.frontend", (3, 0)),
    ("tune.rcvbuf.server", (2, 0)),
    ("tune.recv_enough", (2, 0)),
    ("tune.renice.runtime", (3, 1)),
    ("tune.renice.startup", (3, 1)),
    ("tune.ring.queues", (3, 0)),
    ("tune.runqueue-depth", (2, 0)),
    ("tune.sched.low-latency", (2, 2)),
    ("tune.sndbuf.backend", (3, 0)),
    ("tune.sndbuf.client", (2, 0)),
    ("tune.sndbuf.frontend", (3, 0)),
    ("tune.sndbuf.server", (2, 0)),
    ("tune.ssl.cachesize", (2, 0)),
    ("tune.ssl.capture-buffer-size", (2, 6)),
    ("tune.ssl.capture-cipherlist-size", (2, 0)),
    ("tune.ssl.certificate-compression", (3, 4)),
    ("tune.ssl.default-dh-param", (2, 0)),
    ("tune.ssl.force-private-cache", (2, 0)),
    ("tune.ssl.hard-maxrecord", (2, 6)),
    ("tune.ssl.keylog", (2, 2)),
    ("tune.ssl.keyupdate-rate-limit", (3, 5)),
    ("tune.ssl.lifetime", (2, 0)),
    ("tune.ssl.maxrecord", (2, 0)),
    ("tune.ssl.ocsp-update.maxdelay", (2, 8)),
    ("tune.ssl.ocsp-update.mindelay", (2, 8)),
    ("tune.ssl.ssl-ctx-cache-size", (2, 0)),
    ("tune.stick-counters", (2, 8)),
    ("tune.streams-elasticity", (3, 4)),
    ("tune.takeover-other-tg-connections", (3, 2)),
    ("tune.vars.check-max-size", (2, 2)),
    ("tune.vars.global-max-size", (2, 0)),
    ("tune.vars.proc-max-size", (2, 0)),
    ("tune.vars.reqres-max-size", (2, 0)),
    ("tune.vars.sess-max-size", (2, 0)),
    ("tune.vars.txn-max-size", (2, 0)),
    ("tune.zlib.memlevel", (2, 0)),
    ("tune.zlib.windowsize", (2, 0)),
    ("uid", (2, 0)),
    ("ulimit-n", (2, 0)),
    ("unix-bind", (2, 0)),
    ("unsetenv", (2, 0)),
    ("user", (2, 0)),
    ("warn-blocked-traffic-after", (3, 1)),
    ("wurfl-cache-size", (2, 0)),
    ("wurfl-data-file", (2, 0)),
    ("wurfl-engine-mode", (2, 0)),
    ("wurfl-information-list", (2, 0)),
    ("wurfl-information-list-separator", (2, 0)),
    ("wurfl-patch-file", (2, 0)),
    ("wurfl-useragent-priority", (2, 0)),
    ("zero-warning", (2, 2)),
];

pub(crate) const OPTIONS: &[(&str, (u32, u32))] = &[
    ("abortonclose", (2, 0)),
    ("accept-invalid-http-request", (2, 0)),
    ("accept-invalid-http-response", (2, 0)),
    ("accept-unsafe-violations-in-http-request", (3, 1)),
    ("accept-unsafe-violations-in-http-response", (3, 1)),
    ("allbackups", (2, 0)),
    ("assume-rfc6587-ntf", (3, 2)),
    ("checkcache", (2, 0)),
    ("clitcpka", (2, 0)),
    ("contstats", (2, 0)),
    ("disable-h2-upgrade", (2, 2)),
    ("dont-parse-log", (3, 2)),
    ("dontlog-normal", (2, 0)),
    ("dontlognull", (2, 0)),
    ("external-check", (2, 0)),
    ("forceclose", (2, 0)),
    ("forwarded", (2, 8)),
    ("forwardfor", (2, 0)),
    ("h1-case-adjust-bogus-client", (2, 2)),
    ("h1-case-adjust-bogus-server", (2, 2)),
    ("http-buffer-request", (2, 0)),
    ("http-drop-request-trailers", (3, 2)),
    ("http-drop-response-trailers", (3, 2)),
    ("http-ignore-probes", (2, 0)),
    ("http-keep-alive", (2, 0)),
    ("http-no-delay", (2, 0)),
    ("http-pretend-keepalive", (2, 0)),
    ("http-restrict-req-hdr-names", (2, 6)),
    ("http-server-close", (2, 0)),
    ("http-tunnel", (2, 0)),
    ("http-use-htx", (2, 0)),
    ("http-use-proxy-header", (2, 0)),
    ("http_proxy", (2, 0)),
    ("httpchk", (2, 0)),
    ("httpclose", (2, 0)),
    ("httplog", (2, 0)),
    ("httpslog", (2, 6)),
    ("idle-close-on-response", (2, 6)),
    ("independant-streams", (2, 0)),
    ("independent-streams", (2, 0)),
    ("ldap-check", (2, 0)),
    ("log-health-checks", (2, 0)),
    ("log-separate-errors", (2, 0)),
    ("logasap", (2, 0)),
    ("mysql-check", (2, 0)),
    ("nolinger", (2, 0)),
    ("originalto", (2, 0)),
    ("persist", (2, 0)),
    ("pgsql-check", (2, 0)),
    ("prefer-last-server", (2, 0)),
    ("redis-check", (2, 0)),
    ("redispatch", (2, 0)),
    ("smtpchk", (2, 0)),
    ("socket-stats", (2, 0)),
    ("splice-auto", (2, 0)),
    ("splice-request", (2, 0)),
    ("splice-response", (2, 0)),
    ("spop-check", (2, 0)),
    ("srvtcpka", (2, 0)),
    ("ssl-hello-chk", (2, 0)),
    ("tcp-check", (2, 0)),
    ("tcp-smart-accept", (2, 0)),
    ("tcp-smart-connect", (2, 0)),
    ("tcpka", (2, 0)),
    ("tcplog", (2, 0)),
    ("transparent", (2, 0)),
    ("use-small-buffers", (3, 4)),
];

/// Keywords only named `defaults` sections may hold (HAProxy 2.5+).
pub(crate) const NAMED_DEFAULTS_ONLY: &[&str] = &[
    "acl",
    "http-after-response",
    "http-request",
    "http-response",
    "quic-initial",
    "tcp-request",
    "tcp-response",
];

/// A keyword HAProxy used to accept and now refuses.
pub(crate) struct Removed {
    pub keyword: &'static str,
    /// `(major, minor)` of the first version that refuses it.
    pub since: (u32, u32),
    pub hint: &'static str,
}

const HTTP_REQ_HINT: &str = "use 'http-request' rules instead";
const HTTP_RSP_HINT: &str = "use 'http-response' rules instead";

pub(crate) const REMOVED: &[Removed] = &[
    Removed {
        keyword: "appsession",
        since: (1, 6),
        hint: "use stick tables instead",
    },
    Removed {
        keyword: "block",
        since: (2, 1),
        hint: "use 'http-request deny', which takes the same condition",
    },
    Removed {
        keyword: "clitimeout",
        since: (2, 1),
        hint: "use 'timeout client'",
    },
    Removed {
        keyword: "contimeout",
        since: (2, 1),
        hint: "use 'timeout connect'",
    },
    Removed {
        keyword: "srvtimeout",
        since: (2, 1),
        hint: "use 'timeout server'",
    },
    Removed {
        keyword: "redisp",
        since: (2, 1),
        hint: "use 'option redispatch'",
    },
    Removed {
        keyword: "redispatch",
        since: (2, 1),
        hint: "use 'option redispatch'",
    },
    Removed {
        keyword: "reqadd",
        since: (2, 1),
        hint: "use 'http-request add-header'",
    },
    Removed {
        keyword: "reqallow",
        since: (2, 1),
        hint: HTTP_REQ_HINT,
    },
    Removed {
        keyword: "reqdel",
        since: (2, 1),
        hint: "use 'http-request del-header'",
    },
    Removed {
        keyword: "reqdeny",
        since: (2, 1),
        hint: "use 'http-request deny'",
    },
    Removed {
        keyword: "reqiallow",
        since: (2, 1),
        hint: HTTP_REQ_HINT,
    },
    Removed {
        keyword: "reqidel",
        since: (2, 1),
        hint: "use 'http-request del-header'",
    },
    Removed {
        keyword: "reqideny",
        since: (2, 1),
        hint: "use 'http-request deny'",
    },
    Removed {
        keyword: "reqipass",
        since: (2, 1),
        hint: HTTP_REQ_HINT,
    },
    Removed {
        keyword: "reqirep",
        since: (2, 1),
        hint: "use 'http-request replace-header' or 'replace-path'",
    },
    Removed {
        keyword: "reqitarpit",
        since: (2, 1),
        hint: "use 'http-request tarpit'",
    },
    Removed {
        keyword: "reqpass",
        since: (2, 1),
        hint: HTTP_REQ_HINT,
    },
    Removed {
        keyword: "reqrep",
        since: (2, 1),
        hint: "use 'http-request replace-header' or 'replace-path'",
    },
    Removed {
        keyword: "reqtarpit",
        since: (2, 1),
        hint: "use 'http-request tarpit'",
    },
    Removed {
        keyword: "rspadd",
        since: (2, 1),
        hint: "use 'http-response add-header'",
    },
    Removed {
        keyword: "rspdel",
        since: (2, 1),
        hint: "use 'http-response del-header'",
    },
    Removed {
        keyword: "rspdeny",
        since: (2, 1),
        hint: "use 'http-response deny'",
    },
    Removed {
        keyword: "rspidel",
        since: (2, 1),
        hint: "use 'http-response del-header'",
    },
    Removed {
        keyword: "rspideny",
        since: (2, 1),
        hint: "use 'http-response deny'",
    },
    Removed {
        keyword: "rspirep",
        since: (2, 1),
        hint: HTTP_RSP_HINT,
    },
    Removed {
        keyword: "rsprep",
        since: (2, 1),
        hint: "use 'http-response replace-header'",
    },
    Removed {
        keyword: "monitor-net",
        since: (2, 4),
        hint: "use 'http-request return status 200 if { src ... }'",
    },
    Removed {
        keyword: "bind-process",
        since: (2, 7),
        hint: "threads replaced processes; use 'thread' on 'bind' lines",
    },
    Removed {
        keyword: "grace",
        since: (2, 7),
        hint: "remove it; use 'hard-stop-after' in global for a bounded stop",
    },
    Removed {
        keyword: "nbproc",
        since: (2, 5),
        hint: "use 'nbthread'",
    },
];

/// `option` names HAProxy used to accept and now refuses.
pub(crate) const REMOVED_OPTIONS: &[Removed] = &[
    Removed {
        keyword: "forceclose",
        since: (2, 0),
        hint: "remove it, or use 'option httpclose' if really needed",
    },
    Removed {
        keyword: "http-tunnel",
        since: (2, 1),
        hint: "remove it: it is not needed any more",
    },
    Removed {
        keyword: "independant-streams",
        since: (2, 2),
        hint: "use 'option independent-streams'",
    },
    Removed {
        keyword: "http-use-htx",
        since: (2, 5),
        hint: "remove it: HTX is always used",
    },
    Removed {
        keyword: "http_proxy",
        since: (2, 5),
        hint: "use 'http-request set-dst' and 'http-request set-uri'",
    },
    Removed {
        keyword: "transparent",
        since: (3, 5),
        hint: "use 'http-request set-dst' or a server address of 0.0.0.0",
    },
];

/// Which of the four proxy section kinds a keyword is documented for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyKind {
    Defaults = 0,
    Frontend = 1,
    Listen = 2,
    Backend = 3,
}

fn since(v: (u32, u32)) -> Version {
    Version::new(v.0, v.1)
}

/// A table's keywords hashed once: every config line looks one up.
type Index<T> = std::sync::LazyLock<foldhash::HashMap<&'static str, T>>;

static PROXY_INDEX: Index<([bool; 4], Version)> = Index::new(|| {
    PROXY_KEYWORDS
        .iter()
        .map(|&(k, at, v)| (k, (at, since(v))))
        .collect()
});
static GLOBAL_INDEX: Index<Version> = Index::new(|| {
    GLOBAL_KEYWORDS
        .iter()
        .map(|&(k, v)| (k, since(v)))
        .collect()
});
static OPTION_INDEX: Index<Version> =
    Index::new(|| OPTIONS.iter().map(|&(k, v)| (k, since(v))).collect());
static REMOVED_INDEX: Index<&'static Removed> =
    Index::new(|| REMOVED.iter().map(|r| (r.keyword, r)).collect());
static REMOVED_OPTION_INDEX: Index<&'static Removed> =
    Index::new(|| REMOVED_OPTIONS.iter().map(|r| (r.keyword, r)).collect());

/// Sections the keyword is documented for, and the version that introduced
/// it; `None` when no version knows it.
pub(crate) fn proxy_keyword(name: &str) -> Option<([bool; 4], Version)> {
    PROXY_INDEX.get(name).copied()
}

/// The version that introduced a global keyword.
pub(crate) fn global_keyword(name: &str) -> Option<Version> {
    GLOBAL_INDEX.get(name).copied()
}

/// The version that introduced an `option`.
pub(crate) fn option(name: &str) -> Option<Version> {
    OPTION_INDEX.get(name).copied()
}

pub(crate) fn removed(name: &str) -> Option<&'static Removed> {
    REMOVED_INDEX.get(name).copied()
}

pub(crate) fn removed_option(name: &str) -> Option<&'static Removed> {
    REMOVED_OPTION_INDEX.get(name).copied()
}

/// The closest known name, when it is close enough to be a plausible typo.
pub(crate) fn did_you_mean<'k>(
    name: &str,
    known: impl Iterator<Item = &'k str>,
) -> Option<&'k str> {
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::jaro_winkler(name, k);
        let edits = strsim::damerau_levenshtein(name, k);
        let close = edits <= 2.max(name.len() / 4) || score >= 0.88;
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_without_repeats() {
        assert!(PROXY_KEYWORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(GLOBAL_KEYWORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(OPTIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(REMOVED_INDEX.len(), REMOVED.len());
        assert_eq!(REMOVED_OPTION_INDEX.len(), REMOVED_OPTIONS.len());
    }

    #[test]
    fn common_keywords_are_known() {
        for k in [
            "server",
            "balance",
            "use_backend",
            "default_backend",
            "timeout",
            "http-request",
        ] {
            assert!(proxy_keyword(k).is_some(), "{k}");
        }
        for k in [
            "maxconn", "log", "daemon", "stats", "nbthread", "user", "group",
        ] {
            assert!(global_keyword(k).is_some(), "{k}");
        }
        assert!(option("httpchk").is_some() && option("allbackups").is_some());
        assert_eq!(
            proxy_keyword("hash-preserve-affinity").map(|k| k.1),
            Some(Version::new(3, 2))
        );
    }

    #[test]
    fn typos_get_a_suggestion() {
        let proxy = || PROXY_KEYWORDS.iter().map(|(k, _, _)| *k);
        assert_eq!(did_you_mean("sever", proxy()), Some("server"));
        assert_eq!(did_you_mean("maxcon", proxy()), Some("maxconn"));
        assert_eq!(
            did_you_mean("defualt_backend", proxy()),
            Some("default_backend")
        );
        assert_eq!(did_you_mean("zzzzzzzz", proxy()), None);
    }
}
