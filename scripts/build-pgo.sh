#!/usr/bin/env bash
# Builds dyad with profile-guided optimisation (PGO): an instrumented build codes some
# training texts, and the release build is then compiled with the branch and call
# counts of those runs. The result is the same program (its output is byte-identical)
# laid out for the paths news text takes; docs/performance.md gives the gain.
#
# Usage: scripts/build-pgo.sh [TRAINING_FILE...]
#   TRAINING_FILE: any input `dyad code` reads (JSON Lines, CSV, XML, text). Without
#   one, the texts of ../shared that are not the benchmark corpus are used: the
#   GigaWord sample and the TABARI and PETRARCH conformance suites.
# Each file is coded with dyad's own dictionaries and, when ../shared has them, with
# the Phoenix and TABARI CAMEO sets.
# Prints the path of the optimised binary (target/pgo-use/release/dyad).
#
# Needs `llvm-profdata` of LLVM 19 or later: rustup's llvm-tools component
# (`rustup component add llvm-tools`), or the Debian package llvm-19, or any one named
# by $LLVM_PROFDATA.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="$(cd .. && pwd)/shared"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The candidates, best first: the one named, the toolchain's own, then the newest
# installed. The first that can read this compiler's raw profiles is kept.
profdata_candidates() {
  [ -n "${LLVM_PROFDATA:-}" ] && echo "$LLVM_PROFDATA"
  local host
  host=$(rustc -vV | sed -n 's/^host: //p')
  echo "$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
  find /usr/lib -maxdepth 3 -path '/usr/lib/llvm-*/bin/llvm-profdata' 2>/dev/null | sort -t- -k2 -rn
  command -v llvm-profdata || true
}

# RUSTFLAGS replaces the flags of .cargo/config.toml: its processor level is repeated.
CPU=""
[ "$(uname -m)" = x86_64 ] && CPU="-Ctarget-cpu=x86-64-v3"
echo "pgo: instrumented build" >&2
# Fixed paths in the flags, so that a second run rebuilds only what changed.
RAW="$PWD/target/pgo-gen/profiles"
rm -rf "$RAW"
RUSTFLAGS="$CPU -Cprofile-generate=$RAW" cargo build --release --quiet --target-dir target/pgo-gen
GEN=target/pgo-gen/release/dyad

TC="$SHARED/dictionaries/tabari-cameo"
sets=("")
if [ -d "$SHARED/dictionaries" ]; then
  sets+=("--petrarch-config $SHARED/dictionaries/phoenix/PETR_config.ini")
  sets+=("--actors $TC/CountryInfo.120116.actors --actors $TC/Internatnl.120521.actors --actors $TC/Levant.080629.actors --agents $TC/PSU.120522.agents --verbs $TC/CAMEO.091003.master.verbs")
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  [ -d "$SHARED/corpus" ] || { echo "pgo: no training file given and $SHARED is missing" >&2; exit 1; }
  files=("$SHARED/corpus/GigaWord.sample.PETR.xml")
fi
export DYAD_CACHE_DIR="$WORK/cache"
echo "pgo: training on ${files[*]}" >&2
for set in "${sets[@]}"; do
  for f in "${files[@]}"; do
    # Twice: the first run compiles the set, the second loads it from the cache, as
    # every run after a user's first does.
    for _ in 1 2; do
      # shellcheck disable=SC2086
      "$GEN" code "$f" $set -o "$WORK/out.csv" 2>/dev/null || {
        echo "pgo: coding $f failed" >&2
        exit 1
      }
    done
  done
done
if [ $# -eq 0 ] && [ -d "$SHARED/reference" ]; then
  "$GEN" validate tabari "$SHARED/reference/tabari/Validate.project" --floor 0 > /dev/null
  "$GEN" validate petrarch "$SHARED/reference/petrarch/PETR.UnitTest.records.xml" \
    --dictionaries "$SHARED/reference/petrarch" --floor 0 > /dev/null
fi

merged=""
while read -r tool; do
  [ -x "$tool" ] || continue
  if "$tool" merge -o "$WORK/merged.profdata" "$RAW"/*.profraw 2>/dev/null; then
    merged="$tool"
    break
  fi
done < <(profdata_candidates)
if [ -z "$merged" ]; then
  echo "pgo: no llvm-profdata could read the profiles; install rustup's llvm-tools or llvm-19" >&2
  exit 1
fi
echo "pgo: profiles merged with $merged" >&2

echo "pgo: optimised build" >&2
# Named by its content: cargo rebuilds when the flags change, and so when the profile does.
mkdir -p target/pgo-use
PROFILE="$PWD/target/pgo-use/profile-$(sha256sum "$WORK/merged.profdata" | cut -c1-16).profdata"
cp "$WORK/merged.profdata" "$PROFILE"
find target/pgo-use -maxdepth 1 -name 'profile-*.profdata' ! -name "$(basename "$PROFILE")" -delete
RUSTFLAGS="$CPU -Cprofile-use=$PROFILE -Cllvm-args=-pgo-warn-missing-function=false" \
  cargo build --release --quiet --target-dir target/pgo-use
echo target/pgo-use/release/dyad
