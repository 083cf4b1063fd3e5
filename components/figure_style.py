"""The one look every Looplab chart shares, and the marks a control leaves on a chart.

Every figure uses the same template, one colour per role (the batch's own value, its smoothed
curve, the epoch's running mean, validation...), one colour per contestant of a race, the
legend on top, and a `uirevision` so that a user's zoom survives the once-per-second redraw. A
chart with no data yet says why in its middle rather than showing empty axes.

Long series are thinned to `MAX_POINTS` with `series.downsample`, and the subtitle says so.
Controls that took effect (`marks`: pause, resume, a new learning rate, stop...) are drawn as
dashed vertical lines with a short label where they happened.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from components.series import downsample

TEMPLATE = "plotly_white"
COLORS = {
    "batch": "rgba(31, 119, 180, 0.3)",
    "smoothed": "#1f77b4",
    "mean": "#ff7f0e",
    "training": "#1f77b4",
    "validation": "#ff7f0e",
    "learning_rate": "#2ca02c",
    "speed": "#9467bd",
    "points": "#1f77b4",
    "mark": "#7f7f7f",
}
RIGHT_AXIS = {"overlaying": "y", "side": "right", "showgrid": False}  # a second y axis
PALETTE = qualitative.Plotly  # one colour per contestant of a race or a style lab
MAX_POINTS = 2000  # the most points of one trace sent to the browser
# The typed array that carries each kind of NumPy array, and the size it holds.
BITS_32 = {"f": ("<f4", np.finfo(np.float32).max), "i": ("<i4", 2**31), "u": ("<u4", 2**32)}
WAITING = "waiting for the first batch"
MARK_WORDS = {"pause": "paused", "resume": "resumed", "stop": "stopped", "learning_rate": "lr →"}


def mark_label(mark: dict) -> str:
    """A short label for a control that took effect, e.g. `"lr → 0.0005"` or `"paused"`."""
    kind, value = mark["kind"], mark.get("value")
    label = MARK_WORDS.get(kind, kind.replace("_", " "))
    if value is None:
        return label
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{label} {value:g}" if is_number else f"{label} {value}"


def layout(title: str, revision: str, note: str = "", **more) -> dict:
    """Looplab's layout for a figure: the template, the title and its note, the legend on top.

    Args:
        title: the figure's title.
        revision: keeps a person's zoom across redraws while it stays the same.
        note: the subtitle, e.g. that the curves are downsampled.
        **more: more layout properties, e.g. `height` or `hovermode`.
    """
    return {
        "template": _template(),
        # The title and its note at the very top, the legend just above the plot: on a narrow
        # chart, a long note ("downsampled to ...") and the legend never share a line.
        "title": {"text": title, "subtitle": {"text": note}, "yref": "container", "y": 0.98},
        "uirevision": revision,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        # Room for the axes' labels and titles: a margin Plotly must widen to fit them costs
        # the browser a second layout of the chart at every redraw.
        "margin": {"l": 70, "r": 80 if "yaxis2" in more else 20, "t": 100, "b": 60},
        **more,
    }


class PlainFigure(go.Figure):
    """A figure kept as the Plotly.js dict it was built from: nothing copied, nothing validated.

    A `go.Figure` copies its data and its template when built (a few milliseconds for a live
    chart), and `st.plotly_chart` copies it once more through `to_dict()`, for every session at
    every redraw. A `PlainFigure` hands over its dict, so a chart shared by thirty sessions
    costs each of them only its JSON. `st.plotly_chart` and `plotly.io` read a figure through
    `to_dict()` alone, and no reader changes it. Its Plotly objects (`data`, `layout`), for
    whatever inspects a figure, are built and validated on first use.

    What `to_dict()` hands over is the figure as sent to the browser (`wire_form`), made once.
    """

    def __init__(self, spec: dict) -> None:  # no super().__init__(): it would copy `spec`
        self.__dict__["spec"] = spec

    def to_dict(self) -> dict:
        return self._wire

    to_plotly_json = to_dict

    def with_layout(self, **changes) -> PlainFigure:
        """A figure with the same traces and these layout properties changed, e.g. `height`."""
        return PlainFigure({"data": self.spec["data"], "layout": self.spec["layout"] | changes})

    @functools.cached_property
    def _wire(self) -> dict:
        return wire_form(self.spec)

    @functools.cached_property
    def _validated(self) -> go.Figure:
        return go.Figure(self.spec)

    data = property(lambda self: self._validated.data)
    layout = property(lambda self: self._validated.layout)


def wire_form(spec: dict) -> dict:
    """A figure spec with its traces' NumPy arrays as Plotly.js typed arrays, floats in single
    precision: what a live chart sends the browser every second.

    As JSON text, a float takes about 19 bytes (`0.35127904531289673,`); as a base64 `float32`
    it takes 5.3, which a chart shows alike (7 significant digits). The three per-batch charts
    of a run at 60,000 batches send 176 kB a redraw instead of 323 kB, and the browser reads
    the numbers without parsing them. Lists are sent as they are.
    """
    data = [
        {
            key: _typed_array(value) if isinstance(value, np.ndarray) else value
            for key, value in trace.items()
        }
        for trace in spec["data"]
    ]
    return spec | {"data": data}


def _typed_array(values: np.ndarray) -> dict | np.ndarray:
    """`values` as a Plotly.js typed array, or as they are when 32 bits cannot hold them."""
    kind = values.dtype.kind
    if (
        not values.size
        or kind not in BITS_32
        or not np.nanmax(abs(values), initial=0) < BITS_32[kind][1]
    ):
        return values  # e.g. a diverged loss beyond single precision: sent as JSON, exactly
    dtype = BITS_32[kind][0]
    encoded = base64.b64encode(np.ascontiguousarray(values, dtype=dtype)).decode("ascii")
    return {"dtype": dtype[1:], "bdata": encoded}


def figure(data: list[dict], layout: dict) -> PlainFigure:
    """A figure from plain trace and layout dicts, as Plotly.js reads them, unvalidated.

    Plotly validates every property of a figure built through its objects; for a chart redrawn
    every second that costs 20 to 50 ms, and `st.plotly_chart` would validate once more a figure
    handed over as a dict. The live charts are built here from dicts written in Plotly.js' own
    schema (a test checks each against Plotly's validation), and cost about a millisecond.
    """
    return PlainFigure({"data": data, "layout": layout})


def style_figure(fig: go.Figure, title: str, revision: str, note: str = "", **more) -> go.Figure:
    """Gives a figure built with Plotly's objects Looplab's look (see `layout`), in place."""
    properties = layout(title, revision, note, **more)
    # Assigned, not updated: an update would merge it into the default template.
    fig.layout.template = properties.pop("template")
    return fig.update_layout(**properties)


def empty_figure(title: str, note: str, revision: str) -> PlainFigure:
    """A figure with no data yet, saying why in the middle (e.g. "waiting for the first batch")."""
    words = {"text": note, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    words |= {"showarrow": False, "font": {"size": 14, "color": COLORS["mark"]}}
    hidden = {"visible": False}
    return figure([], layout(title, revision, annotations=[words], xaxis=hidden, yaxis=hidden))


def mark_lines(marks: Sequence[dict], batches: dict, x: str) -> dict:
    """The run's marks (pause, resume, new learning rate...) as labelled vertical lines.

    Args:
        marks: the snapshot's `marks`; each carries `step` and `seconds`.
        batches: the batch columns, to place a mark on any other x axis (read off `step`).
        x: the column along the x axis, e.g. `"step"`.

    Returns:
        Layout properties: `shapes` (the lines) and `annotations` (their labels).
    """
    # Controls that took effect at the same place share one line and one label
    # ("paused · resumed"), so their words never print over each other.
    labels: dict[float, list[str]] = {}
    for mark in marks:
        position = mark[x] if x in mark else np.interp(mark["step"], batches["step"], batches[x])
        labels.setdefault(float(position), []).append(mark_label(mark))
    shapes, annotations = [], []
    for position, words in labels.items():
        line = {"color": COLORS["mark"], "width": 1, "dash": "dash"}
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": position, "x1": position}
            | {"y0": 0, "y1": 1, "line": line}
        )
        annotations.append(
            {"text": " · ".join(words), "x": position, "xref": "x", "y": 1, "yref": "paper"}
            | {"xanchor": "right", "yanchor": "top", "showarrow": False}
            | {"font": {"size": 11, "color": COLORS["mark"]}}
        )
    return {"shapes": shapes, "annotations": annotations}


def lines(x: Sequence, traces: list[dict], max_points: int = MAX_POINTS) -> tuple[list[dict], str]:
    """Line traces that share one x axis, each thinned to at most `max_points`.

    Args:
        x: the positions, e.g. the steps.
        traces: Plotly.js scatter properties, each with its `y` as long as `x`.
        max_points: the most points per trace (see `series.downsample`).

    Returns:
        The traces, and the note for the subtitle, e.g. "downsampled to 2,000 of 10,000
        points"; "" if whole.
    """
    kept, drawn, x = 0, [], np.asarray(x)
    for trace in traces:
        xs, ys, _ = downsample(x, trace["y"], max_points)
        kept = max(kept, len(xs))
        drawn.append({"type": "scatter", "mode": "lines", **trace, "x": xs, "y": ys})
    note = f"downsampled to {kept:,} of {len(x):,} points" if kept < len(x) else ""
    return drawn, note


@functools.cache
def _template() -> dict:
    return pio.templates[TEMPLATE].to_plotly_json()
