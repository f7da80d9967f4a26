#!/usr/bin/env bash
# Codes the Reuters-21578 corpus with three dictionary sets, with 1 thread and with all
# threads, in a release build, and prints MB/s, sentences/s, peak memory and the ratio
# of dyad's time to `wc -w`'s time on the same file in the same run.
# Usage: scripts/bench.sh [CORPUS]   (default: ../shared/corpus/reuters21578.jsonl)
# DYAD=path/to/dyad benchmarks that binary instead of a fresh `cargo build --release`
# (e.g. DYAD=$(scripts/build-pgo.sh) scripts/bench.sh for the profile-guided build).
# Each configuration runs RUNS times (default 5), one thread and all threads in turn,
# with a `wc -w` run beside each pair; the best times and the largest peak memory are
# reported, and the speed-up of all threads over one.
# Compiled dictionary sets are cached (docs/performance.md): the timed runs load each
# set from a cache in a temporary folder that a first run fills. Loading itself is
# timed on an empty input, compiled from the text (no cache) and from the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="$(cd .. && pwd)/shared"
CORPUS="${1:-$SHARED/corpus/reuters21578.jsonl}"
[ -f "$CORPUS" ] || { echo "bench: corpus $CORPUS not found" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
if [ -z "${DYAD:-}" ]; then
  cargo build --release --quiet
  DYAD=./target/release/dyad
fi
[ -x "$DYAD" ] || { echo "bench: $DYAD is not an executable" >&2; exit 1; }
CORES=$(nproc)
BYTES=$(stat -c %s "$CORPUS")
TC="$SHARED/dictionaries/tabari-cameo"
declare -A SETS=(
  [dyad]=""
  [phoenix]="--petrarch-config $SHARED/dictionaries/phoenix/PETR_config.ini"
  [tabari-cameo]="--actors $TC/CountryInfo.120116.actors --actors $TC/Internatnl.120521.actors --actors $TC/Levant.080629.actors --agents $TC/PSU.120522.agents --verbs $TC/CAMEO.091003.master.verbs"
)
secs() { date +%s.%N; }
DYAD_CACHE_DIR=$(mktemp -d)
export DYAD_CACHE_DIR
EMPTY="$DYAD_CACHE_DIR/empty.jsonl"
: > "$EMPTY"
trap 'rm -rf "$DYAD_CACHE_DIR"' EXIT
# Best wall time of three runs of dyad on an empty input (a whole run: start, load, exit).
load_time() {
  local best=999 t0 t1
  for _ in 1 2 3; do
    # shellcheck disable=SC2086
    t0=$(secs); "$DYAD" code "$EMPTY" $1 -o /dev/null 2>/dev/null; t1=$(secs)
    best=$(python3 -c "print(min($best, $t1 - $t0))")
  done
  echo "$best"
}
# wc -w as the yardstick: three runs first (they warm the page cache too), then one
# beside every pair of dyad runs, so that its best is taken over the same stretch of
# time as dyad's (this machine's speed drifts).
best_wc=999
time_wc() {
  local t0 t1
  t0=$(secs); wc -w "$CORPUS" >/dev/null; t1=$(secs)
  best_wc=$(python3 -c "print(min($best_wc, $t1 - $t0))")
}
for _ in 1 2 3; do time_wc; done
printf 'machine: %s cores, %s; corpus %s (%.1f MB); binary %s\n' "$CORES" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$(basename "$CORPUS")" "$(python3 -c "print($BYTES/1e6)")" "$DYAD"
loads=()
rows=()
for set in dyad phoenix tabari-cameo; do
  # One thread and all threads alternate, RUNS times (default 5), so that a change in
  # the machine's load touches both alike; the best run of each counts, as for `wc -w`.
  cold=$(DYAD_CACHE_DIR="" load_time "${SETS[$set]}")
  # shellcheck disable=SC2086
  "$DYAD" code "$EMPTY" ${SETS[$set]} -o /dev/null 2>/dev/null # fills the cache
  warm=$(load_time "${SETS[$set]}")
  loads+=("$(printf '%-13s compiled from text %5.0f ms, from the cache %5.0f ms' "$set" "$(python3 -c "print($cold*1000)")" "$(python3 -c "print($warm*1000)")")")
  one=()
  all=()
  for _ in $(seq "${RUNS:-5}"); do
    time_wc
    for threads in 1 "$CORES"; do
      log=$(mktemp)
      # The wall time to the nanosecond (as for `wc -w`; /usr/bin/time gives
      # hundredths); /usr/bin/time for the peak memory and the CPU time.
      t0=$(secs)
      # shellcheck disable=SC2086
      /usr/bin/time -v "$DYAD" code "$CORPUS" ${SETS[$set]} -j "$threads" -o /dev/null 2> "$log" || { cat "$log" >&2; exit 1; }
      t1=$(secs)
      echo "bench wall seconds: $(python3 -c "print($t1 - $t0)")" >> "$log"
      if [ "$threads" = 1 ]; then one+=("$log"); else all+=("$log"); fi
    done
  done
  rows+=("$set|${one[*]}|${all[*]}")
done
printf 'wc -w: %.3f s (%.0f MB/s), best of all its runs; cpu_s: user + system time of the fastest run\n\n' "$best_wc" "$(python3 -c "print($BYTES/1e6/$best_wc)")"
printf '%-13s %7s %8s %8s %8s %11s %9s %9s %7s %8s\n' set threads seconds cpu_s MB/s sentences/s events peak_MB x_wc speedup
for row in "${rows[@]}"; do
  IFS='|' read -r set one_logs all_logs <<< "$row"
  python3 - "$set" "$CORES" "$BYTES" "$best_wc" "$one_logs" "$all_logs" <<'PY'
import re, sys
name, cores, size, wc = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
def best(paths):
    runs = []
    for path in paths.split():
        log = open(path).read()
        secs = float(re.search(r"bench wall seconds: ([\d.]+)", log).group(1))
        cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", log).group(1)) for k in ("User", "System"))
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 1024
        sent, ev = map(int, re.search(r"(\d+) sentences, (\d+) events", log).groups())
        runs.append((secs, rss, sent, ev, cpu))
    fastest = min(runs)
    return fastest[0], max(r[1] for r in runs), fastest[2], fastest[3], fastest[4]
t1 = best(sys.argv[5])[0]
for threads, paths in (("1", sys.argv[5]), (cores, sys.argv[6])):
    secs, rss, sent, ev, cpu = best(paths)
    print(f"{name:<13} {threads:>7} {secs:8.3f} {cpu:8.2f} {size/1e6/secs:8.1f} {sent/secs:11.0f} {ev:9d} {rss:9.0f} {secs/wc:7.2f} {t1/secs:8.2f}")
PY
  # shellcheck disable=SC2086
  rm -f $one_logs $all_logs
done
printf '\nwhole run on an empty input (start, load the set, exit), best of three:\n'
printf '%s\n' "${loads[@]}"
