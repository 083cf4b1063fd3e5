"""Streamlit and Plotly building blocks the pages compose, each drawing from plain data.

- `figures` builds every Plotly figure from a run's snapshot, in the look of `figure_style`;
  `series` smooths and thins the curves, `images` enlarges, encodes and lays out pixels. None
  of them draws, so each is tested without a running app.
- `live` starts a job on the worker, redraws its view every second while it lasts, and draws
  Stop, Pause and Resume. `settings_input` builds number inputs from `RunConfig`'s one
  description of each setting.
- `controls` (the Train page's set-up and steering), `run_view`, `gan_view`, `race_view`,
  `lab_view` and `code_view` lay those pieces out for one kind of job each.
- `registry` holds the one worker of the process.
"""
