"""The widgets that set up a run, and the buttons that steer it while it trains.

`choose_config()` turns the Train page's widgets into a `RunConfig`. Choices narrow each other
the way the catalog says they fit: the dataset decides which architectures can model it, and the
architecture which styles can train it. What the widgets cannot rule out, `explain()` catches
with `RunConfig.check()`, so a combination that cannot work is explained before Start, never
by a traceback after it.

`steer()` draws Stop, Pause/Resume and a new learning rate for a run that is training. The
buttons only leave requests in the run's `RunControl`; the worker applies them between two
batches and marks each on the charts.
"""

from __future__ import annotations

import os
import tempfile

import streamlit as st

from trainers import catalog, datasets
from trainers.config import ConfigError, RunConfig
from trainers.worker import Job

NPZ = "Your .npz file"
NPZ_HINT = (
    "Upload a .npz file or give its path: arrays x_train and y_train, optionally x_test, "
    "y_test and sample_weight."
)
CLASS_WEIGHTS = {"none": None, "balanced": "balanced"}


def _upload_path(upload) -> str:
    """Saves an uploaded `.npz` to a temporary file (once per upload) and returns its path."""
    folder = os.path.join(tempfile.gettempdir(), "looplab-uploads")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{upload.file_id}-{os.path.basename(upload.name)}")
    if not os.path.exists(path):
        with open(path, "wb") as file:
            file.write(upload.getbuffer())
    return path


def _npz_dataset() -> tuple[str, datasets.Dataset | None, str | None]:
    """Asks for a `.npz` file; returns its path, its data when it loads, or why it does not."""
    upload = st.file_uploader("Upload a .npz", type=["npz"], key="npz_upload")
    typed = st.text_input(
        "…or its path on the server", key="npz_path", placeholder="/data/my_dataset.npz"
    )
    path = _upload_path(upload) if upload is not None else typed.strip()
    if not path:
        return "", None, NPZ_HINT
    try:
        # One example is enough to learn the data's kind and task; the file itself is cached.
        return path, datasets.load_dataset(path, validation_split=0, max_examples=1), None
    except datasets.DatasetError as error:
        return path, None, str(error)


def _reset_learning_rate() -> None:
    # A new optimizer starts at the learning rate that suits it.
    st.session_state["learning_rate"] = catalog.OPTIMIZERS[st.session_state["optimizer"]][2]


def choose_config() -> tuple[RunConfig, str | None]:
    """Draws the widgets that set up a run, in the current container.

    Returns:
        `(config, problem)`: the configuration the widgets describe, and a message that says
        why it cannot run (a `.npz` that does not load, or what `RunConfig.check()` refuses),
        or None when it can.
    """
    names = [*catalog.DATASETS, NPZ]
    dataset = st.selectbox(
        "Dataset",
        names,
        key="dataset",
        format_func=lambda name: name if name == NPZ else _dataset_label(name),
    )
    problem, has_sample_weight = None, False
    if dataset == NPZ:
        dataset, data, problem = _npz_dataset()
        kind, task = (data.kind, data.task) if data else ("image", "classification")
        has_sample_weight = data is not None and data.sample_weight is not None
    else:
        info = catalog.DATASETS[dataset]
        kind, task = info.kind, info.task
        if not info.offline:
            st.caption("Read from the Keras cache; downloaded on first use.")

    architectures = catalog.architectures_for(kind, task)
    architecture = st.selectbox(
        "Architecture",
        architectures,
        index=_index(architectures, catalog.DEFAULT_ARCHITECTURE),
        key="architecture",
        help="Only the architectures that can model this data are listed.",
    )
    styles = catalog.styles_for(architecture)
    style = st.selectbox(
        "Training style",
        styles,
        index=_index(styles, catalog.DEFAULT_STYLE),
        key="style",
        format_func=lambda name: f"{name}: {catalog.STYLES[name].description}",
        help="Only the styles that can train this architecture are listed.",
    )
    optimizers = list(catalog.OPTIMIZERS)
    optimizer = st.selectbox(
        "Optimizer",
        optimizers,
        index=optimizers.index(catalog.DEFAULT_OPTIMIZER),
        key="optimizer",
        on_change=_reset_learning_rate,
    )
    st.session_state.setdefault("learning_rate", catalog.OPTIMIZERS[optimizer][2])
    learning_rate = st.number_input(
        "Learning rate", min_value=0.0, step=0.0001, format="%g", key="learning_rate"
    )
    left, right = st.columns(2)
    batch_size = left.number_input("Batch size", min_value=1, value=64, key="batch_size")
    epochs = right.number_input("Epochs", min_value=1, value=3, key="epochs")
    seed = left.number_input("Seed", min_value=0, value=0, key="seed")
    validation_split = right.number_input(
        "Validation split", min_value=0.0, max_value=0.99, value=0.1, step=0.05, key="val_split"
    )
    max_examples = st.number_input(
        "Max examples (0 = all)",
        min_value=0,
        value=0,
        step=500,
        key="max_examples",
        help="Train on a slice of the data for a quick look.",
    )

    gan = catalog.ARCHITECTURES[architecture].is_gan
    class_weight, use_sample_weight, halve_lr_epoch = "none", False, 0
    if not gan:
        class_weight = st.radio(
            "Class weights", list(CLASS_WEIGHTS), horizontal=True, key="class_weight"
        )
        if has_sample_weight:
            use_sample_weight = st.checkbox(
                "Weigh examples by the file's sample_weight", key="sample_weight"
            )
    if style == "train_on_batch":
        halve_lr_epoch = st.number_input(
            "Halve the learning rate at epoch (0 = never)",
            min_value=0,
            value=0,
            key="halve_lr_epoch",
        )

    config = RunConfig(
        dataset=dataset,
        architecture=architecture,
        style=style,
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        batch_size=int(batch_size),
        epochs=int(epochs),
        seed=int(seed),
        validation_split=float(validation_split),
        class_weight=CLASS_WEIGHTS[class_weight],
        use_sample_weight=use_sample_weight,
        halve_lr_epoch=int(halve_lr_epoch),
        max_examples=int(max_examples),
    )
    return config, problem or explain(config)


def _index(names: list[str], default: str) -> int:
    # The catalog's default where it fits, else the first choice.
    return names.index(default) if default in names else 0


def _dataset_label(name: str) -> str:
    return f"{name}: {catalog.DATASETS[name].description}"


def explain(config: RunConfig) -> str | None:
    """Why `config` cannot run, in `RunConfig.check()`'s words, or None when it can."""
    try:
        config.check()
    except ConfigError as error:
        return str(error)
    return None


def steer(job: Job) -> None:
    """Draws Stop, Pause/Resume and a new learning rate for a run that has not ended.

    Args:
        job: the run to steer; each button acts within one batch.
    """
    control = job.control
    stop, pause, rate, apply = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    stop.button("Stop", key="stop", on_click=control.stop, disabled=control.stop_requested)
    if control.paused:
        pause.button("Resume", key="resume", on_click=control.resume, type="primary")
    else:
        pause.button("Pause", key="pause", on_click=control.pause)
    key = f"new_learning_rate-{job.run_id}"
    rate.number_input(
        "New learning rate",
        min_value=1e-7,
        value=float(job.config.learning_rate),
        step=0.0001,
        format="%g",
        key=key,
    )
    # Read the input in the callback: it holds what was typed even if Apply came first.
    apply.button(
        "Apply",
        key="apply_learning_rate",
        on_click=lambda: control.set_learning_rate(st.session_state[key]),
    )
