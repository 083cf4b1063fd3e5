"""One run's data: a source chosen by name, then the seeded work that makes it that run's.

Loading happens in two steps. Reading a source from disk is cached per process by the loader
that reads it; the seeded work of one run (keeping some classes, shuffling, the stratified
split, the size limit) is then done here, on copies, so two runs never share or disturb each
other's arrays. This module is the only place that policy lives.

A named dataset is found through the one registry, `catalog.DATASETS`: each entry's `source`
names the function under `trainers.datasets` that reads it, as `"module:function"`, and every
such function takes the run's seed. A `.npz` path goes to `trainers.datasets.npz.load`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence

import numpy as np

from trainers import catalog
from trainers.datasets.npz import load as load_npz
from trainers.datasets.source import Dataset, DatasetError, Source


def load_dataset(
    name: str,
    seed: int = 0,
    validation_split: float = 0.1,
    max_examples: int = 0,
    classes: Sequence[int] = (),
) -> Dataset:
    """Loads a dataset by registry name or `.npz` path, shuffled and split for one run.

    Args:
        name: a name from `catalog.DATASETS`, or the path of a `.npz` file.
        seed: seeds the shuffle and the split (and the data itself for `"regression"`).
        validation_split: the share of each class held out for validation; 0 holds out none.
        max_examples: keep only this many training examples (validation and test are cut in
            proportion); 0 keeps all.
        classes: keep only examples with these labels; labels keep their values.

    Returns:
        The `Dataset`, in the array conventions described in `trainers.datasets`.

    Raises:
        DatasetError: the name is unknown, a file is missing, corrupt or malformed, or the
            arguments do not fit the data. The message says what would work.
    """
    if not 0 <= validation_split < 1:
        raise DatasetError(
            f"validation_split must be at least 0 and below 1. "
            f"Received: validation_split={validation_split!r}"
        )
    if max_examples < 0:
        raise DatasetError(f"max_examples must be 0 or more. Received: max_examples={max_examples}")
    source = _find_source(name, seed)
    rng = np.random.default_rng(seed)

    train = np.arange(len(source.y_train))
    test = None if source.y_test is None else np.arange(len(source.y_test))
    if classes:
        train, test = _keep_classes(source, train, test, classes, name)
    train, val = _split(source.y_train[train], source.task, rng, validation_split, train)
    if 0 < max_examples < len(train):
        train, val, test = _limit(train, val, test, max_examples, rng)

    weight = source.sample_weight
    return Dataset(
        name=os.path.basename(name) if _is_path(name) else name,
        kind=source.kind,
        task=source.task,
        x_train=_inputs(source, source.x_train, train),
        y_train=source.y_train[train],
        x_val=_inputs(source, source.x_train, val),
        y_val=source.y_train[val],
        x_test=None if test is None else _inputs(source, source.x_test, test),
        y_test=None if test is None else source.y_test[test],
        sample_weight=None if weight is None else weight[train],
        num_classes=len(source.class_names),
        class_names=list(source.class_names),
        vocabulary_size=source.vocabulary_size,
    )


def _is_path(name: str) -> bool:
    return name.endswith(".npz") or os.sep in name


def _find_source(name: str, seed: int) -> Source:
    """Reads the source a name or path stands for, through its loader's cache."""
    if _is_path(name):
        return load_npz(name)
    info = catalog.DATASETS.get(name)
    if info is None:
        raise DatasetError(
            f"Unknown dataset. Choose {catalog.choices(catalog.DATASETS)}, "
            f"or the path of a .npz file. Received: dataset={name!r}"
        )
    return source_reader(name)(seed)


def source_reader(name: str) -> Callable[[int], Source]:
    """The function that reads a named dataset: the catalog's `"module:function"` for it."""
    module, _, function = catalog.DATASETS[name].source.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


# --- Choosing and preparing the examples of one run ---------------------------------------------


def _keep_classes(source, train, test, classes, name):
    if source.task != "classification":
        raise DatasetError(
            f"Keeping only some classes needs a classification dataset; '{name}' is a "
            f"regression dataset. Leave classes empty. Received: classes={list(classes)}"
        )
    wanted = [int(label) for label in classes]
    present = set(np.unique(source.y_train).tolist())
    absent = [label for label in wanted if label not in present]
    if absent:
        raise DatasetError(
            f"Class(es) {absent} have no training examples in '{name}'. Its classes are "
            f"{sorted(present)}. Received: classes={list(classes)}"
        )
    train = train[np.isin(source.y_train, wanted)]
    if test is not None:
        test = test[np.isin(source.y_test, wanted)]
    return train, test


def _split(labels, task, rng, share, index):
    """Shuffles `index` and splits it into train and validation, stratified by class.

    Each class gives `share` of its examples (at least one, but never its only one) to
    validation; regression takes a plain random share.
    """
    order = rng.permutation(len(index))
    if share == 0 or len(order) < 2:
        return index[order], index[order[:0]]
    held_out = np.zeros(len(order), dtype=bool)
    if task == "classification":
        shuffled = labels[order]
        for label in np.unique(shuffled):
            where = np.flatnonzero(shuffled == label)
            held_out[where[: _validation_count(len(where), share)]] = True
    else:
        held_out[: _validation_count(len(order), share)] = True
    return index[order[~held_out]], index[order[held_out]]


def _validation_count(count: int, share: float) -> int:
    return min(max(1, round(count * share)), count - 1)


def _limit(train, val, test, max_examples, rng):
    """Keeps `max_examples` training examples, and validation and test in proportion.

    Validation is already shuffled, so its head is kept; the test set keeps a random share in
    its own order.
    """
    fraction = max_examples / len(train)
    train = train[:max_examples]
    val = val[: _in_proportion(len(val), fraction)]
    if test is not None:
        kept = rng.permutation(len(test))[: _in_proportion(len(test), fraction)]
        test = test[np.sort(kept)]
    return train, val, test


def _in_proportion(count: int, fraction: float) -> int:
    return 0 if count == 0 else max(1, round(count * fraction))


def _inputs(source: Source, x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Copies the chosen examples out of the cache, in Looplab's dtype and range."""
    chosen = x[index]  # fancy indexing copies, so the cached array is never shared
    if source.kind == "sequence":
        return chosen.astype(np.int32, copy=False)
    chosen = chosen.astype(np.float32, copy=False)
    if source.scale != 1:
        chosen /= np.float32(source.scale)
    return chosen
