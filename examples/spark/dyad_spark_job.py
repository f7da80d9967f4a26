#!/usr/bin/env python3
"""Code a JSON Lines news corpus into CAMEO events with dyad, under Apache Spark.

Each Spark partition (a contiguous range of input lines) is piped through one
`dyad code - --no-header -q --threads 1` process on an executor; the driver writes a
single CSV header, computed by the same binary with the same flags. Rows come out in
input order, so the result equals a direct `dyad code CORPUS --no-header` run row for
row.

    spark-submit --master local[2] examples/spark/dyad_spark_job.py \
        --dyad target/release/dyad corpus.jsonl events/ \
        -- --petrarch-config /abs/path/Phoenix/PETR_config.ini

Everything after `--` is passed to `dyad code` unchanged; dyad runs in the folder
that shipped files land in (SparkFiles), so shipped dictionaries are named by their
base name there. The binary is shipped from the driver (--dyad PATH), was shipped by
spark-submit (--files /path/dyad and --dyad-shipped dyad), or is installed on every
node (--dyad-on-nodes PATH). Output: a folder of part files whose part-00000 holds the
header (`cat OUT/part-*` is the CSV), or one file on the driver (--single-file).
See docs/spark.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# Flags of `dyad code` that the job sets itself or that cannot work per partition.
RESERVED = {
    "-o": "the job writes the output (give OUTPUT instead)",
    "--output": "the job writes the output (give OUTPUT instead)",
    "--no-header": "the job always passes it",
    "-q": "the job always passes it",
    "--quiet": "the job always passes it",
    "-j": "use --dyad-threads",
    "--threads": "use --dyad-threads",
    "--rejects": "each executor would overwrite the same file",
    "--strict": "use --on-error fail to stop on a malformed record",
    "--input-format": "the job reads JSON Lines only (one story a line)",
}


def parse_args(argv):
    if "--" in argv:
        cut = argv.index("--")
        own, dyad_args = argv[:cut], argv[cut + 1:]
    else:
        own, dyad_args = argv, []
    p = argparse.ArgumentParser(
        description="Code a JSON Lines corpus with dyad under Spark.",
        epilog="Arguments after `--` go to `dyad code` (e.g. -- --petrarch-config X.ini).",
    )
    p.add_argument("input", help="JSON Lines file, folder or glob (any Hadoop path)")
    p.add_argument("output", help="output folder of part files (header in part-00000), "
                   "or, with --single-file, one CSV file on the driver")
    p.add_argument("--dyad", metavar="PATH",
                   help="dyad binary on the driver, shipped to the executors with "
                        "SparkContext.addFile (default: `dyad` on the driver's PATH)")
    p.add_argument("--dyad-on-nodes", metavar="PATH",
                   help="dyad is installed at PATH on every node: ship nothing")
    p.add_argument("--dyad-shipped", metavar="NAME",
                   help="dyad was shipped by spark-submit (--files /path/NAME): "
                        "find it with SparkFiles.get(NAME)")
    p.add_argument("--ship", metavar="FILE", action="append", default=[],
                   help="also ship FILE to every executor (repeatable); dyad runs in "
                        "the folder the shipped files land in, so name them by their "
                        "base name in the dyad arguments")
    p.add_argument("--ship-archive", metavar="ARCHIVE[#NAME]", action="append", default=[],
                   help="ship a .zip/.tar.gz/.tgz and unpack it as folder NAME next to "
                        "the shipped files (repeatable; e.g. phoenix.zip#phoenix)")
    p.add_argument("--partitions", type=int, default=0,
                   help="minimum number of input partitions (default: 4 per core "
                        "of the application)")
    p.add_argument("--dyad-threads", type=int, default=1,
                   help="threads per dyad process (default 1: Spark runs one task "
                        "per core already)")
    p.add_argument("--single-file", action="store_true",
                   help="stream all rows to one CSV file on the driver")
    p.add_argument("--master", help="Spark master when not run by spark-submit "
                   "(e.g. local[2])")
    a = p.parse_args(own)
    if sum(x is not None for x in (a.dyad, a.dyad_on_nodes, a.dyad_shipped)) > 1:
        p.error("give one of --dyad, --dyad-on-nodes and --dyad-shipped")
    for arg in dyad_args:
        name = arg.split("=", 1)[0]
        if name in RESERVED:
            p.error(f"dyad argument {name}: {RESERVED[name]}")
    if "--dedup" in dyad_args or any(x.startswith("--dedup=") for x in dyad_args):
        print("dyad_spark_job: warning: --dedup works within each partition only; "
              "duplicates across partitions are kept", file=sys.stderr)
    if a.dyad_threads < 1:
        p.error("--dyad-threads must be at least 1")
    return a, dyad_args


def locate_binary(a):
    """(path on the driver to ship or None, how executors find it)."""
    if a.dyad_on_nodes:
        return None, ("installed", a.dyad_on_nodes)
    if a.dyad_shipped:
        return None, ("shipped", a.dyad_shipped)
    path = a.dyad or shutil.which("dyad")
    if not path or not os.path.isfile(path):
        sys.exit("dyad_spark_job: no dyad binary: give --dyad PATH or --dyad-on-nodes PATH")
    return os.path.abspath(path), ("shipped", os.path.basename(path))


def make_coder(binary, dyad_args, threads, header):
    """Returns the function each task runs on its partition's lines.

    Everything it needs is captured by value: no SparkContext on the executors."""

    def run(lines):
        from pyspark import SparkFiles

        root = SparkFiles.getRootDirectory()
        how, name = binary
        exe = SparkFiles.get(name) if how == "shipped" else name
        if how == "shipped" and not os.access(exe, os.X_OK):
            os.chmod(exe, 0o755)
        cmd = [exe, "code", "-", "-q", "--threads", str(threads)]
        if not header:
            cmd.append("--no-header")
        cmd += dyad_args
        it = iter(lines)
        if not header:
            # Start no process for an empty partition.
            try:
                first = next(it)
            except StopIteration:
                return
        else:
            first = None
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, cwd=root)
        feed_error = []

        def feed():
            try:
                w = proc.stdin
                if first is not None:
                    w.write(first.encode("utf-8") + b"\n")
                    for line in it:
                        w.write(line.encode("utf-8") + b"\n")
                w.close()
            except BrokenPipeError:
                pass  # dyad stopped early: its exit status tells why
            except BaseException as e:  # noqa: BLE001 - reported by the task below
                feed_error.append(e)
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        finished = False
        try:
            for out in proc.stdout:
                yield out.decode("utf-8").rstrip("\n")
            finished = True
        finally:
            if not finished:
                proc.kill()  # the task was cancelled: do not wait for the feeder
            t.join()
            rc = proc.wait()
            err.seek(0)
            msg = err.read().decode("utf-8", "replace").strip()
            err.close()
        if feed_error:
            raise RuntimeError(f"feeding dyad failed: {feed_error[0]!r}")
        if rc != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with status {rc}: {msg[-4000:]}")

    return run


def task_error(e):
    """The dyad message inside a failed Spark job's Java stack trace, if any."""
    text = str(e)
    for line in text.splitlines():
        if line.startswith("RuntimeError: "):
            i = text.index(line)
            return text[i + len("RuntimeError: "):].split("\n\tat ", 1)[0].strip()
    return None


