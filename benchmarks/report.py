"""The benchmarks' results: the machine, the JSON file, the printed table, the README's section.

A figure is a dict: `name`, `value` (a float, or None when the run could not measure it, e.g. a
score never reached), `unit`, `goal` (e.g. `"≤ 3%"`, None when Looplab sets none), `met` (None
without a goal) and an optional `detail`. The JSON file keeps, per benchmark module, its
figures and when and how they were measured, so that `--only` refreshes some figures and keeps
the others; the README's speed section is written from it, between its two markers.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import textwrap
from importlib import metadata
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- speed:start -->", "<!-- speed:end -->"
WIDTH = 95  # the README's lines of prose
LIBRARIES = {
    "TensorFlow": "tensorflow",
    "Keras": "keras",
    "Streamlit": "streamlit",
    "Plotly": "plotly",
}


def machine() -> dict:
    """The cores, memory, processor and library versions the figures were measured with."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "processor": models[0] if models else platform.processor(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": {"Python": platform.python_version()}
        | {name: metadata.version(package) for name, package in LIBRARIES.items()},
    }


def load(path: Path) -> dict:
    """The results in `path`, or empty ones when there is no such file."""
    return json.loads(path.read_text()) if path.exists() else {"modules": {}}


def save(path: Path, results: dict) -> None:
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def figures(results: dict) -> list[dict]:
    """Every figure of the results, module by module in the order they ran."""
    return [figure for module in results["modules"].values() for figure in module["figures"]]


def value_text(figure: dict) -> str:
    """The value to about three significant digits: `"2.41"`, `"318"`; `"—"` for None."""
    value = figure["value"]
    if value is None:
        return "—"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f}"


def met_text(figure: dict) -> str:
    return {True: "yes", False: "NO", None: ""}[figure["met"]]


def table(results: dict) -> str:
    """The figures as a plain-text table: name, value, unit, goal, whether it is met."""
    rows = [("figure", "value", "unit", "goal", "met")]
    rows += [
        (f["name"], value_text(f), f["unit"], f["goal"] or "", met_text(f))
        for f in figures(results)
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    aligns = "<><<<"  # the values to the right, the rest to the left
    lines = [
        "  ".join(
            f"{cell:{align}{width}}" for cell, align, width in zip(row, aligns, widths, strict=True)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "-" * len(max(lines, key=len)))
    return "\n".join(lines)


def section(results: dict) -> str:
    """The README's speed section: when, where and how, then every figure in a table."""
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    how = (
        "Each figure is a median over repeats taken in turns in one run, so that whatever else "
        "the machine does slows all sides of a ratio alike; a benchmark with a server runs it "
        "on one core and the browser on the other. `python -m benchmarks` measures them all "
        "again and rewrites this section (`--quick`: shorter, in a quarter of an hour; "
        "`--only NAME` for some; `--readme-only` from `benchmarks/results.json`)."
    )
    lines = [
        f"Measured on {results['date']} by `{results['command']}`:",
        "",
        f"- machine: {machine['cores']} cores ({machine['processor']}), "
        f"{machine['memory_gib']:g} GiB of memory, {machine['system']}",
        f"- software: {versions}",
        "",
        textwrap.fill(how, WIDTH, break_on_hyphens=False, break_long_words=False),
        "",
        "| figure | value | unit | goal | met | how |",
        "|---|---:|---|---|---|---|",
    ]
    lines += [
        f"| {f['name']} | {value_text(f)} | {f['unit']} | {f['goal'] or ''} | {met_text(f)} | "
        f"{f.get('detail', '')} |"
        for f in figures(results)
    ]
    earlier = [
        f"`{name}` ({module['date']}, `{module['command']}`)"
        for name, module in results["modules"].items()
        if (module["date"], module["command"]) != (results["date"], results["command"])
    ]
    if earlier:
        lines += ["", f"From earlier runs: {', '.join(earlier)}."]
    return "\n".join(lines)


def write_readme(results: dict, readme: Path = README) -> None:
    """Replaces the text between the README's speed markers with `section(results)`.

    Raises:
        ValueError: when the README lacks either marker.
    """
    text = readme.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no '{START}' … '{END}' markers.")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{section(results)}\n{END}{after}")


def command() -> str:
    """How this process was started, as one would type it: `python -m benchmarks --quick`."""
    return " ".join(["python -m benchmarks", *sys.argv[1:]])
