"""`python -m trainers run`: train one run on this thread, into the store and into `--out`.

The command line is its own worker: the run trains on the calling thread. It draws a one-line
progress bar on stderr when stderr is a terminal, prints one line with the outcome at the end,
writes the run into the store (`trainers.store`, the same database the app uses, owner `cli`)
and, when `--out` is given, its files into that folder through `trainers.outputs`. Ctrl-C
stops the run after the batch it is training and still writes everything; a second Ctrl-C
quits at once, and the store keeps the run as `interrupted` with the batches it trained.

Exit status: 0 for a completed run, 1 for a run that failed or diverged, 2 for options that
cannot work (the message says what would), 130 for a run stopped with Ctrl-C. A data file
that cannot be trained on exits with 1 before the run exists, so the store never keeps it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import TextIO

from trainers import catalog, cluster
from trainers.cli.options import add_settings, command_parser, given
from trainers.cli.refusals import check_data, check_out_folder, check_run_name
from trainers.config import ConfigError, RunConfig
from trainers.control import RunControl
from trainers.datasets import DatasetError
from trainers.events import COMPLETED, DIVERGED, FAILED, INTERRUPTED, STOPPED, Event, RunLog
from trainers.outputs import OutputFolder, summarize
from trainers.progress import WAITING, progress_text
from trainers.settings import settings_of
from trainers.store import Store, StoreWriter

# With --minutes or --max-steps and no --epochs, that limit ends the run: as many epochs as
# RunConfig.check() allows.
EPOCHS_UNTIL_LIMIT = 10_000
EXIT_STATUS = {COMPLETED: 0, STOPPED: 130}  # failed and diverged runs: 1
BAR_WIDTH = 20


def add_command(subparsers) -> None:
    """Adds the `run` command, one option per setting of `RunConfig`."""
    parser = command_parser(
        subparsers,
        "run",
        "train one run into the store (and its files into --out)",
        "Train one run and keep it in the store (see `list-runs`); with --out, also write "
        "summary.json, metrics.csv, weights.npz, model.keras (and samples/ for GANs) there. "
        "Names: see `list`. Without --epochs, --minutes or --max-steps ends the run when "
        "either is given.",
        "a new or empty folder for the files (none: the run lives in the store only)",
        out_required=False,
    )
    add_settings(parser, RunConfig, settings_of(RunConfig))


def config_from(args: argparse.Namespace) -> RunConfig:
    """The `RunConfig` the parsed `run` options describe (not yet checked)."""
    settings = given(args, RunConfig)
    if "epochs" not in settings and (args.minutes or args.max_steps):
        settings["epochs"] = EPOCHS_UNTIL_LIMIT
    architecture = settings.pop("architecture", catalog.DEFAULT_ARCHITECTURE)
    return RunConfig.for_architecture(architecture, **settings)


def command(args: argparse.Namespace) -> int:
    """Runs the `run` command once every input is checked (`trainers.cli.refusals`).

    Options that cannot work exit with status 2 via `args.refuse`, a data file that cannot be
    trained on with status 1 via `args.refuse_data`; neither leaves a run in the store.
    """
    try:
        config = config_from(args)
        config.check()
        joins = config.style == "loop_multiworker" and cluster.TF_CONFIG in os.environ
        if joins:  # one worker of a cluster: before anything runs TensorFlow (see cluster.join)
            cluster.join()
        check_out_folder(args.out)
        check_run_name(args.out)
        check_data(config)
    except ConfigError as error:
        args.refuse(str(error))
    except DatasetError as error:
        args.refuse_data(str(error))
    if joins and not cluster.is_chief():  # it trains; the chief reports
        return cluster.work(config)
    return run(config, args.out, Store())


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


def run(config: RunConfig, folder: Path | None, store: Store | None = None) -> int:
    """Trains one run on this thread, into the store and into `folder`.

    Args:
        config: a checked configuration.
        folder: where `trainers.outputs` writes the run's files, or None.
        store: where the run is kept; `Store()` (the data folder's) when None.

    Returns:
        The exit status: 0 completed, 1 failed or diverged, 130 stopped or quit.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
    store = store or Store()
    writer = StoreWriter(store)
    log = RunLog(store.new_run_id("run"), config.to_dict())
    writer.follow(log, kind="run", owner="cli", name=folder.name if folder else None)
    try:
        return _train(config, log, folder, writer)
    except KeyboardInterrupt:
        if not log.finished:
            log.emit("end", log.steps, {"status": INTERRUPTED, "error": "quit with Ctrl-C"})
        kept = f"{folder / 'metrics.csv'} and the store keep" if folder else "The store keeps"
        print(f"\nQuit. {kept} the batches trained so far ({log.run_id}).", file=sys.stderr)
        return 130
    finally:
        writer.close()


def _train(config: RunConfig, log: RunLog, folder: Path | None, writer: StoreWriter) -> int:
    from trainers import engine

    control = RunControl()
    outputs = OutputFolder(folder, log) if folder else None
    bar = ProgressBar(log, sys.stderr)
    with stop_on_interrupt(control, sys.stderr):
        trained = engine.execute(config, log, control)
    bar.clear()
    model = None if trained is None else trained.model
    if model is not None and log.status != FAILED:
        writer.save_model(log.run_id, model)
    summary = outputs.finish(model) if outputs else summarize(log.snapshot())
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


def outcome_line(snapshot: dict, summary: dict, folder: Path | None) -> str:
    """One line on how a run ended, e.g. `completed · epoch 1/1 · ... · stored as run-3 ·
    files in runs/a`."""
    _, label = progress_text(snapshot)
    metrics = dict(summary["train"])
    metrics |= {"val_" + name: value for name, value in summary["validation"].items()}
    if summary["test_split"] == "test":  # otherwise the validation metrics once more
        metrics |= {"test_" + name: value for name, value in summary["test"].items()}
    parts = [summary["status"] if label == WAITING else label]
    parts += [
        f"{name} {'nan' if value is None else f'{value:.4g}'}" for name, value in metrics.items()
    ]
    parts.append(f"stored as {snapshot['run_id']}")
    return " · ".join([*parts, f"files in {folder}"] if folder else parts)
