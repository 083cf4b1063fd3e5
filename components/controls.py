"""The widgets that set up a run, and the buttons that steer it while it trains.

`choose_config()` turns the Train page's widgets into a `RunConfig`. Choices narrow each other
the way the catalog says they fit: the dataset decides which architectures can model it, and the
architecture which styles can train it; each number input takes its label, bounds, default
and help from `RunConfig`'s description of that setting. What the widgets cannot rule out,
`live.start()` explains with `RunConfig.check()`, so a combination that cannot work is
explained before Start, never by a traceback after it.

`steer()` draws Stop, Pause/Resume and a new learning rate for a run that is training. The
buttons only leave requests in the run's `RunControl`; the worker applies them between two
batches and marks each on the charts.
"""

from __future__ import annotations

import os
import tempfile

import streamlit as st

from components import live, registry, roles
from components.settings_input import SETTINGS, apply_input, number_input, select, style_select
from trainers import catalog, datasets
from trainers.access import Refused, inside
from trainers.config import RunConfig
from trainers.store.paths import data_home
from trainers.worker import Job

NPZ = "Your .npz file"
NPZ_HINT = (
    "Upload a .npz file or give its path: arrays x_train and y_train, optionally x_test, "
    "y_test and sample_weight."
)
CLASS_WEIGHTS = {"none": None, "balanced": "balanced"}
# A rate sent to a run that trains must be above 0: no `check()` stands between them.
LIVE_RATE = {"min_value": 1e-7, "help": None}


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
        "…or its path in the data folder",
        key="npz_path",
        placeholder="my_dataset.npz",
        help=f"A path inside {data_home()}, the data folder (LOOPLAB_HOME).",
    )
    path = _upload_path(upload) if upload is not None else typed.strip()
    if not path:
        return "", None, NPZ_HINT
    try:
        if upload is None:  # a server path: only inside the data folder, said before it is read
            path = str(inside(data_home(), path))
        # One example is enough to learn the data's kind and task; the file itself is cached.
        return path, datasets.load_dataset(path, validation_split=0, max_examples=1), None
    except (datasets.DatasetError, Refused) as error:
        # An upload's name, not the temporary file the server keeps it in.
        return path, None, str(error).replace(path, upload.name) if upload else str(error)


def _reset_learning_rate() -> None:
    # A new optimizer starts at the learning rate that suits it.
    optimizer = st.session_state["optimizer"]
    st.session_state["learning_rate"] = catalog.OPTIMIZERS[optimizer].learning_rate


def choose_config() -> tuple[RunConfig, str | None]:
    """Draws the widgets that set up a run, in the current container.

    Returns:
        `(config, problem)`: the configuration the widgets describe, and why its data cannot
        be read (a `.npz` that does not load), or None. What else cannot work,
        `live.start` explains with `RunConfig.check()`.
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
    architecture, style, optimizer = _model_choices(kind, task)
    numbers = _numbers(optimizer)
    gan = catalog.is_gan(architecture)
    class_weight, use_sample_weight, halve_lr_epoch = "none", False, 0
    if not gan:
        class_weight = st.radio(
            SETTINGS["class_weight"].label, list(CLASS_WEIGHTS), horizontal=True, key="class_weight"
        )
        if has_sample_weight:
            use_sample_weight = st.checkbox(
                SETTINGS["use_sample_weight"].label, key="sample_weight"
            )
    if style == "train_on_batch":
        halve_lr_epoch = number_input("halve_lr_epoch", key="halve_lr_epoch")
    spread = catalog.STYLES[style].distributed  # "replicas" or "workers": how many, and the batch
    if spread:
        numbers[spread] = number_input(spread, key=spread, value=2)
        global_batch = numbers["batch_size"] * numbers[spread]
        st.caption(
            f"Global batch {global_batch:,}: {numbers['batch_size']:,} examples on each of "
            f"{numbers[spread]} {spread}. The charts count global batches."
        )
    config = RunConfig(
        dataset=dataset,
        architecture=architecture,
        style=style,
        optimizer=optimizer,
        class_weight=CLASS_WEIGHTS[class_weight],
        use_sample_weight=use_sample_weight,
        halve_lr_epoch=int(halve_lr_epoch),
        **numbers,
    )
    return config, problem


def _model_choices(kind: str, task: str) -> tuple[str, str, str]:
    """The architecture, the training style and the optimizer, each narrowed by the last."""
    architecture = select(
        "Architecture",
        catalog.architectures_for(kind, task),
        catalog.DEFAULT_ARCHITECTURE,
        key="architecture",
        help="Only the architectures that can model this data are listed.",
    )
    style = style_select(
        architecture,
        catalog.DEFAULT_STYLE,
        key="style",
        help="Only the styles that can train this architecture are listed.",
    )
    optimizers = list(catalog.OPTIMIZERS)
    optimizer = select(
        "Optimizer",
        optimizers,
        catalog.DEFAULT_OPTIMIZER,
        key="optimizer",
        on_change=_reset_learning_rate,
    )
    return architecture, style, optimizer


def _numbers(optimizer: str) -> dict[str, int | float]:
    """The run's numeric settings, each widget built from its description in `RunConfig`."""
    own_rate = catalog.OPTIMIZERS[optimizer].learning_rate  # where a new optimizer starts
    numbers = {"learning_rate": number_input("learning_rate", key="learning_rate", value=own_rate)}
    left, right = st.columns(2)
    for name, column, key in (
        ("batch_size", left, "batch_size"),
        ("epochs", right, "epochs"),
        ("seed", left, "seed"),
        ("validation_split", right, "val_split"),
        ("max_examples", st, "max_examples"),
    ):
        numbers[name] = number_input(name, column, key=key)
    return numbers


def _dataset_label(name: str) -> str:
    return f"{name}: {catalog.DATASETS[name].description}"


def steer(job: Job) -> None:
    """Draws Stop, Pause/Resume and a new learning rate for a run that has not ended.

    Args:
        job: the run to steer; each button acts within one batch.
    """
    if job.config.workers > 1:  # a pause or a new rate would have to reach every process
        stop, note = st.columns([1, 4], vertical_alignment="center")
        stop.button("Stop", key="stop", on_click=roles.control_of(registry.worker(), job).stop)
        note.caption(
            f"Trained by {job.config.workers} worker processes: Stop ends them all; pausing and "
            "changing the learning rate are for runs in one process."
        )
        return
    stop, pause, rate, apply = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    live.stop_and_pause(job, stop, pause)
    apply_input(
        (rate, apply),
        "learning_rate",
        (f"new_learning_rate-{job.run_id}", "apply_learning_rate"),
        roles.control_of(registry.worker(), job).set_learning_rate,
        label="New learning rate",
        value=float(job.config.learning_rate),
        **LIVE_RATE,
    )
