"""The GAN studio's live view: the same noise turning into digits, and the knobs of both networks.

A GAN run reports a grid of samples from one fixed batch of noise every few steps, so the
same sixteen blobs sharpen into the same sixteen digits as the generator learns. This view
shows the latest grid large, a filmstrip of the earlier ones to scrub back through, the two
networks' losses and the discriminator's verdicts, and, for digits, the Inception Score of the
samples as judged by a reference classifier (`trainers.quality`).

The controls only leave requests in the run's `RunControl`; the worker applies them between
two batches and marks each on the charts. While the run is paused, a person can train the
discriminator alone, the generator alone, or both, for one batch, and watch what each does.
"""

from __future__ import annotations

import io

import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from components import charts, controls
from components.images import to_png, upscale
from trainers.events import QUEUED
from trainers.images import image_grid
from trainers.progress import progress_text
from trainers.worker import Job

REFRESH_SECONDS = 1.0
GRID_SIDE = 448  # pixels on the short side of the large sample grid
FILMSTRIP_FRAMES = 8  # grids in the filmstrip row, evenly spread over the run
GIF_FRAME_MILLISECONDS = 250
STEP_BUTTONS = {"discriminator": "Train D one batch", "generator": "Train G one batch"}


def show_studio(job: Job) -> None:
    """Draws a GAN run, live while it is queued or training.

    Args:
        job: the run to draw, as `Worker.submit` returned it.
    """
    live = not job.log.finished
    # A finished run stops refreshing itself: the timer is chosen on each full page run.
    view = st.fragment(run_every=REFRESH_SECONDS if live else None)(_draw)
    view(job, live)


def _draw(job: Job, live: bool) -> None:
    snapshot = job.log.snapshot()
    if live and job.log.finished:
        st.rerun()  # the whole page: the controls go, the downloads come
    fraction, text = progress_text(snapshot)
    st.progress(fraction, text=f"**{snapshot['run_id']}** · {text}")
    if snapshot["error"]:
        st.error(snapshot["error"])
    if live:
        steer(job)
    if snapshot["status"] == QUEUED:
        st.info("Queued: this run starts when the runs before it have ended.", icon="⏳")
        return
    grids = [image for image in snapshot["images"] if "verdict" in image]
    samples, scores = st.columns([3, 2])
    with samples:
        _samples(grids, snapshot["run_id"])
    with scores:
        _quality(grids, snapshot["marks"])
    batches, marks = snapshot["batches"], snapshot["marks"]
    columns = st.columns(2)
    for column, metric in zip(columns * 2, ("d_loss", "g_loss", "d_real", "d_fake"), strict=True):
        column.plotly_chart(charts.batch_figure(batches, metric, smoothing=0.9, marks=marks))
    st.caption(
        "d_real and d_fake are the discriminator's mean output on real and generated images: "
        "the chance it says *generated* (as in the guides, D learns 1 = generated, 0 = real)."
    )
    if snapshot["result"]:
        _ending(snapshot["result"], grids)


def steer(job: Job) -> None:
    """Stop, pause, both learning rates, D steps per G step, and single steps while paused.

    Args:
        job: the run to steer; each request takes effect between two batches.
    """
    control, config = job.control, job.config
    controls.steer(job)
    st.caption("The learning rate above is the generator's.")
    rate, apply_rate, steps, apply_steps = st.columns([2, 1, 2, 1], vertical_alignment="bottom")
    rate_key, steps_key = f"d_lr-{job.run_id}", f"d_steps-{job.run_id}"
    rate.number_input(
        "Discriminator learning rate",
        min_value=1e-7,
        value=float(config.discriminator_learning_rate),
        step=0.0001,
        format="%g",
        key=rate_key,
    )
    apply_rate.button(
        "Apply",
        key="apply_d_lr",
        on_click=lambda: control.request(
            "discriminator_learning_rate", float(st.session_state[rate_key])
        ),
    )
    steps.number_input(
        "D steps per G step",
        min_value=1,
        max_value=10,
        value=int(config.discriminator_steps),
        key=steps_key,
    )
    apply_steps.button(
        "Apply",
        key="apply_d_steps",
        on_click=lambda: control.request("discriminator_steps", int(st.session_state[steps_key])),
    )
    if control.paused:
        buttons = st.columns(3)
        for column, network in zip(buttons, [*STEP_BUTTONS, "both"], strict=True):
            column.button(
                STEP_BUTTONS.get(network, "Train both one batch"),
                key=f"step_{network}",
                on_click=control.request,
                args=("step", network),
                width="stretch",
            )


def _samples(grids: list[dict], run_id: str) -> None:
    """The grid chosen on the filmstrip (the latest by default), large, and the filmstrip."""
    if not grids:
        st.caption("The first samples appear after `image_every` steps.")
        return
    steps = [grid["step"] for grid in grids]
    key, follow = f"filmstrip-{run_id}", f"filmstrip-{run_id}-follow"
    if st.session_state.get(follow, True) or st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]  # the newest grid, unless scrubbed back
    grid = grids[steps.index(st.session_state[key])]
    st.image(
        upscale(grid["pixels"], GRID_SIDE),
        caption=f"step {grid['step']}: samples from the same fixed noise",
        output_format="PNG",
    )
    if len(steps) > 1:
        st.select_slider(
            "Scrub back through the filmstrip",
            steps,
            key=key,
            on_change=lambda: st.session_state.update({follow: st.session_state[key] == steps[-1]}),
        )
        shown = filmstrip(grids)
        st.image(
            upscale(image_grid([g["pixels"] for g in shown], columns=len(shown)), 96),
            caption="filmstrip: " + ", ".join(f"step {g['step']}" for g in shown),
            output_format="PNG",
        )


