"""How much training a job asks for, known before any data is loaded.

The queue holds every job to a cap on the examples it trains on, epochs times examples per
epoch (`QueueLimits.examples`), so that one request cannot keep the machine busy for days.
A run trains per epoch on its dataset, or on `max_examples` of it, and stops early at
`max_steps` batches. A race or a style lab trains each of its runs. A data file's size is read
from the file, which the page has usually loaded already (the loader keeps it).
"""

from __future__ import annotations

from trainers import catalog


def planned_examples(config) -> int | None:
    """The examples a job will train on at most, counted once per epoch.

    Args:
        config: a job's configuration: a `RunConfig`, or a group's with `runs()`.

    Returns:
        The count; None when it depends on a data file that does not load (the run then fails
        saying why).
    """
    runs = config.runs().values() if hasattr(config, "runs") else [config]
    counts = [_run_examples(run) for run in runs]
    return None if None in counts else sum(counts)


def _run_examples(run) -> int | None:
    known = catalog.DATASETS.get(run.dataset)
    size = known.examples if known else _file_examples(run.dataset)
    per_epoch = min(filter(None, (run.max_examples, size)), default=0)
    if not per_epoch:
        return None
    planned = run.epochs * per_epoch
    if run.max_steps:  # the run stops after this many batches
        planned = min(planned, run.max_steps * run.batch_size)
    return planned


def _file_examples(path: str) -> int | None:
    from trainers.datasets import DatasetError, npz

    try:
        source = npz.load(path)
    except DatasetError:
        return None
    return len(source.x_train) + (0 if source.x_test is None else len(source.x_test))
