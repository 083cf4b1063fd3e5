"""What the store raises, importable without loading the database layer."""


class RunNotFound(LookupError):
    """No run has this id in the store."""
