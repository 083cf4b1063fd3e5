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
from trainers import catalog
from trainers.config import RunConfig

ALL_CLASSES = "all"
GAN_DEFAULTS = RunConfig(
    architecture="gan-classroom",
    style="gan_fit",
    optimizer="adam-gan",  # Adam with beta_1=0.5 for both networks, as in the DCGAN paper
    learning_rate=catalog.OPTIMIZERS["adam-gan"][2],
    discriminator_learning_rate=catalog.OPTIMIZERS["adam-gan"][2] / 2,
    batch_size=32,  # twice the updates per second of 64, for about the same score per update
    epochs=30,
    image_every=25,
    validation_split=0.0,  # a GAN has nothing to validate: it trains on every image
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
        index=gans.index(GAN_DEFAULTS.architecture),
        key="gan_architecture",
        format_func=lambda name: f"{name}: {catalog.ARCHITECTURES[name].description}",
    )
    styles = catalog.styles_for(architecture)
    style = st.selectbox(
        "Training style",
        styles,
        index=styles.index(GAN_DEFAULTS.style),
        key="gan_style",
        format_func=lambda name: f"{name}: {catalog.STYLES[name].description}",
    )
    left, right = st.columns(2)
    learning_rate = left.number_input(
        "Generator LR", min_value=1e-7, value=GAN_DEFAULTS.learning_rate, format="%g"
    )
    discriminator_learning_rate = right.number_input(
        "Discriminator LR",
        min_value=1e-7,
        value=GAN_DEFAULTS.discriminator_learning_rate,
        format="%g",
    )
    batch_size = left.number_input("Batch size", min_value=2, value=GAN_DEFAULTS.batch_size)
    discriminator_steps = right.number_input(
        "D steps per G step", min_value=1, max_value=10, value=GAN_DEFAULTS.discriminator_steps
    )
    image_every = left.number_input(
        "Samples every (steps)", min_value=1, value=GAN_DEFAULTS.image_every
    )
    epochs = right.number_input("Epochs", min_value=1, value=GAN_DEFAULTS.epochs)
    config = RunConfig(
        dataset=dataset,
        architecture=architecture,
        style=style,
        optimizer=GAN_DEFAULTS.optimizer,
        learning_rate=float(learning_rate),
        discriminator_learning_rate=float(discriminator_learning_rate),
        batch_size=int(batch_size),
        discriminator_steps=int(discriminator_steps),
        image_every=int(image_every),
        epochs=int(epochs),
        classes=[] if digit == ALL_CLASSES else [digit],
        validation_split=GAN_DEFAULTS.validation_split,
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
