"""The sections of a card, in the order a reader meets them, each built from Looplab's source.

Each function returns one section's text: the header, the configuration, the data, the
architecture, the training style, the stand-in run, and training. The sections after the
header copy Looplab's code through one `Collector`, which also gathers the imports they need.
"""

from __future__ import annotations

import ast
import json
import os
import pprint
import re
import sys
import textwrap

from trainers import catalog
from trainers.card import templates
from trainers.card.extract import Collector, Import, ModuleCode
from trainers.config import RunConfig

# The settings every card shows, besides those its code reads.
_SHOWN = ("dataset", "architecture", "style", "optimizer", "learning_rate", "batch_size")
# The methods of Looplab's runs a stand-in `Run` may copy, in their source order.
_RUN_METHODS = {
    **dict.fromkeys(
        (
            "order",
            "batches",
            "validation_batches",
            "train_dataset",
            "validation_data",
            "report_batch",
            "batch_examples",
            "report_epoch",
            "callback",
        ),
        ("trainers.run", "Run"),
    ),
    **dict.fromkeys(
        ("is_regression", "loss", "metric"), ("trainers.classifier_run", "ClassifierRun")
    ),
}
_DATA_LIBRARIES = {"mlxtend": "mlxtend", "sklearn": "scikit-learn"}


def header(config: RunConfig, provenance: str, code: str) -> str:
    """The card's docstring: which run it reproduces, when, what it needs, the configuration."""
    imported = set(re.findall(r"^\s+from (\w+)", code, re.M))
    libraries = sorted(_DATA_LIBRARIES[name] for name in imported & set(_DATA_LIBRARIES))
    if config.is_npz:
        libraries.append(f"the file {config.dataset}")
    elif "keras_cache_dir" in code:
        libraries.append("the dataset's file in the Keras cache (~/.keras/datasets)")
    needs = ", ".join(["keras (on TensorFlow)", "tensorflow", "numpy", *libraries])
    needs = textwrap.fill(
        f"It needs {' and '.join(needs.rsplit(', ', 1))}. It prints each epoch's metrics and "
        "ends with `first-epoch loss: ...`: the first epoch's mean training loss, as the run "
        "stored it.",
        96,
        break_long_words=False,
        break_on_hyphens=False,
    )
    settings = "\n".join(
        textwrap.fill(f"{name}: {value}", 96, initial_indent="    ", subsequent_indent=" " * 8)
        for name, value in config.to_dict().items()
    )
    title = f"`{config.architecture}` trained in the `{config.style}` style on `{_name(config)}`"
    when = textwrap.fill(provenance, 96, break_long_words=False)
    text = templates.HEADER.substitute(title=title, when=when, needs=needs, settings=settings)
    return text.replace("\\", "\\\\")


