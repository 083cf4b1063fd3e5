"""Looplab's command line: list what it can train, train one run, race optimizers, and read
the store.

    python -m trainers list
    python -m trainers run --dataset mnist-5k --arch mlp --style train_step --epochs 1 --out runs/a
    python -m trainers race --optimizers sgd:0.01,adam:0.001 --epochs 1 --out runs/race
    python -m trainers list-runs
    python -m trainers export run-3 --format csv --out exported/
    python -m trainers tensorboard
    python -m trainers sample runs/gan --digit 7 --count 16 --out seven.png

Each command is one module here with `add_command(subparsers)` and `command(args)`. Their
options come from the settings the configurations describe (`trainers.cli.options`).
Nothing imports TensorFlow before a run starts, so `list`, `list-runs` and mistakes in the
options answer at once. Every input is checked before a run exists, and a refusal is one line
on stderr with exit status 2 for options, 1 for a data file (`trainers.cli.refusals`).
"""

from __future__ import annotations

import argparse

from trainers.cli import export, list_runs, listing, race, run, sample, tensorboard
from trainers.cli.refusals import Parser

PROG = "python -m trainers"
COMMANDS = {
    "list": listing,
    "run": run,
    "race": race,
    "list-runs": list_runs,
    "export": export,
    "sample": sample,
    "tensorboard": tensorboard,
}


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m trainers`, with a subparser per command; each refuses
    mistakes in one line (`refusals.Parser`)."""
    parser = Parser(
        prog=PROG, description="Train Keras models from a terminal, as Looplab's pages do."
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}"
    )
    for module in COMMANDS.values():
        module.add_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs `python -m trainers` with these arguments; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from trainers.store.errors import StoreUnavailable  # loads no SQLAlchemy

    try:
        return COMMANDS[args.command].command(args)
    except StoreUnavailable as error:  # a database URL that does not open: one line
        parser.error(str(error), status=1)
