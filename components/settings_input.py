"""Widgets built from the one description of each run setting, and from the catalog.

`RunConfig` describes each of its settings once (`trainers.settings`): its label, one line of
help, its default and a GAN's, its bounds and its step. The command line and `check()` read
that description, and so do the pages' number inputs here: a page names the setting, and the
widget takes the rest from it, so a default or a bound changed there changes on every page.
The select boxes list the catalog's names (`trainers.catalog`), starting at its defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from trainers import catalog
from trainers.config import RunConfig
from trainers.settings import Setting, settings_of

SETTINGS: dict[str, Setting] = settings_of(RunConfig)
FINEST_FIXED_STEP = 0.01  # the finest step Streamlit's default format ("%0.2f") shows


def widget_options(described: Setting, gan: bool = False) -> dict[str, Any]:
    """The `st.number_input` arguments a setting describes: label, help, value, bounds, step.

    A bound that names another setting (`halve_lr_epoch` at most `epochs`) is left to
    `RunConfig.check()`, and so is an open bound (a learning rate above 0): the widget lets
    such a value through and the page explains what is wrong with it. Every number is of the
    default's type, as Streamlit wants one type for all, and a step finer than Streamlit's two
    decimals shows as `%g`.

    Args:
        described: the setting, e.g. `SETTINGS["batch_size"]`.
        gan: take the default a GAN run starts from.
    """
    number = type(described.default)
    high = None if isinstance(described.high, str) else described.high
    bounds = {"min_value": described.low, "max_value": high, "step": described.step}
    options = {
        "label": described.label,
        "help": described.help,
        "value": described.default_for(gan),
        **{name: None if bound is None else number(bound) for name, bound in bounds.items()},
    }
    if described.step is not None and described.step < FINEST_FIXED_STEP:
        options["format"] = "%g"  # a learning rate of 0.0001 is not 0.00
    return options


def number_input(
    name: str,
    container: Any = st,
    *,
    key: str,
    gan: bool = False,
    described_by: type = RunConfig,
    **overrides: Any,
) -> int | float:
    """Draws a number input for a setting, as its configuration class describes it.

    Args:
        name: the setting, a field of `described_by`, e.g. `"batch_size"`.
        container: where to draw it, e.g. a column; the current container by default.
        key: the widget's key in the session state.
        gan: start from the default of a GAN run.
        described_by: the configuration class that declares the setting: `RunConfig`, or
            another with its own defaults (a group's runs) or settings (a race's).
        **overrides: `st.number_input` arguments that replace the described ones, e.g.
            `label="Generator LR"` or `value=30`.

    Returns:
        The widget's value. A value a callback wrote under `key` in the session state (a
        preset) wins over the default, which stays the same from run to run.
    """
    options = widget_options(settings_of(described_by)[name], gan) | overrides
    return container.number_input(key=key, **options)


def select(
    label: str,
    names: list[str],
    default: str,
    *,
    key: str,
    described_in: Mapping[str, Any] | None = None,
    container: Any = st,
    **options: Any,
) -> str:
    """Draws a select box of catalog names, starting at the catalog's default.

    Args:
        label: the widget's label, e.g. `"Training style"`.
        names: the names to choose from, e.g. the styles that can train the architecture.
        default: the name chosen first where it is one of `names`; else the first name.
        key: the widget's key in the session state.
        described_in: a catalog registry (e.g. `catalog.STYLES`) whose entries' `description`
            follows each name; the names alone when None.
        container: where to draw it; the current container by default.
        **options: more `st.selectbox` arguments, e.g. `help` or `on_change`.

    Returns:
        The chosen name.
    """
    if described_in is not None:
        options["format_func"] = lambda name: f"{name}: {described_in[name].description}"
    index = names.index(default) if default in names else 0
    return container.selectbox(label, names, index=index, key=key, **options)


def style_select(architecture: str, default: str, *, key: str, **options: Any) -> str:
    """Draws a select box of the training styles that can train `architecture`, described.

    Args:
        architecture: a name from `catalog.ARCHITECTURES`.
        default: the style chosen first where it can train it.
        key: the widget's key in the session state.
        **options: more `st.selectbox` arguments, e.g. `help`.
    """
    styles = catalog.styles_for(architecture)
    label = SETTINGS["style"].label
    return select(label, styles, default, key=key, described_in=catalog.STYLES, **options)


def dataset_and_architecture(left: Any, right: Any, prefix: str) -> tuple[str, str]:
    """A dataset, and an architecture that classifies or regresses it (GANs do not compare).

    Args:
        left, right: the containers of the two select boxes.
        prefix: the start of their keys, e.g. `"race"` for `race_dataset`.
    """
    dataset = left.selectbox(
        SETTINGS["dataset"].label, list(catalog.DATASETS), key=f"{prefix}_dataset"
    )
    info = catalog.DATASETS[dataset]
    architectures = catalog.classifier_architectures_for(info.kind, info.task)
    label = SETTINGS["architecture"].label
    return dataset, right.selectbox(label, architectures, key=f"{prefix}_architecture")


def apply_input(
    columns: Sequence[Any],
    name: str,
    keys: tuple[str, str],
    apply: Callable[[Any], None],
    **overrides: Any,
) -> None:
    """A number input for a setting of a run that trains, and an Apply button that sends it.

    Args:
        columns: the containers of the input and of the button.
        name: the setting, a field of `RunConfig`.
        keys: the keys of the input and of the button.
        apply: called with the input's value when Apply is pressed.
        **overrides: as in `number_input`, e.g. the run's current `value`.
    """
    field, button = columns
    key, button_key = keys
    number_input(name, field, key=key, **overrides)
    # Read the input in the callback: it holds what was typed even if Apply came first.
    button.button("Apply", key=button_key, on_click=lambda: apply(st.session_state[key]))
