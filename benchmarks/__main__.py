"""`python -m benchmarks`: every speed figure Looplab claims, measured in one run.

Each benchmark is a module of this package with a `measure(quick)` that returns its figures
(see `benchmarks.report`). They run one after the other, in `MODULES`' order, each taking its
own sides in turns so that its ratios are measured side by side; then the table is printed, the
results are written to a JSON file with the machine and the date, and the README's speed
section is rewritten from that file.

    python -m benchmarks                  # everything, about 75 minutes (GANs 30, peers 25)
    python -m benchmarks --quick          # shorter windows, fewer repeats: about 20 minutes
    python -m benchmarks --only viewers,latency
    python -m benchmarks --readme-only    # the README from benchmarks/results.json, no measuring

A module that is missing is skipped, and one that fails is reported and left out; the others
still run, and the command then exits with status 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import report  # noqa: E402 (after the environment TensorFlow reads)

MODULES = (
    "instrumentation",
    "peers",
    "store",
    "styles",
    "distributed",
    "viewers",
    "latency",
    "redraw",
    "cold_start",
    "gan_quality",
)
RESULTS = Path(__file__).with_name("results.json")


def names(given: str) -> list[str]:
    """The modules `--only` names, in `MODULES`' order.

    Raises:
        argparse.ArgumentTypeError: for a name that is not a benchmark.
    """
    chosen = {name.strip() for name in given.split(",") if name.strip()}
    unknown = chosen - set(MODULES)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"no benchmark named {', '.join(sorted(unknown))}; choose from {', '.join(MODULES)}"
        )
    return [name for name in MODULES if name in chosen]


def run(name: str, quick: bool) -> list[dict] | None:
    """Runs one module's `measure(quick)`; returns its figures, None when it failed.

    Raises:
        ModuleNotFoundError: when there is no such module.
    """
    module = importlib.import_module(f"benchmarks.{name}")
    try:
        return module.measure(quick)
    except Exception:
        traceback.print_exc()
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter: about 20 minutes in all")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default {RESULTS.name}")
    parser.add_argument("--only", type=names, default=list(MODULES), help="NAME[,NAME]")
    parser.add_argument(
        "--readme-only", action="store_true", help="rewrite the README from --json, measure nothing"
    )
    arguments = parser.parse_args(argv)
    results = report.load(arguments.json)
    failed = []
    if not arguments.readme_only:
        date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = report.command()
        results = {"date": date, "command": command, "machine": report.machine()} | {
            "modules": results["modules"]
        }
        for name in arguments.only:
            print(f"\n== {name}", flush=True)
            started = time.monotonic()
            try:
                figures = run(name, arguments.quick)
            except ModuleNotFoundError as error:
                if error.name != f"benchmarks.{name}":
                    raise
                print(f"skipped: benchmarks/{name}.py is missing", flush=True)
                continue
            if figures is None:
                failed.append(name)
                continue
            results["modules"][name] = {
                "date": date,
                "command": command,
                "quick": arguments.quick,
                "seconds": round(time.monotonic() - started),
                "figures": figures,
            }
        # Modules in the order they run, whichever run measured them.
        results["modules"] = {
            name: results["modules"][name] for name in MODULES if name in results["modules"]
        }
        report.save(arguments.json, results)
    if not results["modules"]:
        print(f"No results in {arguments.json}.", file=sys.stderr)
        return 1
    print(f"\n{report.table(results)}\n")
    report.write_readme(results)
    print(f"Results in {arguments.json}; README.md's speed section rewritten.")
    if failed:
        print(f"Failed: {', '.join(failed)} (see above).", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
