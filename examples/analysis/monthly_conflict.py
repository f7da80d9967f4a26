#!/usr/bin/env python3
"""Monthly material conflict between two countries, from raw news text to a PNG.

Runs `dyad code CORPUS | dyad aggregate - --period month ...`, keeps one country
dyad, and plots its monthly material-conflict counts (CAMEO roots 14-20) with
matplotlib.

    python3 examples/analysis/monthly_conflict.py                 # examples/stories.jsonl, RUS-UKR
    python3 examples/analysis/monthly_conflict.py corpus.jsonl --dyad IRN,IRQ -o irn-irq.png
    python3 examples/analysis/monthly_conflict.py corpus.jsonl --dyad USA,IRN --directed \
        --from 1987-01-01 --to 1987-12-31
    python3 examples/analysis/monthly_conflict.py corpus.jsonl -- --petrarch-config PETR_config.ini

Arguments after `--` go to `dyad code`. The dyad binary is taken from --dyad-bin,
else from PATH, else from this checkout's target/release or target/debug.
Needs Python 3.8+ and matplotlib (`pip install matplotlib`); nothing else.
"""

import argparse
import csv
import datetime
import io
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_dyad(given):
    """The dyad executable to run."""
    if given:
        return given
    on_path = shutil.which("dyad")
    if on_path:
        return on_path
    for build in ("release", "debug"):
        exe = os.path.join(ROOT, "target", build, "dyad")
        if os.access(exe, os.X_OK):
            return exe
    sys.exit(
        "monthly_conflict.py: no dyad binary found: run `cargo build --release` "
        "in the checkout, `cargo install --path .`, or pass --dyad-bin PATH"
    )


def run_pipeline(dyad, corpus, a, b, directed, bounds, code_args):
    """`dyad code | dyad aggregate`, returning the panel as CSV text."""
    code = [dyad, "code", corpus, "-q", *code_args]
    agg = [
        dyad,
        "aggregate",
        "-",
        "--period",
        "month",
        "--by",
        "source_country,target_country",
        "--actor",
        f"{a},{b}",
        "--fill-zero",
        "-q",
    ]
    if not directed:
        agg.append("--undirected")
    for flag, value in bounds:
        if value:
            agg += [flag, value]
    producer = subprocess.Popen(code, stdout=subprocess.PIPE)
    consumer = subprocess.run(agg, stdin=producer.stdout, capture_output=True)
    producer.stdout.close()
    if producer.wait() != 0:
        sys.exit(f"monthly_conflict.py: `{' '.join(code)}` failed")
    if consumer.returncode != 0:
        sys.stderr.write(consumer.stderr.decode(errors="replace"))
        sys.exit("monthly_conflict.py: `dyad aggregate` failed")
    return consumer.stdout.decode()


def series(panel, a, b, directed):
    """Months and material-conflict counts of each direction (or of the pair)."""
    rows = list(csv.DictReader(io.StringIO(panel)))
    pairs = [(a, b), (b, a)] if directed else [tuple(sorted((a, b)))]
    out = {}
    for s, t in pairs:
        picked = [
            r for r in rows if r["source_country"] == s and r["target_country"] == t
        ]
        out[f"{s} \u2192 {t}" if directed else f"{s} \u2013 {t}"] = (
            [datetime.date.fromisoformat(r["period"]) for r in picked],
            [int(r["material_conflict"]) for r in picked],
        )
    months = sorted({r["period"] for r in rows})
    return out, months


def main():
    argv = sys.argv[1:]
    code_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, code_args = argv[:cut], argv[cut + 1 :]
    p = argparse.ArgumentParser(
        description="Plot monthly material conflict between two countries."
    )
    p.add_argument(
        "corpus",
        nargs="?",
        default=os.path.join(ROOT, "examples", "stories.jsonl"),
        help="news corpus for `dyad code` (default: examples/stories.jsonl)",
    )
    p.add_argument(
        "--dyad",
        default="RUS,UKR",
        help="two CAMEO country codes, A,B (default: RUS,UKR)",
    )
    p.add_argument(
        "--directed",
        action="store_true",
        help="plot A->B and B->A apart (default: both directions together)",
    )
    p.add_argument(
        "-o", "--output", default="monthly-conflict.png", help="PNG to write"
    )
    p.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
    p.add_argument("--panel", help="also write the monthly panel CSV here")
    p.add_argument("--dyad-bin", help="path of the dyad executable")
    args = p.parse_args(argv)

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit(
            "monthly_conflict.py: matplotlib is not installed; install it with "
            "`python3 -m pip install matplotlib` (in a virtual environment if your "
            "system Python is managed) and run this again"
        )

    codes = [c.strip().upper() for c in args.dyad.split(",") if c.strip()]
    if len(codes) != 2:
        sys.exit("monthly_conflict.py: --dyad wants two country codes, such as RUS,UKR")
    a, b = codes
    if not os.path.exists(args.corpus):
        sys.exit(f"monthly_conflict.py: no such corpus: {args.corpus}")

    dyad = find_dyad(args.dyad_bin)
    bounds = [("--from", args.start), ("--to", args.end)]
    panel = run_pipeline(dyad, args.corpus, a, b, args.directed, bounds, code_args)
    if args.panel:
        with open(args.panel, "w", newline="") as f:
            f.write(panel)
    lines, months = series(panel, a, b, args.directed)
    if not any(xs for xs, _ in lines.values()):
        sys.exit(f"monthly_conflict.py: no events between {a} and {b} in {args.corpus}")

    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    width = 0.8 * 30 / len(lines)
    for k, (label, (xs, ys)) in enumerate(lines.items()):
        shift = datetime.timedelta(days=(k - (len(lines) - 1) / 2) * width)
        ax.bar([x + datetime.timedelta(days=14) + shift for x in xs], ys, width=width, label=label)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("material-conflict events")
    ax.set_title(
        f"Monthly material conflict (CAMEO 14\u201320), {a} and {b}\n"
        f"{os.path.basename(args.corpus)}, coded by dyad",
        fontsize=10,
    )
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(args.output, dpi=150)
    total = sum(sum(ys) for _, ys in lines.values())
    print(
        f"monthly_conflict.py: {total} material-conflict events between {a} and {b} "
        f"over {len(months)} months; plot written to {args.output}"
    )


if __name__ == "__main__":
    main()
