#!/usr/bin/env bash
# Codes the Reuters-21578 corpus through Apache Spark (local[2], examples/spark/
# dyad_spark_job.py) and checks that the rows equal a direct `dyad code` run's rows
# exactly, in the same order: same row count, same sha256. See docs/spark.md.
#
# Needs Java 17 (or 8/11) and Python 3 with venv; installs pyspark from PyPI into
# target/spark-venv (reused when it is already there). Needs ../shared.
#
# Environment (all optional):
#   DYAD_SPARK_DICTS       auto (default: dyad's own dictionaries if they code
#                          examples/stories.jsonl, else Phoenix), default, or phoenix
#   DYAD_SPARK_PARTITIONS  input partitions (default 8)
#   DYAD_SPARK_MODES       output modes to check: "folder single" (default) or one of them
set -euo pipefail
cd "$(dirname "$0")/.."

PYSPARK_VERSION=3.5.9
VENV=target/spark-venv
WORK=target/spark-test
PARTITIONS=${DYAD_SPARK_PARTITIONS:-8}
MODES=${DYAD_SPARK_MODES:-folder single}
DICTS=${DYAD_SPARK_DICTS:-auto}

die() { echo "spark-test: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

SHARED="$(cd .. && pwd)/shared"
CORPUS="$SHARED/corpus/reuters21578.jsonl"
PHOENIX="$SHARED/dictionaries/phoenix/PETR_config.ini"
[ -d "$SHARED" ] || die "$SHARED is missing: the test codes its Reuters corpus"
[ -f "$CORPUS" ] || die "$CORPUS is missing"

echo "== spark: tools"
command -v java >/dev/null || die "java is not on PATH (Spark needs Java 17)"
java -version 2>&1 | head -n 1
python3 --version

if [ ! -x target/release/dyad ]; then
  echo "building target/release/dyad"
  cargo build --release --quiet
fi
rm -rf "$WORK"
mkdir -p "$WORK/tmp"
# A snapshot of the binary, so that the direct run and the Spark run use the very same
# one even if target/release/dyad is rebuilt meanwhile.
cp target/release/dyad "$WORK/dyad"
DYAD="$WORK/dyad"

if ! "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
  echo "installing pyspark $PYSPARK_VERSION into $VENV"
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" \
    || die "pip install pyspark==$PYSPARK_VERSION failed"
fi
echo "pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)') in $VENV"

case "$DICTS" in
  auto)
    if "$DYAD" code examples/stories.jsonl -q > "$WORK/probe.csv" 2> "$WORK/probe.log" \
        && [ "$(wc -l < "$WORK/probe.csv")" -gt 1 ]; then
      DICTS=default
    else
      echo "dyad's own dictionaries do not code examples/stories.jsonl ($(tail -n 1 "$WORK/probe.log")); using Phoenix"
      DICTS=phoenix
    fi ;;
  default|phoenix) ;;
  *) die "DYAD_SPARK_DICTS must be auto, default or phoenix" ;;
esac
DICT_ARGS=()
if [ "$DICTS" = phoenix ]; then
  [ -f "$PHOENIX" ] || die "$PHOENIX is missing"
  DICT_ARGS=(--petrarch-config "$PHOENIX")
fi
echo "dictionaries: $DICTS ${DICT_ARGS[*]}"

echo "== spark: direct run"
t0=$(now)
"$DYAD" code "$CORPUS" --no-header -q "${DICT_ARGS[@]}" > "$WORK/direct.csv"
direct_secs=$(since "$t0")
"$DYAD" code - -q "${DICT_ARGS[@]}" < /dev/null > "$WORK/header.csv"
direct_rows=$(wc -l < "$WORK/direct.csv")
direct_sha=$(sha256sum < "$WORK/direct.csv" | cut -d' ' -f1)
[ "$direct_rows" -gt 0 ] || die "the direct run coded no events: nothing to compare"
echo "direct: $direct_rows rows sha256 $direct_sha in ${direct_secs}s ($(nproc) cores)"

export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON="$PWD/$VENV/bin/python"
export PYSPARK_DRIVER_PYTHON="$PWD/$VENV/bin/python"
unset SPARK_HOME PYTHONPATH

failed=0
for mode in $MODES; do
  echo "== spark: local[2], $PARTITIONS partitions, output: $mode"
  case "$mode" in
    folder) out="$WORK/out"; extra=() ;;
    single) out="$WORK/out.csv"; extra=(--single-file) ;;
    *) die "unknown mode $mode (folder or single)" ;;
  esac
  t0=$(now)
  if ! "$VENV/bin/spark-submit" --master 'local[2]' \
      --conf spark.ui.enabled=false --conf "spark.local.dir=$PWD/$WORK/tmp" \
      examples/spark/dyad_spark_job.py --dyad "$DYAD" --partitions "$PARTITIONS" "${extra[@]}" \
      "$CORPUS" "$out" -- "${DICT_ARGS[@]}" > "$WORK/spark-$mode.log" 2>&1; then
    grep -v '^[0-9/]* [0-9:]* INFO ' "$WORK/spark-$mode.log" | tail -n 40 >&2
    die "the Spark job failed ($mode); log in $WORK/spark-$mode.log"
  fi
  spark_secs=$(since "$t0")
  job_line=$(grep '^dyad_spark_job: ' "$WORK/spark-$mode.log" | tail -n 1)
  if [ "$mode" = folder ]; then
    [ -f "$out/_SUCCESS" ] || die "no $out/_SUCCESS"
    cat "$out"/part-* > "$WORK/spark.csv"
    nonempty=$(find "$out" -name 'part-*' -size +0 | wc -l)
    # part-00000 holds the header only; the rows must come from several partitions.
    [ "$nonempty" -ge 3 ] || die "the rows came from $((nonempty - 1)) partition(s): Spark did not split the corpus"
  else
    cp "$out" "$WORK/spark.csv"
  fi
  head -n 1 "$WORK/spark.csv" | cmp -s - "$WORK/header.csv" \
    || { failed=1; echo "FAIL: the Spark header differs from dyad's: $(head -n 1 "$WORK/spark.csv")"; }
  tail -n +2 "$WORK/spark.csv" > "$WORK/spark-rows.csv"
  spark_rows=$(wc -l < "$WORK/spark-rows.csv")
  spark_sha=$(sha256sum < "$WORK/spark-rows.csv" | cut -d' ' -f1)
  echo "spark:  $spark_rows rows sha256 $spark_sha in ${spark_secs}s (spark-submit to exit; ${job_line#dyad_spark_job: })"
  echo "direct: $direct_rows rows sha256 $direct_sha in ${direct_secs}s"
  if [ "$spark_rows" != "$direct_rows" ] || [ "$spark_sha" != "$direct_sha" ]; then
    failed=1
    echo "FAIL ($mode): the Spark rows differ from the direct run's; first difference:"
    diff "$WORK/direct.csv" "$WORK/spark-rows.csv" | head -n 6 || true
  else
    echo "ok ($mode): the Spark rows equal the direct run's, in order"
  fi
done
rm -rf "$WORK/tmp"
[ "$failed" = 0 ] || die "Spark output differs from the direct run"
echo "spark-test: passed"
