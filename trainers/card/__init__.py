"""Experiment cards: one standalone Python file that reproduces a Looplab run without Looplab.

A run in Looplab is a configuration plus Looplab's code, spread over a dozen modules and run
by an engine on a worker thread. To share a run, publish it, or check it years later, a person
needs that code in one file, in the order it runs, with nothing else around it. A card is that
file: it reads like a keras-io example (the configuration, the data, the architecture, the
training style, training), imports only keras, tensorflow, numpy and the library that ships
the data (never `trainers`), and `python card.py` prints the first epoch's loss, equal within
1e-4 to the loss the run stored.

The code in a card is generated from Looplab's own source (`trainers.card.extract`), not
written a second time, so a card cannot drift from the engine: the split policy, the builder
and the style are the very functions Looplab runs. Only what replaces Looplab's machinery is
written for the card (`trainers.card.templates`): a stand-in `Run` that hands the style what
Looplab hands it, a recorder that prints instead of streaming events, and `main()`.

Cards cover runs of one network: every classifier style (`catalog.classifier_styles()`) on
every dataset, named or a `.npz` file. GAN runs are refused with a `ValueError` that says so:
they have no first-epoch loss to reproduce (`gan_loop` reports no epochs, and `gan_fit`'s epoch
holds its last batch's losses), and what a GAN style is handed (two networks, two optimizers,
fixed noise, sample grids) would need a stand-in of its own.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from trainers import catalog
from trainers.card import sections
from trainers.card.extract import Collector, Import
from trainers.config import RunConfig

__all__ = ["card_text", "write_card"]

# The names a card defines itself; Looplab's own are never copied in their place.
_STAND_INS = {"RunConfig", "Run", "Recorder", "_find_source"}
# What the hand-written parts of a card import.
_TEMPLATE_IMPORTS = {
    Import("dataclasses", "dataclass"),
    Import("math"),
    Import("time"),
    Import("keras"),
}


def write_card(config: dict, path: Path) -> Path:
    """Writes the experiment card of a run: one standalone Python file that reproduces it.

    Args:
        config: the run's configuration, as `RunConfig.to_dict()` gives it, or a stored run
            that holds it under `"config"` (a run's `summary.json`, a `RunLog` snapshot); the
            stored run's `run_id` and creation time then go into the card's header.
        path: the file to write; its folder is created when missing.

    Returns:
        The path written.

    Raises:
        ValueError: the configuration cannot work (a `ConfigError`), or it trains a GAN,
            which has no card; the message says what is supported and ends with what was
            received.
    """
    stored = config.get("config") if isinstance(config.get("config"), dict) else None
    run_config = _run_config(stored if stored is not None else config)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(card_text(run_config, _provenance(config if stored is not None else {})))
    return path


def card_text(config: RunConfig, provenance: str = "") -> str:
    """The text of a checked classifier run's card (see `write_card`).

    Args:
        config: the run's configuration.
        provenance: a sentence on which run this is and when it ran; by default, when the card
            was written.
    """
    provenance = provenance or f"Looplab wrote this card on {_now()} from a run's configuration."
    collector = Collector(provided=set(_STAND_INS))
    collector.imports |= _TEMPLATE_IMPORTS
    body = [sections.data(config, collector), sections.architecture(config, collector)]
    style_code = sections.style(config, collector)
    body += [style_code, sections.run(config, collector, style_code), sections.training(config)]
    code = "\n\n\n".join(body)
    header = sections.header(config, provenance, code)
    imports = sections.imports(collector.imports)
    configuration = sections.configuration(config, code)
    # One blank line after the docstring and after the imports, as ruff's isort wants them.
    return f"{header}\n\n{imports}\n\n{configuration}\n\n\n{code}\n"


def _run_config(values: dict) -> RunConfig:
    """A checked `RunConfig` from stored values, refusing what a card cannot reproduce."""
    values = dict(values)
    weights = values.get("class_weight")
    if isinstance(weights, dict):  # JSON keeps mapping keys as text
        values["class_weight"] = {int(label): weight for label, weight in weights.items()}
    config = RunConfig.from_dict(values)
    config.check()
    if catalog.is_gan(config.architecture):
        raise ValueError(
            "Experiment cards reproduce runs of one network: the styles "
            f"{catalog.choices(catalog.classifier_styles())} on any dataset or .npz file. "
            f"GAN runs ({catalog.choices(catalog.gan_architectures())}) have no card. "
            f"Received: architecture={config.architecture!r}, style={config.style!r}"
        )
    if config.is_npz and os.path.isfile(config.dataset):
        config.dataset = os.path.abspath(config.dataset)  # so the card runs from any folder
    return config


def _provenance(stored: dict) -> str:
    run_id = stored.get("run_id") or stored.get("id")
    if not run_id:
        return ""
    when = next((stored[key] for key in ("created", "started") if stored.get(key) is not None), "")
    if isinstance(when, int | float):
        when = datetime.datetime.fromtimestamp(when, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"It is Looplab run `{run_id}`" + (f", created {when}." if when else ".")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
