"""Looplab's engine: datasets, architectures, training styles, runs and the store.

`from trainers import DashboardCallback` records your own Keras training in the store (see
`trainers.dashboard_callback`). It is loaded on first use, so that importing the engine's
light modules (`trainers.catalog`, the command line's `list`) never loads TensorFlow.
"""

__all__ = ["DashboardCallback"]


def __getattr__(name: str):
    if name == "DashboardCallback":
        from trainers.dashboard_callback import DashboardCallback

        return DashboardCallback
    raise AttributeError(f"module 'trainers' has no attribute {name!r}")