def main(argv):
    a, dyad_args = parse_args(argv)
    ship_binary, binary = locate_binary(a)

    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName("dyad code")
    if a.master:
        conf.setMaster(a.master)
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel("WARN")
    try:
        run_job(sc, a, dyad_args, ship_binary, binary)
    except Exception as e:  # noqa: BLE001
        msg = task_error(e)
        if msg is None:
            raise
        sys.exit(f"dyad_spark_job: a task failed: {msg}")
    finally:
        sc.stop()


def run_job(sc, a, dyad_args, ship_binary, binary):
    started = time.time()

    if ship_binary:
        sc.addFile(ship_binary)
    for f in a.ship:
        sc.addFile(f, recursive=os.path.isdir(f))
    for f in a.ship_archive:
        sc.addArchive(f)

    # The header, from the same binary and flags, run in one task: this also checks the
    # flags and loads the dictionaries once before the big job starts.
    header = sc.parallelize([0], 1).mapPartitions(
        make_coder(binary, dyad_args, 1, header=True)).collect()
    if len(header) != 1:
        sys.exit(f"dyad_spark_job: expected one header line, got {header!r}")

    parts = a.partitions or 4 * sc.defaultParallelism
    lines = sc.textFile(a.input, minPartitions=parts)
    rows_acc = sc.accumulator(0)

    def count(it):
        for r in it:
            rows_acc.add(1)
            yield r

    rows = lines.mapPartitions(make_coder(binary, dyad_args, a.dyad_threads, header=False)) \
                .mapPartitions(count)

    if a.single_file:
        # Partitions arrive in order; one partition is in the driver's memory at a time.
        out_dir = os.path.dirname(os.path.abspath(a.output))
        fd, tmp = tempfile.mkstemp(prefix=".dyad-spark-", dir=out_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(header[0] + "\n")
                for r in rows.toLocalIterator(prefetchPartitions=True):
                    f.write(r + "\n")
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, a.output)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    else:
        # The header is partition 0 of the union, so part-00000 starts with it and
        # `cat OUTPUT/part-*` is the whole CSV.
        sc.parallelize(header, 1).union(rows).saveAsTextFile(a.output)

    secs = time.time() - started
    print(f"dyad_spark_job: {rows_acc.value} rows from {lines.getNumPartitions()} "
          f"partitions of {a.input} in {secs:.1f}s -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
