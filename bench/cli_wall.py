#!/usr/bin/env python
"""Wall time of one ``tradewar duty CODE --importer US --origin CN --entered D --json``.

Runs the command N times in fresh processes on the store under TRADEWAR_HOME and reports
the median, min and max wall seconds (target 0.3 s, issue 14). In the same run:

- ``python_floor_s``: ``python -c pass`` (the interpreter's own start);
- ``import_s``: ``python -c "import tradewar.interfaces.cli"`` (the CLI's imports);
- ``baseline_s``: the same command in a process that imports pandas first, which is
  what DuckDB's parameter binding did on the first query before
  ``data.store.no_pandas_probe``; ``ratio_to_baseline`` is baseline over median.

Every run's JSON must be the same as the first one's.

    python bench/cli_wall.py [--runs 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
ARGS = ["duty", "9403608081", "--importer", "US", "--origin", "CN", "--entered", "2019-06-20",
        "--json"]  # fmt: skip
BASELINE = (
    "import sys, pandas; from tradewar.interfaces.cli import main; sys.argv[0] = 'tradewar'; main()"
)


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd[:3])}...: {proc.stderr.strip()}")
    return wall, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs >= 1")
    binary = str(Path(sys.executable).with_name("tradewar"))
    py = sys.executable
    load = os.getloadavg()
    walls, floor, imports, base = [], [], [], []
    first = None
    for _ in range(args.runs):  # interleaved, so that load changes hit every series alike
        wall, out = timed([binary, *ARGS])
        walls.append(wall)
        first = first or out
        if out != first:
            raise SystemExit("error: two runs printed different JSON")
        floor.append(timed([py, "-c", "pass"])[0])
        imports.append(timed([py, "-c", "import tradewar.interfaces.cli"])[0])
        wall, out = timed([py, "-c", BASELINE, *ARGS])
        base.append(wall)
        if out != first:
            raise SystemExit("error: the baseline printed different JSON")
    median = statistics.median(walls)
    report = {
        "benchmark": "tradewar duty ... --json, wall per process",
        "store": os.environ.get("TRADEWAR_HOME"),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load],
        "runs": args.runs,
        "median_s": round(median, 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "python_floor_s": round(statistics.median(floor), 3),
        "import_s": round(statistics.median(imports), 3),
        "baseline_s": round(statistics.median(base), 3),
        "ratio_to_baseline": round(statistics.median(base) / median, 2),
        "target_s": TARGET_S,
        "meets_target": median <= TARGET_S,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"tradewar duty --json: median {report['median_s']} s (min {report['min_s']}, max "
        f"{report['max_s']}) over {args.runs} runs, load {report['load_average_before']}; "
        f"python alone {report['python_floor_s']} s, CLI imports {report['import_s']} s; "
        f"with the pandas probe {report['baseline_s']} s ({report['ratio_to_baseline']}x) "
        f"-> {'meets' if report['meets_target'] else 'misses'} the {TARGET_S} s target"
    )


if __name__ == "__main__":
    main()
