"""Looplab's command line: list what it can train, train one run, or race optimizers.

    python -m trainers list
    python -m trainers run --dataset mnist-5k --arch mlp --style train_step --epochs 1 --out runs/a
    python -m trainers race --optimizers sgd:0.01,adam:0.001 --epochs 1 --out runs/race

`race` is `trainers.race.command`; see there.

`run` trains on the calling thread (the command line is its own worker), draws a one-line
progress bar on stderr when stderr is a terminal, prints one line with the outcome at the end,
and writes the run's files into `--out` through `trainers.store`. Ctrl-C stops the run after
the batch it is training and still writes the files; a second Ctrl-C quits at once.

Exit status: 0 for a completed run, 1 for a run that failed or diverged, 2 for options that
cannot work (the message says what would), 130 for a run stopped with Ctrl-C.

Nothing here imports TensorFlow before a run starts, so `list` and mistakes in the options
answer at once.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

from trainers import catalog, race
from trainers.config import GAN_DEFAULTS, ConfigError, RunConfig
from trainers.control import RunControl
from trainers.events import COMPLETED, DIVERGED, STOPPED, Event, RunLog
from trainers.progress import WAITING, progress_text
from trainers.store import RunStore

PROG = "python -m trainers"
# With --minutes or --max-steps and no --epochs, that limit ends the run: as many epochs as
# RunConfig.check() allows.
EPOCHS_UNTIL_LIMIT = 10_000
EXIT_STATUS = {COMPLETED: 0, STOPPED: 130}  # failed and diverged runs: 1
BAR_WIDTH = 20


# --- Options ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The parser of `python -m trainers`, with its `list` and `run` commands."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Train Keras models from a terminal, as Looplab's pages do."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{list,run,race}")
    commands.add_parser("list", help="print the datasets, architectures, styles and optimizers")
    run = commands.add_parser(
        "run",
        help="train one run and write its files into --out",
        description="Train one run and write summary.json, metrics.csv, weights.npz, "
        "model.keras (and samples/ for GANs) into --out. Names: see `list`.",
    )
    defaults = RunConfig()
    run.set_defaults(refuse=run.error)
    add = run.add_argument
    add(
        "--out",
        type=Path,
        metavar="DIR",
        required=True,
        help="a new or empty folder for the run's files",
    )
    add(
        "--dataset",
        metavar="NAME_OR_NPZ",
        default=defaults.dataset,
        help="a dataset name, or the path of a .npz file",
    )
    add(
        "--arch",
        dest="architecture",
        choices=catalog.ARCHITECTURES,
        metavar="NAME",
        default=defaults.architecture,
        help="the architecture (default: %(default)s)",
    )
    add(
        "--style",
        choices=catalog.STYLES,
        metavar="NAME",
        default=defaults.style,
        help="the training style (default: %(default)s)",
    )
    add(
        "--optimizer",
        choices=catalog.OPTIMIZERS,
        metavar="NAME",
        help=f"the optimizer (default: {defaults.optimizer}; {GAN_DEFAULTS['optimizer']} for GANs)",
    )
    add(
        "--lr",
        dest="learning_rate",
        type=float,
        metavar="LR",
        help="learning rate (the generator's for GANs; default: the optimizer's, see `list`)",
    )
    add(
        "--epochs",
        type=int,
        metavar="N",
        help=f"passes over the data (default: {defaults.epochs}, or until "
        "--minutes or --max-steps when either is given)",
    )
    add(
        "--batch-size",
        type=int,
        metavar="N",
        help=f"default: {defaults.batch_size}; {GAN_DEFAULTS['batch_size']} for GANs",
    )
    add("--seed", type=int, metavar="N", default=defaults.seed, help="default: %(default)s")
    add(
        "--validation-split",
        type=float,
        metavar="SHARE",
        help=f"share of the data held out for validation (default: {defaults.validation_split}; "
        f"{GAN_DEFAULTS['validation_split']} for GANs)",
    )
    add(
        "--class-weight",
        type=class_weight,
        metavar="WEIGHTS",
        help="'balanced', or weights by class index such as '0:1,1:2.5'",
    )
    add(
        "--sample-weight",
        dest="use_sample_weight",
        action="store_true",
        help="weigh examples by the 'sample_weight' array of a .npz dataset",
    )
    add(
        "--halve-lr-epoch",
        type=int,
        metavar="EPOCH",
        default=0,
        help="train_on_batch: halve the learning rate at this epoch (from 1)",
    )
    add(
        "--max-examples",
        type=int,
        metavar="N",
        default=0,
        help="train on at most this many examples",
    )
    add("--max-steps", type=int, metavar="N", default=0, help="stop after this many batches")
    add("--minutes", type=float, metavar="M", default=0.0, help="stop after this much wall time")
    add(
        "--classes",
        type=class_list,
        metavar="LABELS",
        default=[],
        help="keep only these class labels, such as '3' or '0,1'",
    )
    add(
        "--d-lr",
        dest="discriminator_learning_rate",
        type=float,
        metavar="LR",
        help="GANs: the discriminator's learning rate "
        f"(default: {GAN_DEFAULTS['discriminator_learning_rate']})",
    )
    add(
        "--d-steps",
        dest="discriminator_steps",
        type=int,
        metavar="N",
        default=defaults.discriminator_steps,
        help="GANs: discriminator updates per generator update (default: %(default)s)",
    )
    add(
        "--latent-dim",
        type=int,
        metavar="N",
        default=defaults.latent_dim,
        help="GANs: size of the generator's noise input (default: %(default)s)",
    )
    add(
        "--image-every",
        type=int,
        metavar="N",
        help=f"GANs: steps between two sample grids (default: {GAN_DEFAULTS['image_every']})",
    )
    race.add_command(commands)
    return parser


def class_weight(text: str) -> str | dict[int, float]:
    """Parses `--class-weight`: `"balanced"`, or `"0:1,1:2.5"` into `{0: 1.0, 1: 2.5}`."""
    if text == "balanced":
        return text
    try:
        pairs = [item.split(":") for item in text.split(",")]
        return {int(label): float(weight) for label, weight in pairs}
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected 'balanced', or class:weight pairs separated by commas such as "
            f"'0:1,1:2.5'. Received: {text!r}"
        ) from None


def class_list(text: str) -> list[int]:
    """Parses `--classes`: `"3"` or `"0,1"` into a list of class labels."""
    try:
        return [int(label) for label in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected class labels separated by commas such as '3' or '0,1'. Received: {text!r}"
        ) from None


def config_from(args: argparse.Namespace) -> RunConfig:
    """The `RunConfig` the parsed `run` options describe (not yet checked)."""
    fields = {field.name for field in dataclasses.fields(RunConfig)}
    given = {
        name: value for name, value in vars(args).items() if name in fields and value is not None
    }
    gan = catalog.ARCHITECTURES[args.architecture].is_gan
    settings = (GAN_DEFAULTS if gan else {}) | given  # what the person typed always wins
    if "learning_rate" not in given and ("optimizer" in given or not gan):
        # The optimizer's own learning rate, as `list` shows it.
        settings["learning_rate"] = catalog.OPTIMIZERS[
            settings.get("optimizer", RunConfig.optimizer)
        ][2]
    if "epochs" not in given:
        limited = args.minutes or args.max_steps
        settings["epochs"] = EPOCHS_UNTIL_LIMIT if limited else RunConfig.epochs
    return RunConfig.from_dict(settings)


# --- list -------------------------------------------------------------------------------------


def describe_choices() -> str:
    """Every dataset, architecture, style and optimizer with one line about it, for `list`."""

    def section(title: str, entries: dict[str, str], default: str) -> str:
        lines = [title]
        for name, text in entries.items():
            lines.append(f"  {name:<18} {text}" + ("  (default)" if name == default else ""))
        return "\n".join(lines)

    datasets = {
        name: info.description + ("" if info.offline else "  [downloaded on first use]")
        for name, info in catalog.DATASETS.items()
    }
    architectures = {
        name: info.description + ("  [GAN]" if info.is_gan else "")
        for name, info in catalog.ARCHITECTURES.items()
    }
    styles = {
        name: info.description + ("  [GAN]" if info.gan else "")
        for name, info in catalog.STYLES.items()
    }
    optimizers = {
        name: ", ".join([class_name, *(f"{k}={v}" for k, v in options.items())])
        + f"; learning rate {learning_rate:g}"
        for name, (class_name, options, learning_rate) in catalog.OPTIMIZERS.items()
    }
    return "\n\n".join(
        [
            section(
                "Datasets (--dataset NAME, or the path of a .npz file)",
                datasets,
                catalog.DEFAULT_DATASET,
            ),
            section("Architectures (--arch NAME)", architectures, catalog.DEFAULT_ARCHITECTURE),
            section("Styles (--style NAME)", styles, catalog.DEFAULT_STYLE),
            section("Optimizers (--optimizer NAME)", optimizers, catalog.DEFAULT_OPTIMIZER),
        ]
    )


# --- run --------------------------------------------------------------------------------------


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn in place after the run's batches.

    It reads `[######------] epoch 1/3 · step 40/210 · 0:05 elapsed · ETA 0:21 · loss 0.4321`
    (each loss is its running mean over the epoch). It draws at most every `interval` seconds,
    and nothing at all when `stream` is not a terminal.

    Args:
        log: the run's event log; the bar subscribes to it.
        stream: where to draw.
        interval: the least number of seconds between two redraws.
    """

    def __init__(self, log: RunLog, stream: TextIO, interval: float = 0.1) -> None:
        self.log = log
        self.stream = stream
        self.interval = interval
        self._drawn_at = 0.0
        self._drawn = False
        if stream.isatty():
            log.subscribe(self.update)

    def update(self, event: Event) -> None:
        """Redraws the bar after a batch event, if `interval` has passed since the last."""
        now = time.monotonic()
        if event.kind != "batch" or now - self._drawn_at < self.interval:
            return
        self._drawn_at, self._drawn = now, True
        fraction, label = progress_text(self.log.snapshot())
        row = event.data
        losses = [
            f"{name} {row['mean_' + name]:.4f}"
            for name in row
            if name.endswith("loss") and not name.startswith("mean_")
        ]
        filled = round(fraction * BAR_WIDTH)
        line = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] " + " · ".join([label, *losses])
        width = shutil.get_terminal_size().columns - 1
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()

    def clear(self) -> None:
        """Wipes the bar, leaving the cursor at the start of its line."""
        if self._drawn:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self.stream.flush()


