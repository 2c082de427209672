"""``python -m bench.compare A B``: the benchmark at two commits, interleaved, side by side.

    python -m bench.compare 8fc4d85 .              # a commit against this working tree
    python -m bench.compare 8fc4d85 HEAD --rounds 3 -- --quick --only fanout

Each side is a commit (``git archive`` into a temporary directory) or ``.`` (this checkout
as it is). Both run ``python -m bench`` (``--quick`` unless other arguments follow ``--``)
with this interpreter and its installed libraries, from their own directory, so only our
code differs. Runs alternate A B, B A, ... so a change in the machine's load hits both
sides. Prints a Markdown table of every figure (each run's value, then the ratio of the
medians B / A) and the load average around each run; each run's output is kept.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import ROOT, fmt, median

FIGURE = re.compile(r"^([a-z][a-z0-9_]*): (-?[0-9.]+|nan)$")


def checkout(rev: str, into: Path) -> Path:
    """A directory holding ``rev``'s tree (``.``: this checkout, uncommitted changes too)."""
    if rev == ".":
        return ROOT
    dest = into / re.sub(r"[^A-Za-z0-9._-]", "_", rev)
    dest.mkdir(parents=True)
    tree = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tree.stdout, check=True)
    imported = subprocess.run(
        [sys.executable, "-c", "import gateway; print(gateway.__file__)"],
        cwd=dest,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(imported).is_relative_to(dest):
        raise SystemExit(f"{rev}: python imports gateway from {imported}, not from {dest}")
    return dest


def label(rev: str) -> str:
    """A short commit id; for ``.``, this checkout's, marked when it has uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    short = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD" if rev == "." else rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if rev != ".":
        return short
    dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    return f"{short} (this checkout{', with changes' if dirty.stdout.strip() else ''})"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_once(where: Path, bench_args: list[str], log: Path) -> dict[str, float]:
    """One ``python -m bench`` in ``where``; its figures by name."""
    with log.open("w") as out:
        code = subprocess.run(
            [sys.executable, "-m", "bench", *bench_args],
            cwd=where,
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
    if code != 0:
        raise SystemExit(f"python -m bench failed in {where} (exit {code}); see {log}")
    figures = {}
    for line in log.read_text().splitlines():
        m = FIGURE.match(line)
        if m:
            figures[m.group(1)] = float(m.group(2))
    return figures


def side_by_side(
    revs: tuple[str, str], labels: dict[str, str], runs: dict[str, list[dict[str, float]]]
) -> str:
    a, b = revs
    names: list[str] = []
    for rev in revs:
        for figures in runs[rev]:
            names += [n for n in figures if n not in names]
    head = f"| figure | {labels[a]} | {labels[b]} | B / A (medians) |"
    lines = [head, "|---|---|---|---|"]
    for name in names:
        cells = []
        for rev in revs:
            values = [fmt(f[name]) for f in runs[rev] if name in f]
            cells.append(" / ".join(values) or "-")
        ma = median(f.get(name, float("nan")) for f in runs[a])
        mb = median(f.get(name, float("nan")) for f in runs[b])
        ratio = fmt(mb / ma) if ma and math.isfinite(ma) and math.isfinite(mb) else ""
        lines.append(f"| `{name}` | {cells[0]} | {cells[1]} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    bench_args = ["--quick"]
    if "--" in argv:
        cut = argv.index("--")
        argv, bench_args = argv[:cut], argv[cut + 1 :]
    p = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n")[0])
    p.add_argument("a", help="a commit, or . for this checkout")
    p.add_argument("b", help="a commit, or . for this checkout")
    p.add_argument("--rounds", type=int, default=2, help="runs of each side (default 2)")
    p.add_argument("--markdown", type=Path, help="also write the table here")
    args = p.parse_args(argv)
    if args.a == args.b:
        p.error("the two sides are the same")
    work = Path(tempfile.mkdtemp(prefix="zigbridge-compare-"))
    revs = (args.a, args.b)
    labels = {rev: label(rev) for rev in revs}
    where = {rev: checkout(rev, work) for rev in revs}
    runs: dict[str, list[dict[str, float]]] = {rev: [] for rev in revs}
    loads = []
    for i in range(args.rounds):
        for rev in revs if i % 2 == 0 else revs[::-1]:
            before = loadavg()
            log = work / f"run{i + 1}-{where[rev].name}.log"
            command = f"python -m bench {' '.join(bench_args)}"
            print(f"round {i + 1}: {labels[rev]}: {command}", flush=True)
            runs[rev].append(run_once(where[rev], bench_args, log))
            loads.append(f"round {i + 1}, {labels[rev]}: load average {before} -> {loadavg()}")
    table = side_by_side(revs, labels, runs)
    text = f"python -m bench {' '.join(bench_args)}, runs in order:\n\n" + "\n".join(
        f"- {line}" for line in loads
    )
    text += f"\n\n{table}\n"
    print()
    print(text)
    print(f"each run's output: {work}")
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
