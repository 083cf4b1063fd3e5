"""Command-line options built from the settings a configuration class describes.

Each option takes its flag, placeholder, help and default from the field's `setting(...)`
(see `trainers.settings`), so `--help` and the pages never disagree with the checks. Options
are left unset (None) when not typed: the command then fills in the defaults that suit the run,
a GAN's own where it has them, and what the person typed always wins.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from trainers.settings import Setting, settings_of


def command_parser(
    subparsers, name: str, summary: str, description: str, out: str, out_required: bool = True
) -> argparse.ArgumentParser:
    """A command's parser that writes into `--out`; a mistake in its options exits with 2.

    The command refuses options with `args.refuse(message)` (exit status 2) and a data file
    with `args.refuse_data(message)` (exit status 1), each in one line
    (`trainers.cli.refusals`).

    Args:
        subparsers: the command line's subparsers.
        name: the command, e.g. `"run"`.
        summary: one line for the command list.
        description: what the command does, for its `--help`.
        out: what `--out` must be.
        out_required: whether `--out` must be given (else it is None when left out).
    """
    parser = subparsers.add_parser(name, help=summary, description=description)
    parser.set_defaults(
        refuse=parser.error, refuse_data=lambda message: parser.error(message, status=1)
    )
    parser.add_argument("--out", type=Path, metavar="DIR", required=out_required, help=out)
    return parser


def add_settings(
    parser: argparse.ArgumentParser, config_class: type, names: Iterable[str], gans: bool = True
) -> None:
    """Adds one option per named setting of `config_class` to `parser`.

    Args:
        parser: the subcommand's parser.
        config_class: a dataclass whose fields are declared with `trainers.settings.setting`.
        names: the settings to offer, in the order `--help` lists them.
        gans: whether the command trains GANs, so `--help` shows their defaults too.
    """
    described = settings_of(config_class)
    for name in names:
        _add(parser, described[name], gans)


def _add(parser: argparse.ArgumentParser, setting: Setting, gans: bool) -> None:
    help_text = f"{setting.help} ({setting.describe_default(gans)})"
    if isinstance(setting.default, bool):
        parser.add_argument(setting.option, dest=setting.name, action="store_true", help=help_text)
        return
    parser.add_argument(
        setting.option,
        dest=setting.name,
        type=_reader(setting),
        choices=setting.choices,
        metavar=setting.metavar,
        help=help_text,
    )


def _reader(setting: Setting):
    """Reads an option's text as the setting's type; a parse error names what would work."""
    if setting.parse is None:
        return type(setting.default) if setting.default is not None else str

    def read(text: str):
        try:
            return setting.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    read.__name__ = setting.name  # argparse names the option's type in its messages
    return read


def given(args: argparse.Namespace, config_class: type) -> dict:
    """The settings of `config_class` that the person typed, by name."""
    names = settings_of(config_class)
    return {
        name: value for name, value in vars(args).items() if name in names and value is not None
    }
