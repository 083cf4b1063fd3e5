"""What a run's name and tags may hold: words a person reads, and nothing else.

Names and tags show in tables, titles and Markdown on every viewer's screen, and exports name
folders after them. So they hold letters, digits, spaces and the punctuation of ordinary
titles; never a path separator, Markdown or HTML markup (`<`, `[`, `*`, `` ` ``, `$`...) or a
control character, and they stay short.
"""

from __future__ import annotations

import re

LONGEST_NAME, LONGEST_TAG, MOST_TAGS = 80, 30, 20
ALLOWED = "letters, digits, spaces and . , : ; ( ) + = @ # ! ? ' - _"
_WORDS = re.compile(r"[\w .,:;()+=@#!?'-]+")


def checked_name(name: str) -> str:
    """A run's new name, without surrounding spaces.

    Raises:
        ValueError: for an empty or long name, or one with other characters than `ALLOWED`.
    """
    return _checked(name, "A run's name", LONGEST_NAME)


def checked_tags(tags: list[str]) -> list[str]:
    """A run's tags: each without surrounding spaces, empty ones dropped, once each, in order.

    Raises:
        ValueError: for tags that are not a list of words, too many, or a tag that is long or
            has other characters than `ALLOWED`.
    """
    if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
        raise ValueError(f"Tags are a list of words. Received: tags={tags!r}")
    kept = list(dict.fromkeys(_checked(tag, "A tag", LONGEST_TAG) for tag in tags if tag.strip()))
    if len(kept) > MOST_TAGS:
        raise ValueError(f"A run has at most {MOST_TAGS} tags. Received: {len(kept)} tags")
    return kept


def _checked(text: str, what: str, longest: int) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what} is some text. Received: {text!r}")
    text = text.strip()
    if len(text) > longest:
        raise ValueError(f"{what} has at most {longest} characters. Received: {len(text)}")
    if not _WORDS.fullmatch(text):
        others = sorted({char for char in text if not _WORDS.fullmatch(char)})
        raise ValueError(f"{what} holds only {ALLOWED}. Received: {text!r}, with {others}")
    return text
