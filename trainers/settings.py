"""How a setting of a run is described once, for the checks, the command line and the pages.

A configuration class (`RunConfig`, a race's) declares each of its fields with `setting(...)`:
the default, the GAN default where a GAN wants another, the bounds, a label for the pages and
one line of help. `settings_of(cls)` reads those descriptions back, so `check()` refuses a
value out of bounds, `python -m trainers run --help` prints the help and the defaults, and the
pages' widgets take their labels, limits and defaults, all from the same declaration.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trainers.catalog import choices


class ConfigError(ValueError):
    """A configuration that cannot work; the message says what would."""


@dataclass(frozen=True)
class Setting:
    """One setting of a configuration.

    Attributes:
        name: the configuration field it describes (filled in by `settings_of`).
        label: its name on the pages, e.g. `"Learning rate"`.
        help: one line on what it does.
        default: the value when none is given.
        gan_default: the value a GAN run starts from, when it differs from `default`.
        low, high: the bounds, inclusive (`low` exclusive when `low_open`); `high` may name
            another numeric setting, whose value is then the bound.
        choices: the valid names, for a setting that names a catalog entry.
        flag: its command-line option; `--name-with-dashes` when None.
        metavar: the placeholder of its value in `--help`.
        step: the increment of its widget on the pages.
        parse: reads the setting from text (the command line); the value's type when None.
    """

    label: str
    help: str
    default: Any
    name: str = ""
    gan_default: Any = None
    low: float | None = None
    high: float | str | None = None
    low_open: bool = False
    choices: Mapping | None = None
    flag: str | None = None
    metavar: str = "N"
    step: float | None = None
    parse: Callable[[str], Any] | None = None

    @property
    def option(self) -> str:
        """Its command-line option, e.g. `--batch-size`."""
        return self.flag or "--" + self.name.replace("_", "-")

    def default_for(self, gan: bool) -> Any:
        """The default of a GAN run or of any other run."""
        return self.gan_default if gan and self.gan_default is not None else self.default

    def describe_default(self, gans: bool = True) -> str:
        """`default: 64; 32 for GANs` (without GANs: `default: 64`), as `--help` shows it."""
        text = f"default: {self.default}"
        if not gans or self.gan_default is None:
            return text
        return f"{text}; {self.gan_default} for GANs"

    def check(self, value: Any, config: object) -> None:
        """Raises `ConfigError` when `value` is not valid for this setting in `config`."""
        if self.choices is not None:
            if value not in self.choices:
                raise ConfigError(
                    f"Unknown {self.name}. Choose {choices(self.choices)}. "
                    f"Received: {self.name}={value!r}"
                )
            return
        if self.low is None:
            return
        high = getattr(config, self.high) if isinstance(self.high, str) else self.high
        # NaN compares False with every bound, so a float must be finite first.
        finite = isinstance(value, int) or isinstance(value, float) and math.isfinite(value)
        if finite and not isinstance(value, bool):
            too_low = value <= self.low if self.low_open else value < self.low
            if not too_low and value <= high:
                return
        bound = f"greater than {self.low}" if self.low_open else f"at least {self.low}"
        raise ConfigError(
            f"{self.name} must be a number {bound} and at most {high}. "
            f"Received: {self.name}={value!r}"
        )


def setting(label: str, help: str, default: Any, **description: Any) -> dataclasses.Field:
    """Declares a configuration field and its `Setting` (see `Setting` for `description`)."""
    described = Setting(label, help, default, **description)
    metadata = {"setting": described}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: type(default)(), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def settings_of(cls: type) -> dict[str, Setting]:
    """The settings a configuration class declares, by field name, in declaration order."""
    return {
        field.name: dataclasses.replace(field.metadata["setting"], name=field.name)
        for field in dataclasses.fields(cls)
        if "setting" in field.metadata
    }


def check_settings(config: object) -> None:
    """Raises `ConfigError` for the first setting of `config` out of its bounds or choices."""
    for name, described in settings_of(type(config)).items():
        described.check(getattr(config, name), config)


def parse_class_weight(text: str) -> str | dict[int, float]:
    """Reads `"balanced"`, or `"0:1,1:2.5"` as `{0: 1.0, 1: 2.5}`.

    Raises:
        ValueError: for anything else, saying what would work.
    """
    if text == "balanced":
        return text
    try:
        pairs = [item.split(":") for item in text.split(",")]
        return {int(label): float(weight) for label, weight in pairs}
    except ValueError:
        raise ValueError(
            "expected 'balanced', or class:weight pairs separated by commas such as "
            f"'0:1,1:2.5'. Received: {text!r}"
        ) from None


def parse_classes(text: str) -> list[int]:
    """Reads class labels such as `"3"` or `"0,1"` into a list.

    Raises:
        ValueError: for anything else, saying what would work.
    """
    try:
        return [int(label) for label in text.split(",")]
    except ValueError:
        raise ValueError(
            f"expected class labels separated by commas such as '3' or '0,1'. Received: {text!r}"
        ) from None