def configuration(config: RunConfig, code: str) -> str:
    """The settings the card's code reads, as a frozen dataclass and its one instance."""
    read = {name.lower() for name in re.findall(r"\bconfig\.(\w+)", code, re.I)}
    fields = ModuleCode("trainers.config").definitions["RunConfig"].body
    annotations = {
        node.target.id: ast.unparse(node.annotation)
        for node in fields
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    values = config.to_dict()
    chosen = [name for name in values if name in read or name in _SHOWN]
    return (
        templates.SECTION.substitute(
            title="Configuration", text="The run's settings, as far as this card reads them."
        )
        + "\n\n\n"
        + templates.CONFIG.substitute(
            fields="\n".join(f"    {name}: {annotations[name]}" for name in chosen),
            values="\n".join(f"    {name}={_literal(values[name])}," for name in chosen),
        )
    )


def data(config: RunConfig, collector: Collector) -> str:
    """Looplab's loading and splitting code, and the glue that reads this run's source."""
    collector.add("trainers.engine", "load_data", "data")
    if config.is_npz:
        collector.add("trainers.datasets.npz", "_npz_to_source", "data")
        collector.imports.add(Import("numpy", "", "np"))
        find = templates.FIND_NPZ
    else:
        module, _, function = catalog.DATASETS[config.dataset].source.partition(":")
        module = f"trainers.datasets.{module}"
        collector.add(module, function, "data")
        node = collector.code(module).definitions[function]
        find = templates.FIND_NAMED.substitute(
            dataset=config.dataset,
            module=module.rpartition(".")[2],
            function=function,
            arguments="seed" if node.args.args else "",
        )
    text = templates.SECTION.substitute(title="The data", text=templates.DATA_TEXT)
    return _joined([text, *_pieces(collector, "data"), find])


def architecture(config: RunConfig, collector: Collector) -> str:
    """Looplab's builder of the run's architecture, and the call that shapes it to the data."""
    info = catalog.ARCHITECTURES[config.architecture]
    collector.add("trainers.architectures", info.build, "architecture")
    text = templates.SECTION.substitute(
        title=f"The architecture: `{config.architecture}`",
        text=templates.ARCHITECTURE_TEXT,
    )
    build = templates.BUILD_MODEL.substitute(
        from_logits=info.from_logits, architecture=config.architecture, builder=info.build
    )
    return _joined([text, *_pieces(collector, "architecture"), build])


def style(config: RunConfig, collector: Collector) -> str:
    """The style's module, all but its `stepper` (a race's way in), with what it imports."""
    name = catalog.STYLES[config.style].module
    module = f"trainers.styles.{name}"
    code = collector.code(module)
    for definition in code.definitions:
        if definition != "stepper":
            collector.add(module, definition, "style")
    text = templates.SECTION.substitute(
        title=f"The training style: `{config.style}`",
        text=templates.STYLE_TEXT.substitute(module=name, intro=code.docstring),
    )
    return _joined([text, *_pieces(collector, "style")])


def run(config: RunConfig, collector: Collector, style_code: str) -> str:
    """The stand-in run, with the methods of Looplab's run that the style uses."""
    methods: dict[str, str] = {}
    while True:
        texts = [style_code, *methods.values(), *_pieces(collector, "run")]
        used = {
            name
            for text in texts
            for name in re.findall(r"(?:(?<=\brun\.)|(?<=\bself\.))(\w+)", text)
            if name in _RUN_METHODS and name not in methods
        }
        if not used:
            break
        for name in used:
            methods[name] = collector.method(*_RUN_METHODS[name], name, "run")
    info = catalog.OPTIMIZERS[config.optimizer]
    options = "".join(f", {key}={value!r}" for key, value in info.options.items())
    mean = collector.method("trainers.recorder", "Recorder", "mean", "run")
    stand_ins = [
        templates.RECORDER.substitute(mean=mean),
        templates.RUN.substitute(
            optimizer=config.optimizer,
            optimizer_call=(
                f"keras.optimizers.{info.keras_class}"
                f"(learning_rate=float(config.learning_rate){options})"
            ),
            methods="\n\n".join(methods[name] for name in _RUN_METHODS if name in methods),
        ),
    ]
    text = templates.SECTION.substitute(title="What the style is handed", text=templates.RUN_TEXT)
    return _joined([text, *_pieces(collector, "run"), *stand_ins])


def training(config: RunConfig) -> str:
    """Seeding as the engine does, the style's `train`, and the line a test reads."""
    options = catalog.STYLES[config.style].options
    text = templates.SECTION.substitute(title="Training", text=templates.TRAINING_TEXT)
    main = templates.MAIN.substitute(
        options="".join(f", {key}={value!r}" for key, value in options.items())
    )
    return _joined([text, main])


def imports(imported: set[Import]) -> str:
    """The import block, grouped and sorted as isort does: the standard library, then the rest."""
    groups = ["from __future__ import annotations"]
    for stdlib in (True, False):
        chosen = [i for i in imported if _is_stdlib(i.module) == stdlib]
        lines = [
            f"import {i.module}" + (f" as {i.alias}" if i.alias else "")
            for i in sorted(i for i in chosen if not i.name)
        ]
        for module in sorted({i.module for i in chosen if i.name}):
            names = sorted((i for i in chosen if i.module == module and i.name), key=_name_order)
            listed = ", ".join(i.name + (f" as {i.alias}" if i.alias else "") for i in names)
            lines.append(f"from {module} import {listed}")
        if lines:
            groups.append("\n".join(lines))
    return "\n\n".join(groups)


def _is_stdlib(module: str) -> bool:
    return module.partition(".")[0] in sys.stdlib_module_names


def _name_order(item: Import) -> tuple[int, str]:
    # isort's order by type: CONSTANTS, then Classes, then functions and modules.
    name = item.name
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _pieces(collector: Collector, section: str) -> list[str]:
    return [piece.text for piece in collector.ordered(section)]


def _joined(parts: list[str]) -> str:
    return "\n\n\n".join(part.strip("\n") for part in parts)


def _name(config: RunConfig) -> str:
    return os.path.basename(config.dataset) if config.is_npz else config.dataset


def _literal(value) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    text = pprint.pformat(value, width=88, compact=True)
    return text.replace("\n", "\n    ")
