"""`python -m trainers tensorboard`: every stored run as TensorBoard event files, then TensorBoard.

The store keeps every batch; TensorBoard reads event files. This command writes the files of
each run that has none, or whose files are older than its rows, into the data folder's
`tensorboard/`, then starts TensorBoard on that folder (`--no-serve`: only write, and print the
`tensorboard --logdir` command to run later). TensorFlow loads to write the files.
"""

from __future__ import annotations

import argparse
import os
import sys

from trainers.store import Store
from trainers.store.paths import TENSORBOARD


def add_command(subparsers) -> None:
    """Adds the `tensorboard` command to the command line's subparsers."""
    parser = subparsers.add_parser(
        "tensorboard",
        help="write every stored run's TensorBoard event files, then start TensorBoard",
        description="Write the TensorBoard event files of every stored run that has none or "
        "has trained since (per batch, per epoch, images) into the data folder's tensorboard/, "
        "then start TensorBoard on it.",
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="write the files only, do not start TensorBoard"
    )
    parser.add_argument(
        "--port", type=int, default=6006, metavar="PORT", help="TensorBoard's port (default 6006)"
    )


def command(args: argparse.Namespace) -> int:
    """Writes the files, then becomes TensorBoard unless `--no-serve`; returns 0."""
    from trainers.store.tensorboard import write_all  # loads TensorFlow

    store = Store()
    written = write_all(store)
    folder = store.home / TENSORBOARD
    print(f"Wrote the event files of {len(written)} runs: {', '.join(written) or 'none new'}.")
    logdir = ["--logdir", str(folder)]
    if args.no_serve:
        print(f"tensorboard {' '.join(logdir)}")
        return 0
    sys.stdout.flush()
    command = [sys.executable, "-m", "tensorboard.main", *logdir, "--port", str(args.port)]
    os.execv(sys.executable, command)
