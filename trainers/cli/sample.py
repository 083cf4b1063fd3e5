"""`python -m trainers sample DIR --digit 7 --count 16 --out seven.png`: images from a
stored generator.

DIR is a GAN run's `--out` folder (or its `model.keras`). A conditional generator draws the
digits asked for, each in turn (every class in turn without `--digit`); an unconditional one
draws whatever it draws. A path without a generator, or a digit it cannot draw, is refused
in one line with exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trainers.images import to_png, upscale

SIDE = 224  # pixels on the short side of the PNG: the 28-pixel digits enlarged to be seen


def add_command(subparsers) -> None:
    """Adds the `sample` command to the command line's subparsers."""
    parser = subparsers.add_parser(
        "sample",
        help="draw images from a GAN run's stored generator into a PNG",
        description="Draw images from the generator a GAN run stored (its --out folder, or "
        "model.keras) into one PNG grid. A gan-conditional generator draws the --digit asked "
        "for.",
    )
    parser.set_defaults(refuse=parser.error)
    parser.add_argument("folder", type=Path, metavar="DIR", help="a GAN run's --out folder")
    parser.add_argument(
        "--digit",
        type=int,
        nargs="+",
        metavar="D",
        help="the class(es) to draw, taken in turn (a conditional generator); default: all",
    )
    parser.add_argument("--count", type=int, default=16, help="how many images (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="the noise's seed (default 0)")
    parser.add_argument("--out", type=Path, metavar="PNG", required=True, help="the PNG file")


def command(args: argparse.Namespace) -> int:
    """Writes the PNG and prints its path; returns 0."""
    from trainers.drawing import DrawingError, draw, load_generator

    if args.out.suffix.lower() != ".png":
        args.refuse(f"--out must name a .png file. Received: --out {args.out}")
    try:
        pixels = draw(load_generator(args.folder), args.count, args.digit, args.seed)
    except DrawingError as error:
        args.refuse(str(error))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(to_png(upscale(pixels, SIDE)))
    print(args.out)
    return 0
