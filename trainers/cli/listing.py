"""`python -m trainers list`: every dataset, architecture, style and optimizer, one line each."""

from __future__ import annotations

from trainers import catalog


def add_command(subparsers) -> None:
    """Adds the `list` command to the command line's subparsers."""
    subparsers.add_parser("list", help="print the datasets, architectures, styles and optimizers")


def command(args) -> int:
    """Prints the choices; returns the exit status 0."""
    print(describe_choices())
    return 0


def describe_choices() -> str:
    """Every dataset, architecture, style and optimizer with one line about it, for `list`."""

    def section(title: str, entries: dict[str, str], default: str) -> str:
        lines = [title]
        for name, text in entries.items():
            lines.append(f"  {name:<18} {text}" + ("  (default)" if name == default else ""))
        return "\n".join(lines)

    datasets = {
        name: info.description + ("" if info.offline else "  [downloaded on first use]")
        for name, info in catalog.DATASETS.items()
    }
    architectures = {
        name: info.description + ("  [GAN]" if info.is_gan else "")
        for name, info in catalog.ARCHITECTURES.items()
    }
    styles = {
        name: info.description + ("  [GAN]" if info.gan else "")
        for name, info in catalog.STYLES.items()
    }
    optimizers = {name: info.describe() for name, info in catalog.OPTIMIZERS.items()}
    return "\n\n".join(
        [
            section(
                "Datasets (--dataset NAME, or the path of a .npz file)",
                datasets,
                catalog.DEFAULT_DATASET,
            ),
            section("Architectures (--arch NAME)", architectures, catalog.DEFAULT_ARCHITECTURE),
            section("Styles (--style NAME)", styles, catalog.DEFAULT_STYLE),
            section("Optimizers (--optimizer NAME)", optimizers, catalog.DEFAULT_OPTIMIZER),
        ]
    )
