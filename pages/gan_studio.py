"""The GAN studio: start a GAN and watch sixteen blobs of noise turn into digits.

The sidebar sets up the run. The defaults (`gan-classroom` trained by `gan_fit` on mnist-5k)
draw recognisable digits within a few minutes on a laptop's CPU; `dcgan` is the guides' own,
larger network. Start hands the run to the worker thread like the Train page does, so a GAN
queues behind the runs before it; the page only reads the run's snapshot once a second.
"""

import streamlit as st

from components import gan_view, launcher
from components.controls import explain
from components.registry import worker
from trainers import catalog, config
from trainers.config import RunConfig

ALL_CLASSES = "all"
STUDIO_DEFAULTS = RunConfig(
    **config.GAN_DEFAULTS, architecture="gan-classroom", style="gan_fit", epochs=30
)

st.title("GAN studio")
engine = worker()


def choose_config() -> tuple[RunConfig, str | None]:
    """Draws the widgets of a GAN run; returns its configuration and why it cannot run, if so."""
    datasets = [name for name, info in catalog.DATASETS.items() if info.kind == "image"]
    dataset = st.selectbox("Dataset", datasets, key="gan_dataset")
    digit = st.selectbox(
        "Draw only one class",
        [ALL_CLASSES, *range(10)],
        key="gan_class",
        help="Train on the images of one class only, e.g. only the digit 3.",
    )
    gans = [name for name, info in catalog.ARCHITECTURES.items() if info.is_gan]
    architecture = st.selectbox(
        "Networks",
        gans,
        index=gans.index(STUDIO_DEFAULTS.architecture),
        key="gan_architecture",
        format_func=lambda name: f"{name}: {catalog.ARCHITECTURES[name].description}",
    )
    styles = catalog.styles_for(architecture)
    style = st.selectbox(
        "Training style",
        styles,
        index=styles.index(STUDIO_DEFAULTS.style),
        key="gan_style",
        format_func=lambda name: f"{name}: {catalog.STYLES[name].description}",
    )
    left, right = st.columns(2)
    learning_rate = left.number_input(
        "Generator LR", min_value=1e-7, value=STUDIO_DEFAULTS.learning_rate, format="%g"
    )
    discriminator_learning_rate = right.number_input(
        "Discriminator LR",
        min_value=1e-7,
        value=STUDIO_DEFAULTS.discriminator_learning_rate,
        format="%g",
    )
    batch_size = left.number_input("Batch size", min_value=2, value=STUDIO_DEFAULTS.batch_size)
    discriminator_steps = right.number_input(
        "D steps per G step", min_value=1, max_value=10, value=STUDIO_DEFAULTS.discriminator_steps
    )
    image_every = left.number_input(
        "Samples every (steps)", min_value=1, value=STUDIO_DEFAULTS.image_every
    )
    epochs = right.number_input("Epochs", min_value=1, value=STUDIO_DEFAULTS.epochs)
    config = RunConfig(
        dataset=dataset,
        architecture=architecture,
        style=style,
        optimizer=STUDIO_DEFAULTS.optimizer,
        learning_rate=float(learning_rate),
        discriminator_learning_rate=float(discriminator_learning_rate),
        batch_size=int(batch_size),
        discriminator_steps=int(discriminator_steps),
        image_every=int(image_every),
        epochs=int(epochs),
        classes=[] if digit == ALL_CLASSES else [digit],
        validation_split=STUDIO_DEFAULTS.validation_split,
    )
    return config, explain(config)


with st.sidebar:
    st.header("Set up a GAN")
    config, problem = choose_config()

job = launcher.start_and_follow(engine, config, problem, session_key="gan_job")
if job is None:
    st.markdown(
        "A generator turns random noise into images; a discriminator tells them from real ones, "
        "and each learns from the other. Press **Start** and watch the same sixteen points of "
        "noise turn into digits. Pause to train one network alone for a single batch, or change "
        "either network's learning rate while they train."
    )
else:
    gan_view.show_studio(job)
