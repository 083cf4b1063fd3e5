"""`python -m trainers race`: race optimizers on one network and write the race's files.

The contestants train in lockstep on this thread (see `trainers.race`); the command keeps the
race and its runs in the store (`trainers.store`, owner `cli`), writes `summary.json` and one
per-batch CSV per contestant into `--out` (`trainers.outputs.write_race`), and prints the
leader board. Its options come from the settings of a group's runs and of the
race (`trainers.cli.options`).
"""

from __future__ import annotations

import argparse
import os
import sys

from trainers import catalog
from trainers.cli.options import add_settings, command_parser, given
from trainers.cli.refusals import check_data, check_run_name
from trainers.config import ConfigError
from trainers.control import RunControl
from trainers.datasets import DatasetError
from trainers.group import GroupLog, GroupRunConfig
from trainers.outputs import write_race
from trainers.race import MAX_CONTESTANTS, MIN_CONTESTANTS, RaceConfig, execute, parse_contestants
from trainers.store import Store, StoreWriter

# The settings every contestant shares; the optimizers and their learning rates are the race's.
RUN_SETTINGS = (
    "dataset",
    "architecture",
    "style",
    "epochs",
    "batch_size",
    "seed",
    "validation_split",
    "max_examples",
    "max_steps",
)


def add_command(subparsers) -> None:
    """Adds the `race` command to the command line's subparsers."""
    parser = command_parser(
        subparsers,
        "race",
        "race optimizers on one network, from the same weights, on the same batches",
        "Train one network per optimizer in lockstep, each from the same initial weights on "
        "the same batches; write summary.json and one per-batch CSV per optimizer into --out. "
        "Names: see `list`.",
        "the folder for the files",
    )
    parser.add_argument(
        "--optimizers",
        metavar="NAME:LR,...",
        default="sgd:0.01,adam:0.001",
        help=f"{MIN_CONTESTANTS} to {MAX_CONTESTANTS} of {', '.join(catalog.OPTIMIZERS)}, "
        "each with an optional learning rate (default: %(default)s)",
    )
    # GANs do not race: their defaults would only confuse `--help`.
    add_settings(parser, GroupRunConfig, RUN_SETTINGS, gans=False)
    add_settings(parser, RaceConfig, ["target_accuracy"])


def config_from(args: argparse.Namespace) -> RaceConfig:
    """The `RaceConfig` the parsed `race` options describe (not yet checked).

    Raises:
        ConfigError: for `--optimizers` that name an unknown optimizer or a rate that is not
            a number.
    """
    return RaceConfig(
        parse_contestants(args.optimizers),
        GroupRunConfig(**given(args, GroupRunConfig)),
        **given(args, RaceConfig),
    )


def command(args: argparse.Namespace) -> int:
    """Runs the `race` command on this thread and writes its files into `args.out`.

    Options that cannot work exit with status 2 through `args.refuse`, saying what would, and
    a data file that cannot be trained on with status 1 through `args.refuse_data`, before the
    race exists (`trainers.cli.refusals`).

    Returns:
        The exit status: 0 for a race whose every contestant ran to its end (or diverged), 1
        for one in which a contestant failed, or every one did.
    """
    try:
        config = config_from(args)
        config.check()
        check_run_name(args.out)
        check_data(next(iter(config.runs().values())))
    except ConfigError as error:
        args.refuse(str(error))
    except DatasetError as error:
        args.refuse_data(str(error))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    store = Store()
    writer = StoreWriter(store)
    log = GroupLog.create(store.new_run_id("race"), config)
    writer.follow(log, kind="race", owner="cli", name=args.out.name or None)
    try:
        execute(config, log, RunControl())
    finally:
        writer.close()
    summary = write_race(log.snapshot(), args.out)
    for row in summary["leaderboard"]:
        print(" · ".join(f"{key} {_short(value)}" for key, value in row.items()))
    if summary["error"]:
        print(f"error: {summary['error']}", file=sys.stderr)
    print(f"stored as {log.run_id} · files in {args.out}")
    return 1 if summary["error"] else 0  # the race's error names the contestants that failed


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
