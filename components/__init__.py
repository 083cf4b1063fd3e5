"""Streamlit and Plotly building blocks the pages compose, each drawing from plain data.

- `figures` builds every Plotly figure from a run's snapshot, in the look of `figure_style`;
  `series` smooths and thins the curves, `images` enlarges, encodes and lays out pixels. None
  of them draws, so each is tested without a running app.
- `live` starts a job on the worker, redraws its view every second while it lasts, and draws
  Stop, Pause and Resume. `settings_input` builds number inputs from `RunConfig`'s one
  description of each setting.
- `controls` (the Train page's set-up and steering), `run_view`, `gan_view`, `race_view`,
  `lab_view` and `code_view` lay those pieces out for one kind of job each; each view's `draw`
  takes a job of the worker, or None for a stored run, drawn read-only.
- The Runs page's pieces read the store: `runs_table` (the live table and its filters),
  `overlay_view` (several runs in one chart), `stored_view` (any run in its own view),
  `run_actions` (rename, tag, delete), `stored_runs` (snapshots, kept or grown) and
  `run_facts` (what a run is, in a few words).
- `registry` holds the one worker of the process.
"""
