"""Looplab's speed figures, each measured against its goal: `python -m benchmarks`.

One module per benchmark, each with `measure(quick: bool) -> list[dict]`: `instrumentation`
(what recording costs `fit()`), `peers` (Looplab's callback against other trackers on the same
`fit()`, each in a fresh process: `peers_child`), `store` (bytes on disk per batch, and
reading a million batches back), `viewers` (what watching costs a run),
`latency` (a batch's way to the browser), `redraw` (what one live redraw costs the server),
`cold_start` (from launch to Start on screen) and `gan_quality` (how soon the GAN studio draws
digits). `served` and `sessions` hold what the benchmarks of a real server and browser share,
and `report` the results' files and tables.
"""
