"""The table of stored runs: every run of every process, filtered by text and status, kept live.

The store holds the runs of this server, of servers before a restart, of the command line and
of scripts (`trainers.DashboardCallback`). The table lists them newest first, each race or style
lab followed by its runs, one row each: what it trained, how it ended, its best value, how long
it took. Clicking a column header sorts by it.

The table redraws itself every second from `Store.runs()`. Runs that came, went, ended or were
renamed meanwhile rerun the whole page, so that the pickers below it offer them too; a script
started a moment ago is listed within a second of its first event.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import streamlit as st

from components.run_facts import (
    best_text,
    describe,
    in_groups,
    optimizer_of,
    seconds_taken,
    style_of,
)
from trainers.events import COMPLETED, DIVERGED, FAILED, INTERRUPTED, QUEUED, RUNNING, STOPPED

if TYPE_CHECKING:
    from trainers.store import Store

TABLE_SECONDS = 1.0
GROUPS = ("race", "lab")
STATUSES = (QUEUED, RUNNING, COMPLETED, STOPPED, DIVERGED, FAILED, INTERRUPTED)
COLUMNS = {
    "name": st.column_config.TextColumn("name", pinned=True),
    "best": st.column_config.NumberColumn(
        "best", format="%.4g", help="The best value of the metric in 'best of', at an epoch's end."
    ),
    "duration": st.column_config.NumberColumn("duration", format="%.0f s"),
    "date": st.column_config.DatetimeColumn("date", format="YYYY-MM-DD HH:mm"),
    "tags": st.column_config.ListColumn("tags"),
}


def row(run: dict, now: float | None = None) -> dict:
    """One row of the table for a run of `Store.runs()`; a group's run is named by its label."""
    config, best = run["config"], run["best"]
    name = f"↳ {run['label'] or run['name']}" if run["parent"] else run["name"]
    return {
        "name": name,
        "status": run["status"],
        "run": run["run_id"],
        "dataset": config.get("dataset", ""),
        "architecture": config.get("architecture", ""),
        "style": style_of(config),
        "optimizer": optimizer_of(config),
        "best": next(iter(best.values()), None),
        "best of": next(iter(best), ""),
        "steps": None if run["kind"] in GROUPS else run["steps"],  # a group's are its runs'
        "duration": seconds_taken(run, now),
        "date": datetime.fromtimestamp(run["started"] or run["created"]),
        "tags": run["tags"],
        "by": run["owner"],
    }


def matches(run: dict, text: str = "", statuses: tuple[str, ...] = ()) -> bool:
    """Whether a run has one of `statuses` (any when empty) and every word of `text`.

    The words are looked for, ignoring case, in its name, id, owner, tags, status, what it
    trained (`run_facts.describe`) and its best value.
    """
    if statuses and run["status"] not in statuses:
        return False
    words = (run["name"], run["run_id"], run["owner"], run["status"], *run["tags"])
    found = " ".join((*words, describe(run["config"]), best_text(run["best"]))).lower()
    return all(word in found for word in text.lower().split())


def listed(runs: list[dict], text: str = "", statuses: tuple[str, ...] = ()) -> list[dict]:
    """The runs the table lists, in its order: a group with all its runs when any of them match.

    Args:
        runs: `Store.runs()`.
        text, statuses: the filters (see `matches`).
    """
    matching = {run["run_id"] for run in runs if matches(run, text, statuses)}
    groups = {run["parent"] for run in runs if run["run_id"] in matching and run["parent"]}
    shown = matching | groups
    return [run for run in in_groups(runs) if run["run_id"] in shown or run["parent"] in shown]


def show(store: Store) -> list[dict]:
    """Draws the filters and the live table of runs.

    Returns:
        The runs the table lists, in its order (a group's runs after it).
    """
    text_column, status_column = st.columns([3, 2])
    text = text_column.text_input(
        "Filter", key="runs_filter", placeholder="words of a name, id, dataset, style, tag…"
    )
    statuses = tuple(
        status_column.multiselect("Status", STATUSES, key="runs_status", placeholder="any")
    )
    shown = listed(store.runs(), text, statuses)
    _table(store, text, statuses, _signature(shown))
    return shown


@st.fragment(run_every=TABLE_SECONDS)
def _table(store: Store, text: str, statuses: tuple[str, ...], drawn: tuple) -> None:
    """The table, redrawn every second; reruns the page when the runs it lists change."""
    store.mark_interrupted()  # a script killed mid-run shows as interrupted, not running
    shown = listed(store.runs(), text, statuses)
    if _signature(shown) != drawn:
        st.rerun()
    if not shown:
        st.info(
            "No run here yet. Start one on the Train page, or record your own script with "
            "`trainers.DashboardCallback`."
            if not (text or statuses)
            else "No run matches the filters."
        )
        return
    rows = [row(run) for run in shown]
    st.dataframe(rows, hide_index=True, column_config=COLUMNS, key="runs_table")


def _signature(runs: list[dict]) -> tuple:
    """What the pickers below the table show of the runs: ids, names, statuses, tags."""
    return tuple((run["run_id"], run["name"], run["status"], tuple(run["tags"])) for run in runs)
