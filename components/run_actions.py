"""Rename, tag or delete a stored run; deleting asks first, and takes the run's files too.

Each button only calls the store in its callback, before the page reruns, so the table and the
pickers already show the change. A race's or a style lab's runs belong to it: they are renamed,
tagged and deleted with it. A run that is queued or training cannot be deleted until it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from components import roles, stored_runs
from components.run_facts import is_live, title

if TYPE_CHECKING:
    from trainers.store import Store

DELETING = "runs_deleting"  # the id of the run whose deletion waits for a confirmation
REFUSED = "runs_refused"  # why the last rename or tags were refused, shown once


def show(store: Store, run: dict) -> None:
    """Draws the rename, tag and delete controls of a run (of a group, for a group's run)."""
    if run["parent"]:
        st.caption(f"A run of {run['parent']}: rename, tag or delete it with its group.")
        return
    run_id = run["run_id"]
    with st.expander("Rename, tag or delete", expanded=st.session_state.get(DELETING) == run_id):
        name, rename, tags, save = st.columns([3, 1, 3, 1], vertical_alignment="bottom")
        name_key, tags_key = f"runs_name_{run_id}", f"runs_tags_{run_id}"
        name.text_input("Name", value=run["name"], key=name_key)
        rename.button("Rename", key="runs_rename", on_click=_rename, args=(store, run_id))
        tags.text_input("Tags, separated by commas", value=", ".join(run["tags"]), key=tags_key)
        save.button("Save tags", key="runs_save_tags", on_click=_tag, args=(store, run_id))
        if st.session_state.get(REFUSED):
            st.error(st.session_state.pop(REFUSED))
        if st.session_state.get(DELETING) == run_id:
            _confirm(store, run)
        elif is_live(run):
            st.button("Delete…", key="runs_delete", disabled=True, help="It is still training.")
        else:
            st.button("Delete…", key="runs_delete", on_click=_ask, args=(run_id,))


def _confirm(store: Store, run: dict) -> None:
    """Asks whether to delete the run for good, with its files (and a group's runs)."""
    runs = " and its runs" if run["kind"] in ("race", "lab") else ""
    st.warning(
        f"Delete **{title(run)}**{runs} for good, with every point it recorded, its saved "
        "model and its TensorBoard files?"
    )
    delete, cancel, _ = st.columns([1, 1, 4])
    delete.button(
        "Delete for good",
        key="runs_delete_confirm",
        type="primary",
        on_click=_delete,
        args=(store, run["run_id"]),
    )
    cancel.button("Cancel", key="runs_delete_cancel", on_click=_ask, args=(None,))


def _ask(run_id: str | None) -> None:
    st.session_state[DELETING] = run_id


def _rename(store: Store, run_id: str) -> None:
    roles.actor().require_operator("rename a run")
    try:
        store.rename(run_id, st.session_state[f"runs_name_{run_id}"])
    except ValueError as refused:
        st.session_state[REFUSED] = str(refused)


def _tag(store: Store, run_id: str) -> None:
    roles.actor().require_operator("tag a run")
    try:
        store.set_tags(run_id, st.session_state[f"runs_tags_{run_id}"].split(","))
    except ValueError as refused:
        st.session_state[REFUSED] = str(refused)


def _delete(store: Store, run_id: str) -> None:
    roles.actor().require_operator("delete a run")
    store.delete(run_id)
    stored_runs.reader().forget(run_id)
    st.session_state[DELETING] = None
