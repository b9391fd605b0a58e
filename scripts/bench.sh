#!/usr/bin/env bash
# End-to-end speed and memory of `lbcheck check` and `lbcheck diff` on the
# generated configs of ../shared/bench, beside `haproxy -c` and `nginx -t`
# on the same files in the same run. Prints a Markdown table (medians of 9
# runs for lbcheck, check and diff alternated; 3 for the other tools).
#
# usage: scripts/bench.sh [SIZES...]   (default: 1000 10000 50000)
# With crossplane installed (`pip install crossplane==0.5.8`; or its path in
# $CROSSPLANE), nginx rows also time `crossplane parse` on the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000 50000}")
[ $# -gt 0 ] || sizes=(1000 10000 50000)
gen=../shared/bench/gen_configs.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release -q
lb=target/release/lbcheck
export PATH="$PATH:/usr/sbin"
crossplane=${CROSSPLANE:-$(command -v crossplane || true)}

# Wall seconds of one run, to the millisecond from the clock (time's %e has
# 10 ms steps, too coarse for the small rows), and its max RSS in KiB.
run_once() {
    local t0 t1 m
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/t" "$@" > /dev/null 2>&1 || true
    t1=$(date +%s%N)
    m=$(tail -n 1 "$work/t")
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') $m"
}

median() {
    printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"
}

# Median wall seconds and max RSS (MiB) of 3 runs of a real tool (they take
# seconds to minutes).
measure() {
    local walls=() rss=0 w m
    for _ in 1 2 3; do
        read -r w m < <(run_once "$@")
        walls+=("$w")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    echo "$(median "${walls[@]}") $((rss / 1024))"
}

# lbcheck check of $1 and diff of $1 against $2, alternated over $RUNS rounds
# (9 unless set) so that a slow spell of this VM (page faults on fresh memory
# vary by up to a second of sys time) weighs on both alike: median check
# seconds, its max RSS (MiB), median diff seconds.
measure_lbcheck() {
    local checks=() diffs=() rss=0 w m
    for _ in $(seq "${RUNS:-9}"); do
        read -r w m < <(run_once "$lb" check "$1" --haproxy-version 2.6 --format json)
        checks+=("$w")
        [ "$m" -gt "$rss" ] && rss=$m
        read -r w _ < <(run_once "$lb" diff "$1" "$2" --haproxy-version 2.6 --format json)
        diffs+=("$w")
    done
    echo "$(median "${checks[@]}") $((rss / 1024)) $(median "${diffs[@]}")"
}

echo "| format | N | bytes | lbcheck check | MB/s | RSS MiB | RSS / size | lbcheck diff | diff / check | real tool | real tool time | speedup | crossplane | speedup |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for kind in haproxy nginx; do
    for n in "${sizes[@]}"; do
        if [ "$kind" = haproxy ]; then
            flags=(--backends "$n" --servers-per-backend 3); ext=cfg
        else
            flags=(--upstreams "$n" --servers-per-upstream 3); ext=conf
        fi
        f="$work/$kind-$n.$ext"; g="$work/$kind-$n-inject.$ext"
        python3 "$gen" "$kind" "${flags[@]}" --seed 42 > "$f"
        python3 "$gen" "$kind" "${flags[@]}" --seed 42 --inject > "$g"
        bytes=$(stat -c %s "$f")
        read -r ct crss dt < <(measure_lbcheck "$f" "$g")
        xt=0
        if [ "$kind" = haproxy ]; then
            tool="haproxy -c"; read -r rt _ < <(measure haproxy -c -f "$f")
        else
            tool="nginx -t"; read -r rt _ < <(measure nginx -t -q -p "$work/" -c "$f" -g "error_log stderr;")
            [ -z "$crossplane" ] || read -r xt _ < <(measure "$crossplane" parse "$f")
        fi
        awk -v k="$kind" -v n="$n" -v b="$bytes" -v ct="$ct" -v crss="$crss" -v dt="$dt" -v tool="$tool" -v rt="$rt" -v xt="$xt" 'BEGIN {
            mbs = (ct > 0) ? b / 1e6 / ct : 0
            x = (xt > 0) ? sprintf("%.2f s | %.1fx", xt, (ct > 0 ? xt / ct : 0)) : "- | -"
            printf "| %s | %d | %d | %.3f s | %.1f | %d | %.1fx | %.3f s | %.2fx | %s | %.2f s | %.1fx | %s |\n",
                k, n, b, ct, mbs, crss, crss * 1048576 / b, dt, (ct > 0 ? dt / ct : 0), tool, rt, (ct > 0 ? rt / ct : 0), x
        }'
    done
done
