"""The GAN studio: start a GAN and watch blobs of noise turn into digits, one row per digit.

The sidebar sets up the run. The defaults (`gan-conditional` trained by `gan_fit` on
mnist-5k) draw every digit, recognisably, within a minute on a laptop's CPU, and draw the
digits a person asks for while they train; `gan-classroom` is the same GAN without classes,
and `dcgan` is the guides' own, larger network. Every number starts from a GAN's default in
`RunConfig`. Start hands the run to the worker thread like the Train page does, so a GAN
queues behind the runs before it; the page only reads the run's snapshot once a second.
"""

import streamlit as st

from components import following, gan_view, live, registry, roles
from components.settings_input import number_input, select, style_select
from trainers import catalog
from trainers.config import RunConfig

ALL_CLASSES = "all"
STUDIO_DEFAULTS = RunConfig.for_architecture("gan-conditional", style="gan_fit", epochs=30)
# Where the studio's widgets differ from the GAN settings' own labels and defaults.
OVERRIDES = {
    "learning_rate": {"label": "Generator LR"},
    "epochs": {"value": STUDIO_DEFAULTS.epochs},
}

st.title("GAN studio")
worker = registry.worker()


def choose_config() -> RunConfig:
    """Draws the widgets of a GAN run; returns the run they describe."""
    dataset = st.selectbox("Dataset", catalog.image_datasets(), key="gan_dataset")
    digit = st.selectbox(
        "Train on one class only",
        [ALL_CLASSES, *range(10)],
        key="gan_class",
        help="Train on the images of one class only, e.g. only the digit 3. A conditional "
        "GAN then learns that class alone; to see one digit, Draw it while the GAN trains.",
    )
    architecture = select(
        "Networks",
        catalog.gan_architectures(),
        STUDIO_DEFAULTS.architecture,
        key="gan_architecture",
        described_in=catalog.ARCHITECTURES,
    )
    style = style_select(architecture, STUDIO_DEFAULTS.style, key="gan_style")
    left, right = st.columns(2)
    numbers = {
        name: number_input(name, column, key=f"gan_{name}", gan=True, **OVERRIDES.get(name, {}))
        for name, column in (
            ("learning_rate", left),
            ("discriminator_learning_rate", right),
            ("batch_size", left),
            ("discriminator_steps", right),
            ("image_every", left),
            ("epochs", right),
        )
    }
    return RunConfig.for_architecture(
        architecture,
        dataset=dataset,
        style=style,
        classes=[] if digit == ALL_CLASSES else [digit],
        **numbers,
    )


if not roles.may_operate():
    following.watch_only(worker)
    st.stop()
with st.sidebar:
    start_here = st.container()  # Start on top, where the first paint has it
    st.header("Set up a GAN")
    config = choose_config()

job = live.start(worker, config, "gan_job", sidebar=start_here)
if job is None:
    st.markdown(
        "A generator turns random noise into images; a discriminator tells them from real ones, "
        "and each learns from the other. Press **Start** and watch the same points of noise "
        "turn into digits. The default networks are told which digit to draw: their grid has "
        "a row per digit, and **Draw** asks them for the digits you pick while they train. "
        "Pause to train one network alone for a single batch, or change either network's "
        "learning rate while they train."
    )
else:
    gan_view.show_studio(job)