def filmstrip(grids: list[dict], frames: int = FILMSTRIP_FRAMES) -> list[dict]:
    """At most `frames` grids, evenly spread from the first to the latest."""
    if len(grids) <= frames:
        return grids
    last = len(grids) - 1
    return [grids[round(index * last / (frames - 1))] for index in range(frames)]


def _quality(grids: list[dict], marks: list[dict]) -> None:
    """The Inception Score and confidence of the samples over steps, and the class histogram."""
    scored = [grid for grid in grids if grid.get("quality")]
    if not scored:
        verdict = grids[-1]["verdict"] if grids else None
        st.caption(
            "Quality scores are measured for digits (mnist-5k, mnist) only."
            if grids
            else "The quality score appears with the first samples."
        )
        if verdict:
            st.metric("D says the samples are generated", f"{verdict['fake']:.0%}")
        return
    latest, before = scored[-1]["quality"], scored[max(0, len(scored) - 2)]["quality"]
    score, confidence, judged = st.columns(3)
    score.metric(
        "Inception Score",
        f"{latest['inception_score']:.2f}",
        f"{latest['inception_score'] - before['inception_score']:+.2f}",
        help="exp(E[KL(p(y|x) || p(y))]) of 256 samples: 1 for noise, about 8.9 for real digits.",
    )
    confidence.metric(
        "Confidence",
        f"{latest['confidence']:.0%}",
        help="The reference classifier's mean top probability on the samples.",
    )
    judged.metric(
        "D: generated",
        f"{scored[-1]['verdict']['fake']:.0%}",
        help="The discriminator's mean output on the grid above: the chance it says generated.",
    )
    st.plotly_chart(quality_figure(scored, marks))
    st.plotly_chart(histogram_figure(latest["histogram"]))


def quality_figure(scored: list[dict], marks: list[dict] = ()) -> go.Figure:
    """The Inception Score (left axis) and the confidence (right axis) against the step.

    Args:
        scored: image events that carry `quality`.
        marks: the snapshot's `marks`, drawn as labelled vertical lines.
    """
    steps = [grid["step"] for grid in scored]
    fig = go.Figure(
        [
            go.Scatter(
                x=steps,
                y=[grid["quality"]["inception_score"] for grid in scored],
                name="Inception Score",
                mode="lines+markers",
                line={"color": charts.COLORS["training"]},
            ),
            go.Scatter(
                x=steps,
                y=[grid["quality"]["confidence"] for grid in scored],
                name="confidence",
                mode="lines",
                line={"color": charts.COLORS["validation"], "dash": "dot"},
                yaxis="y2",
            ),
        ]
    )
    charts.add_marks(fig, marks, {"step": steps}, "step")
    fig.update_layout(
        xaxis={"title": "step"},
        yaxis={"title": "Inception Score", "range": [1, 10]},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "showgrid": False},
    )
    return charts.style_figure(fig, "quality of the samples", "quality", hovermode="x unified")


def histogram_figure(histogram: list[int]) -> go.Figure:
    """How many samples the reference classifier puts in each class: mode collapse shows."""
    fig = go.Figure(go.Bar(x=list(range(len(histogram))), y=histogram))
    fig.update_traces(marker_color=charts.COLORS["training"])
    fig.update_xaxes(title="predicted digit", dtick=1)
    fig.update_yaxes(title="samples")
    return charts.style_figure(fig, "what the samples look like to a classifier", "histogram")


def _ending(result: dict, grids: list[dict]) -> None:
    """The interpolation strip and the downloads of a finished run."""
    if result.get("interpolation") is not None:
        st.image(
            upscale(result["interpolation"], 112),
            caption="walking the latent space in a straight line from one fixed sample to another",
            output_format="PNG",
        )
    if grids:
        final, whole = st.columns(2)
        final.download_button(
            "Download the final grid (PNG)",
            to_png(upscale(grids[-1]["pixels"], GRID_SIDE)),
            file_name="samples.png",
            mime="image/png",
        )
        whole.download_button(
            "Download the filmstrip (GIF)",
            filmstrip_gif(grids),
            file_name="filmstrip.gif",
            mime="image/gif",
        )


def filmstrip_gif(grids: list[dict], side: int = GRID_SIDE) -> bytes:
    """Every grid of a run as the frames of a looping GIF, enlarged to `side` pixels.

    Args:
        grids: image events with uint8 `pixels`, oldest first.
        side: the short side of each frame.
    """
    frames = [Image.fromarray(upscale(grid["pixels"], side)) for grid in grids]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=GIF_FRAME_MILLISECONDS,
        loop=0,
    )
    return buffer.getvalue()
