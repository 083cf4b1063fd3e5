"""`python -m trainers export RUN --format FORMAT --out DIR`: a stored run as files.

`FORMATS` maps each format to the function that writes it, `(store, run_id, folder) ->
[paths written]` (see `trainers.store.exports`); a new format is one more entry. An unknown run
or format exits with status 2 and says what would work; a run without what the format needs
(a failed run's model) exits with 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from trainers.store import RunNotFound, Store, exports

FORMATS: dict[str, Callable[[Store, str, Path], list[Path]]] = {
    "csv": exports.write_csv,
    "json": exports.write_json,
    "tensorboard": exports.write_tensorboard,
    "keras": exports.write_keras,
    "images": exports.write_images,
    "card": exports.write_card,
}


def add_command(subparsers) -> None:
    """Adds the `export` command to the command line's subparsers."""
    parser = subparsers.add_parser(
        "export",
        help="write a stored run's metrics, results, TensorBoard files or model into a folder",
        description="Write a stored run (see `list-runs`) as files: csv (metrics.csv, one row "
        "per batch), json (run.json: configuration, results), tensorboard (event files), "
        "keras (model.keras), images (a PNG per image, a GAN's filmstrip.gif), card (card.py: "
        "the run reproduced in one standalone Python file). A race's or a lab's runs go in a "
        "folder each.",
    )
    parser.set_defaults(refuse=parser.error)
    parser.add_argument("run_id", metavar="RUN", help="the run's id, e.g. run-3 (see list-runs)")
    parser.add_argument(
        "--format", required=True, choices=FORMATS, help=f"one of {', '.join(FORMATS)}"
    )
    parser.add_argument("--out", type=Path, metavar="DIR", required=True, help="the folder")


def command(args: argparse.Namespace) -> int:
    """Writes the files; returns 0, or 1 when the run has nothing of this format."""
    store = Store()
    if store.run(args.run_id) is None:
        args.refuse(str(RunNotFound(store.missing(args.run_id))))
    try:
        written = FORMATS[args.format](store, args.run_id, args.out)
    except exports.NothingToExport as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0
