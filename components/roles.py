"""This browser session's role, and the sidebar box to sign in as operator and out again.

Without an operator password every session operates. With one (`LOOPLAB_PASSWORD`, or
`password` under `[looplab]` in `.streamlit/secrets.toml`), a session watches until it signs
in. Failed attempts are logged (never the attempt itself) and each failure in a row doubles the
wait before the next attempt counts, up to `LONGEST_WAIT` seconds.
"""

from __future__ import annotations

import logging
import time
import uuid

import streamlit as st

from trainers.access import OPEN, OPERATOR, VIEWER, WATCHING, Actor, password_from_environment
from trainers.access import password_matches as matches
from trainers.control import RunControl
from trainers.worker import Job, Worker

logger = logging.getLogger(__name__)

ROLE, FAILURES, NEXT_TRY = "looplab_role", "looplab_sign_in_failures", "looplab_next_try"
SESSION = "looplab_session"
LONGEST_WAIT = 60.0  # seconds before an attempt counts, after many failures in a row


def password() -> str | None:
    """The operator password: `LOOPLAB_PASSWORD`, else the secrets file's, else None."""
    given = password_from_environment()
    if given:
        return given
    try:
        return st.secrets.get("looplab", {}).get("password") or None
    except FileNotFoundError:  # no secrets file at all
        return None


def actor() -> Actor:
    """Who this session is: an operator when no password is set or it has signed in."""
    if password() is None:
        return OPEN
    return Actor(OPERATOR) if st.session_state.get(ROLE) == OPERATOR else WATCHING


def may_operate() -> bool:
    """Whether this session may start, steer and change runs."""
    return actor().is_operator


def session_id() -> str:
    """An id of this browser session, for the queue's share per session."""
    return st.session_state.setdefault(SESSION, uuid.uuid4().hex)


def control_of(worker: Worker, job: Job) -> RunControl:
    """The job's controls, through the worker's check of this session's role."""
    return worker.steer(job, actor())


def sign_in_box() -> None:
    """In the sidebar: sign in as operator, or out; nothing when no password is set."""
    expected = password()
    if expected is None:
        return
    if st.session_state.get(ROLE) == OPERATOR:
        st.caption("Signed in as **operator**.")
        if st.button("Sign out", key="sign_out"):
            st.session_state[ROLE] = VIEWER
            st.rerun()
        return
    st.caption("Watching as a **viewer**: sign in to start and steer runs.")
    with st.form("sign_in", border=False, clear_on_submit=True):
        given = st.text_input("Operator password", type="password", key="operator_password")
        if st.form_submit_button("Sign in"):
            _try(given, expected)


def _try(given: str, expected: str) -> None:
    wait = st.session_state.get(NEXT_TRY, 0.0) - time.monotonic()
    if wait > 0:
        st.error(f"Too many wrong passwords: try again in {wait:.0f} s.")
        return
    if matches(given, expected):
        st.session_state.update({ROLE: OPERATOR, FAILURES: 0, NEXT_TRY: 0.0})
        st.rerun()
    failures = st.session_state.get(FAILURES, 0) + 1
    delay = min(LONGEST_WAIT, 2.0 ** (failures - 1))
    st.session_state.update({FAILURES: failures, NEXT_TRY: time.monotonic() + delay})
    logger.warning("A wrong operator password was given (%d in a row in one session).", failures)
    st.error(f"That is not the operator password. The next try counts in {delay:.0f} s.")