@contextlib.contextmanager
def stop_on_interrupt(control: RunControl, stream: TextIO):
    """While inside, the first Ctrl-C asks the run to stop after its batch; the second quits."""

    def stop(signum, frame):
        stream.write("\nStopping after this batch; Ctrl-C again quits at once.\n")
        control.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run(config: RunConfig, folder: Path) -> int:
    """Trains one run on this thread and writes its files into `folder`.

    Args:
        config: a checked configuration.
        folder: where `trainers.store` writes the run's files.

    Returns:
        The exit status: 0 completed, 1 failed or diverged, 130 stopped.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    from trainers import engine

    log = RunLog(folder.name, config.to_dict())
    control = RunControl()
    store = RunStore(folder, log)
    bar = ProgressBar(log, sys.stderr)
    with stop_on_interrupt(control, sys.stderr):
        trained = engine.execute(config, log, control)
    bar.clear()
    summary = store.finish(None if trained is None else trained.model)
    print(outcome_line(log.snapshot(), summary, folder))
    if summary["status"] == DIVERGED:
        print(
            f"error: the loss became NaN or infinite at step {summary['steps']}; "
            "try a smaller --lr.",
            file=sys.stderr,
        )
    elif summary["error"]:
        print(f"error: {summary['error']}", file=sys.stderr)
    return EXIT_STATUS.get(summary["status"], 1)


def outcome_line(snapshot: dict, summary: dict, folder: Path) -> str:
    """One line on how a run ended, e.g. `completed · epoch 1/1 · ... · files in runs/a`."""
    _, label = progress_text(snapshot)
    metrics = dict(summary["train"])
    metrics |= {"val_" + name: value for name, value in summary["validation"].items()}
    if summary["test_split"] == "test":  # otherwise the validation metrics once more
        metrics |= {"test_" + name: value for name, value in summary["test"].items()}
    parts = [summary["status"] if label == WAITING else label]
    parts += [
        f"{name} {'nan' if value is None else f'{value:.4g}'}" for name, value in metrics.items()
    ]
    return " · ".join([*parts, f"files in {folder}"])


def main(argv: list[str] | None = None) -> int:
    """Runs `python -m trainers` with these arguments; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        print(describe_choices())
        return 0
    if args.command == "race":
        return race.command(args)
    try:
        config = config_from(args)
        config.check()
    except ConfigError as error:
        args.refuse(str(error))
    folder = args.out
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        args.refuse(
            "--out must be a new or empty folder, so that two runs' files never mix. "
            f"Received: --out {folder} (not empty)"
        )
    try:
        return run(config, folder)
    except KeyboardInterrupt:
        print(
            f"\nQuit. {folder / 'metrics.csv'} keeps the batches trained so far.", file=sys.stderr
        )
        return 130
