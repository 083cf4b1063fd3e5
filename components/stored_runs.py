"""Snapshots of stored runs for the pages: read whole once a run has ended, grown while it lasts.

A stored run reads back as its `RunLog.snapshot()` did (`Store.snapshot`), so every view draws
it as it draws a run of the worker. Reading a long run whole takes a while (about 0.6 s for
20,000 batches), too long to repeat every second for a live chart. `SnapshotReader` therefore:

- keeps the snapshot of a run that has ended, the newest few in memory, since it cannot change;
- grows the snapshot of a live run with only its new batch rows (`Store.batches_since`), and
  reads it whole again (for its epochs, images and marks) at most `WHOLE_READ_SHARE` of the
  time: a run that takes 0.1 s to read is read whole at most once a second, and at once when
  its status changes.

Snapshots handed out are never changed afterwards (a grown run is a new dict), so sessions on
other threads may draw them while the reader grows the next one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from components import registry
from components.run_facts import is_live
from trainers.store import RunNotFound

if TYPE_CHECKING:
    from trainers.store import Store

KEEP = 8  # snapshots kept in memory, the most recently read
WHOLE_READ_SHARE = 0.1  # the most time a live run spends being read whole


@dataclass(frozen=True)
class _Entry:
    snapshot: dict
    read_at: float  # `time.monotonic()` of its last whole read
    cost: float  # the seconds that read took


class SnapshotReader:
    """Reads stored runs' snapshots for views that redraw every second.

    Args:
        store: where the runs are.
        keep: how many snapshots to keep in memory, the most recently read.
        share: the most time a live run spends being read whole.
    """

    def __init__(self, store: Store, keep: int = KEEP, share: float = WHOLE_READ_SHARE) -> None:
        self.store = store
        self.keep = keep
        self.share = share
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, run_id: str) -> dict:
        """The run's snapshot now (a group's with its `contestants`).

        Raises:
            trainers.store.RunNotFound: when no run has this id (any more).
        """
        with self._lock:
            entry = self._entries.get(run_id)
            if entry is not None:
                self._entries.move_to_end(run_id)
        if entry is not None and not _live_parts(entry.snapshot):
            return entry.snapshot
        if entry is not None and time.monotonic() - entry.read_at < entry.cost / self.share:
            grown = self._grow(entry.snapshot)
            if grown is not None:
                self._keep(run_id, _Entry(grown, entry.read_at, entry.cost))
                return grown
        return self._read_whole(run_id)

    def forget(self, run_id: str) -> None:
        """Drops what is kept of a run (once it is deleted)."""
        with self._lock:
            self._entries.pop(run_id, None)

    def _read_whole(self, run_id: str) -> dict:
        start = time.monotonic()
        try:
            snapshot = self.store.snapshot(run_id)
        except RunNotFound:
            self.forget(run_id)
            raise
        self._keep(run_id, _Entry(snapshot, start, time.monotonic() - start))
        return snapshot

    def _keep(self, run_id: str, entry: _Entry) -> None:
        with self._lock:
            self._entries[run_id] = entry
            self._entries.move_to_end(run_id)
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)

    def _grow(self, snapshot: dict) -> dict | None:
        """The snapshot with the batch rows stored since, or None when it must be read whole.

        A run must be read whole when its status has changed (or it is gone), or when its new
        rows bring other columns than it had.
        """
        grown = {}
        for part in _live_parts(snapshot):
            row = self.store.run(part["run_id"])
            if row is None or row["status"] != part["status"]:
                return None
            steps = part["batches"].get("step") or [-1]
            new = self.store.batches_since(part["run_id"], steps[-1])
            if new and part["batches"] and new.keys() != part["batches"].keys():
                return None
            if new:
                old = part["batches"]
                grown[part["run_id"]] = {name: old.get(name, []) + new[name] for name in new}
        return _with_batches(snapshot, grown)


def _live_parts(snapshot: dict) -> list[dict]:
    """The live snapshots in a run's snapshot: itself, and for a group, its live runs."""
    parts = [snapshot, *snapshot.get("contestants", {}).values()]
    return [part for part in parts if is_live(part)]


def _with_batches(snapshot: dict, batches: dict[str, dict]) -> dict:
    """A copy of the snapshot whose runs in `batches` (run id -> columns) have those columns."""
    if not batches:
        return snapshot
    grown = dict(snapshot)
    if snapshot["run_id"] in batches:
        grown["batches"] = batches[snapshot["run_id"]]
    if "contestants" in snapshot:
        grown["contestants"] = {
            label: _with_batches(run, batches) for label, run in snapshot["contestants"].items()
        }
    return grown


@st.cache_resource(show_spinner=False)
def reader() -> SnapshotReader:
    """The process's one reader of the process's store (`registry.store()`)."""
    return SnapshotReader(registry.store())


def snapshot(run_id: str) -> dict:
    """A stored run's snapshot, for a view; when the run is gone (deleted meanwhile, by another
    tab or process), reruns the page, which no longer offers it."""
    try:
        return reader().read(run_id)
    except RunNotFound:
        st.rerun()
