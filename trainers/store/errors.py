"""What the store raises, importable without loading the database layer."""


class RunNotFound(LookupError):
    """No run has this id in the store."""


class StoreUnavailable(RuntimeError):
    """The database cannot be opened: a bad URL, a server that does not answer or refuses,
    a missing driver, or a schema written by a newer Looplab. The message is one line that
    names the database (its password hidden) and what would be right."""
