"""The GAN studio's live view: the same noise turning into digits, and the knobs of both networks.

A GAN run reports a grid of samples from one fixed batch of noise every few steps, so the
same sixteen blobs sharpen into the same sixteen digits as the generator learns. This view
shows the latest grid large, a filmstrip of the earlier ones to scrub back through, the two
networks' losses and the discriminator's verdicts, and, for digits, the Inception Score of the
samples as judged by a reference classifier (`trainers.quality`), their diversity against
real digits', and what changed between two grids (`components.grid_change`). A conditional
GAN's grid has one row per class, and a person may ask it to draw other classes.

The controls only leave requests in the run's `RunControl`; the worker applies them between
two batches and marks each on the charts. While the run is paused, a person can train the
discriminator alone, the generator alone, or both, for one batch, and watch what each does.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from components import (
    controls,
    figures,
    gan_figures,
    grid_change,
    live,
    projector,
    registry,
    roles,
    run_view,
    shared,
)
from components.images import filmstrip
from components.settings_input import apply_input
from trainers import catalog
from trainers.events import DIVERGED, QUEUED, RUNNING
from trainers.images import FILMSTRIP_SIDE, filmstrip_gif, image_grid, to_png, upscale
from trainers.progress import overhead_text, progress_text
from trainers.worker import Job

GRID_SIDE = FILMSTRIP_SIDE  # pixels on the short side of the large sample grid
FILMSTRIP_FRAMES = 8  # grids in the filmstrip row, evenly spread over the run
GAN_SMOOTHING = 0.9  # two networks that chase each other make noisy losses
STEP_BUTTONS = {"discriminator": "Train D one batch", "generator": "Train G one batch"}
# A diversity that falls below this warns of mode collapse. Not a share of the run's best:
# blobs of noise lie further apart than real digits do (diversity near 2). Nor from the start:
# an untrained generator draws one grey smudge (near 0) for its first few grids.
COLLAPSE = 0.5


def show_studio(job: Job) -> None:
    """Draws a GAN run of this process's worker, live while it is queued or training.

    Args:
        job: the run to draw, as `Worker.submit` returned it.
    """
    live.follow(job, draw)


def draw(job: Job | None, snapshot: dict, ongoing: bool) -> None:
    """Draws a GAN run from its snapshot: samples, filmstrip, quality, losses, downloads.

    Args:
        job: the run, steered here while it trains; None for a stored run, drawn read-only.
        snapshot: its snapshot.
        ongoing: whether it had not ended when the page ran.
    """
    # When the run ends, the view reruns the page: the controls go, the downloads come.
    fraction, text = progress_text(snapshot)
    st.progress(fraction, text=f"**{snapshot['run_id']}** · {text}")
    overhead = overhead_text(snapshot)
    if overhead:
        st.caption(overhead)
    if snapshot["error"]:
        st.error(snapshot["error"])
    if snapshot["status"] == DIVERGED:  # the discriminator's or the generator's loss
        st.warning(run_view.DIVERGED_HINT)
    if job is not None and ongoing:
        steer(job)
    if snapshot["status"] == QUEUED:
        st.info(
            "Queued: this run starts when the runs before it have ended.",
            icon=":material/hourglass_top:",
        )
        return
    grids = [image for image in snapshot["images"] if "verdict" in image]
    # On a projector the samples take the whole width, the scores come below them.
    samples, scores = (st.container(), st.container()) if projector.is_on() else st.columns([3, 2])
    with samples:
        _samples(grids, snapshot["run_id"], scrubbing=not _drawing_now(snapshot))
    with scores:
        _quality(grids, snapshot)
    batches, marks = snapshot["batches"], snapshot["marks"]
    columns = st.columns(2)
    for column, metric in zip(columns * 2, ("d_loss", "g_loss", "d_real", "d_fake"), strict=True):
        build = partial(figures.batch_figure, batches, metric, GAN_SMOOTHING, marks=marks)
        shared.chart(snapshot, f"batch/{metric}", GAN_SMOOTHING, build, where=column)
    st.caption(
        "d_real and d_fake are the discriminator's mean output on real and generated images: "
        "the chance it says *generated* (as in the guides, D learns 1 = generated, 0 = real)."
    )
    if not ongoing:
        _ending(snapshot["result"], grids)


def steer(job: Job) -> None:
    """Stop, pause, both learning rates, D steps per G step, and single steps while paused.

    Args:
        job: the run to steer; each request takes effect between two batches.
    """
    control, config = roles.control_of(registry.worker(), job), job.config
    controls.steer(job)
    st.caption("The learning rate above is the generator's.")
    rate, apply_rate, steps, apply_steps = st.columns([2, 1, 2, 1], vertical_alignment="bottom")
    apply_input(
        (rate, apply_rate),
        "discriminator_learning_rate",
        (f"d_lr-{job.run_id}", "apply_d_lr"),
        partial(control.request, "discriminator_learning_rate"),
        label="Discriminator learning rate",
        value=float(config.discriminator_learning_rate),
        **controls.LIVE_RATE,
    )
    apply_input(
        (steps, apply_steps),
        "discriminator_steps",
        (f"d_steps-{job.run_id}", "apply_d_steps"),
        partial(control.request, "discriminator_steps"),
        value=int(config.discriminator_steps),
        help=None,
    )
    if catalog.ARCHITECTURES[config.architecture].conditional:
        _draw(control, job.run_id)
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


def _draw(control, run_id: str) -> None:
    """The Draw control of a conditional GAN: the next grid draws the classes picked."""
    pick, draw = st.columns([4, 1], vertical_alignment="bottom")
    key, every_digit = f"draw-{run_id}", list(range(10))
    pick.multiselect(
        "Draw these digits",
        every_digit,
        key=key,
        placeholder="every digit, one row each",
        help="The next grid draws the digits picked, from the same noise, while the run goes "
        "on training. Pick none to draw every digit again.",
    )
    draw.button(
        "Draw",
        key=f"draw-button-{run_id}",
        # The digits as picked when Draw is pressed, not as this page run saw them.
        on_click=lambda: control.request("draw", st.session_state[key] or every_digit),
        width="stretch",
    )


def _drawing_now(snapshot: dict) -> bool:
    """Whether new grids keep coming: the run trains, and is not paused."""
    kinds = [mark["kind"] for mark in snapshot["marks"] if mark["kind"] in ("pause", "resume")]
    return snapshot["status"] == RUNNING and kinds[-1:] != ["pause"]


def _samples(grids: list[dict], run_id: str, scrubbing: bool) -> None:
    """The grid chosen on the filmstrip (the latest by default), large, and the filmstrip,
    scrubbed back only while no grid comes: a scrubber moved to each newest grid races the
    browser, which may send back the one it showed a moment ago as if a person picked it."""
    if not grids:
        st.caption("The first samples appear after `image_every` steps.")
        return
    steps = [grid["step"] for grid in grids]
    key = f"filmstrip-{run_id}"
    if not scrubbing or st.session_state.get(key) not in steps:
        st.session_state[key] = steps[-1]  # the newest grid, until someone scrubs back
    grid = grids[steps.index(st.session_state[key])]
    side = GRID_SIDE * 2 if projector.is_on() else GRID_SIDE  # the grid large on a projector
    caption = f"step {grid['step']}: samples from the same fixed noise"
    if grid.get("classes"):
        caption += ", one row each of " + ", ".join(map(str, grid["classes"]))
    shared.image(run_id, grid, side, caption=caption)
    if len(steps) > 1:
        if scrubbing:
            st.select_slider("Scrub back through the filmstrip", steps, key=key)
        shown = filmstrip(grids, FILMSTRIP_FRAMES)
        frames = {"step": tuple(g["step"] for g in shown), "title": "filmstrip"}
        frames["pixels"] = image_grid([g["pixels"] for g in shown], columns=len(shown))
        caption = "filmstrip: " + ", ".join(f"step {g['step']}" for g in shown)
        shared.image(run_id, frames, 96, caption=caption)
    grid_change.show(grids[: steps.index(grid["step"]) + 1], run_id, scrubbing)


def _quality(grids: list[dict], snapshot: dict) -> None:
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
        help=f"exp(E[KL(p(y|x) || p(y))]) of {sum(latest['histogram'])} samples: 1 for noise, "
        "about 8.9 for real digits.",
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
    _diversity(scored)
    build = partial(gan_figures.quality_figure, scored, snapshot["marks"])
    shared.chart(snapshot, "quality", (), build)
    # Runs stored by an older Looplab have no real digits' shares, nor a diversity.
    real_share = latest.get("real_histogram", ())
    build = partial(gan_figures.histogram_figure, latest["histogram"], real_share)
    shared.chart(snapshot, "histogram", (), build)


def _diversity(scored: list[dict]) -> None:
    """The samples' diversity against real digits', with a warning when it collapses, and
    for a conditional GAN how often it draws the digit asked for."""
    latest = scored[-1]["quality"]
    if "diversity" not in latest:
        return
    diversity, accuracy = st.columns(2)
    diversity.metric(
        "Diversity",
        f"{latest['diversity']:.2f}",
        help="How far each sample lies from its nearest neighbour among the samples, in the "
        "reference classifier's features, over the same for real digits: 1 for samples as "
        "varied as real digits, near 0 when the generator draws the same few images again.",
    )
    if "accuracy" in latest:
        asked = {d: share for d, share in enumerate(latest["class_accuracy"]) if share is not None}
        worst = min(asked, key=asked.get)
        accuracy.metric(
            "Drawn as asked",
            f"{latest['accuracy']:.0%}",
            help="The share of samples the reference classifier recognises as the digit they "
            f"were drawn for. Hardest now: {worst}, at {asked[worst]:.0%}.",
        )
    best = max(grid["quality"]["diversity"] for grid in scored)
    if latest["diversity"] < COLLAPSE <= best:
        st.warning(
            f"Mode collapse? The samples' diversity fell from {best:.2f} to "
            f"{latest['diversity']:.2f} (real digits: 1): the generator draws the same few "
            "images again and again. Lower its learning rate, or give the discriminator more "
            "steps.",
            icon=":material/warning:",
        )


def _ending(result: dict, grids: list[dict]) -> None:
    """The interpolation strip (of a run that completed) and the downloads of an ended run."""
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
            filmstrip_gif(grids, GRID_SIDE),
            file_name="filmstrip.gif",
            mime="image/gif",
        )
