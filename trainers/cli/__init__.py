"""Looplab's command line: list what it can train, train one run, or race optimizers.

    python -m trainers list
    python -m trainers run --dataset mnist-5k --arch mlp --style train_step --epochs 1 --out runs/a
    python -m trainers race --optimizers sgd:0.01,adam:0.001 --epochs 1 --out runs/race

Each command is one module here with `add_command(subparsers)` and `command(args)`. Their
options come from the settings the configurations describe (`trainers.cli.options`).
Nothing imports TensorFlow before a run starts, so `list` and mistakes in the options answer
at once.
"""

from __future__ import annotations

import argparse

from trainers.cli import listing, race, run

PROG = "python -m trainers"
COMMANDS = {"list": listing, "run": run, "race": race}


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m trainers`, with a subparser per command."""
    parser = argparse.ArgumentParser(
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
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command].command(args)
