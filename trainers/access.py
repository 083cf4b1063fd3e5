"""Operators and viewers: who may start, steer and change runs.

Alone on a laptop, Looplab is open: every session is an operator. Once an operator password is
set (`LOOPLAB_PASSWORD`, or `password` under `[looplab]` in `.streamlit/secrets.toml`), every
session starts as a viewer, who watches every run and browses stored ones, and nothing else;
a session that gives the password becomes an operator. The engine checks the role where each
action is carried out (`Worker.submit`, `Worker.steer`, `Worker.cancel`), not only where a page
draws its buttons.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

OPERATOR, VIEWER = "operator", "viewer"
PASSWORD_VARIABLE = "LOOPLAB_PASSWORD"


class Refused(PermissionError):
    """An action this session's role does not allow, or a server path outside the data folder."""


@dataclass(frozen=True)
class Actor:
    """Who asks for an action: a browser session, the command line, a test.

    Attributes:
        role: `"operator"` or `"viewer"`.
    """

    role: str

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR

    def require_operator(self, action: str) -> None:
        """Raises `Refused` unless this actor is an operator.

        Args:
            action: what was asked, e.g. `"start a run"`.
        """
        if not self.is_operator:
            raise Refused(
                f"Only an operator may {action}: sign in with the operator password in the "
                f"sidebar. Received: a {self.role} session."
            )


OPEN = Actor(OPERATOR)  # a laptop with no password, the command line, a script
WATCHING = Actor(VIEWER)


def password_from_environment() -> str | None:
    """The operator password set in `LOOPLAB_PASSWORD`, or None."""
    return os.environ.get(PASSWORD_VARIABLE) or None


def password_matches(given: str, password: str) -> bool:
    """Whether `given` is the password, compared in constant time."""
    return hmac.compare_digest(given.encode(), password.encode())


def inside(folder: Path, given: str) -> Path:
    """The path `given` names, when it lies inside `folder` (links resolved).

    Raises:
        Refused: for a path outside `folder`, without saying whether it exists.
    """
    path = (folder / Path(given).expanduser()).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise Refused(
            f"Server paths must lie inside the data folder {folder}: put the file there, or "
            f"upload it. Received: {given!r}"
        )
    return path
