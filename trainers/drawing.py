"""Drawing from a stored generator: the `model.keras` a GAN run leaves in its `--out` folder.

An unconditional generator takes noise; a conditional one (`gan-conditional`) takes
`[noise, labels]` and draws each image of the class its label asks for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trainers.images import tile


class DrawingError(ValueError):
    """A stored generator that cannot draw what was asked: the message says why."""


def load_generator(path: str | Path):
    """The generator in `path`: a run's `--out` folder, or a `.keras` file.

    Raises:
        DrawingError: for a path without a model, or a model that does not draw images.
    """
    path = Path(path)
    file = path / "model.keras" if path.is_dir() else path
    if not file.is_file():
        raise DrawingError(
            f"No stored generator there: name a GAN run's --out folder (it holds model.keras) "
            f"or a .keras file. Received: {path}"
        )
    import keras

    generator = keras.saving.load_model(file, compile=False)
    if len(generator.outputs[0].shape) != 4:
        raise DrawingError(
            f"This model does not draw images: a GAN's generator outputs (N, height, width, "
            f"channels). Received: {file} with output shape {generator.outputs[0].shape}"
        )
    return generator


def classes_of(generator) -> int | None:
    """How many classes a conditional generator draws; None for an unconditional one."""
    if len(generator.inputs) == 1:
        return None
    import keras

    embedding = next(
        layer for layer in generator.layers if isinstance(layer, keras.layers.Embedding)
    )
    return embedding.input_dim


def draw(generator, count: int, digits: list[int] | None = None, seed: int = 0) -> np.ndarray:
    """Draws `count` images, tiled into one uint8 grid.

    Args:
        generator: from `load_generator`.
        count: how many images.
        digits: the classes to draw, taken in turn (a conditional generator only); None draws
            every class in turn.
        seed: the seed of the noise: the same seed draws the same images.

    Raises:
        DrawingError: for classes asked of an unconditional generator, or classes it does not
            know, or a count below 1.
    """
    if count < 1:
        raise DrawingError(f"Draw at least one image. Received: --count {count}")
    classes = classes_of(generator)
    if classes is None and digits:
        raise DrawingError(
            "This generator was trained without classes, so it cannot be asked for a digit: "
            "leave out --digit, or train --arch gan-conditional. "
            f"Received: --digit {' '.join(map(str, digits))}"
        )
    if classes is not None and not all(0 <= digit < classes for digit in digits or ()):
        raise DrawingError(
            f"This generator draws classes 0 to {classes - 1}. Received: --digit "
            f"{' '.join(map(str, digits))}"
        )
    latent_dim = generator.inputs[0].shape[-1]
    noise = np.random.default_rng(seed).normal(size=(count, latent_dim)).astype("float32")
    if classes is None:
        images = generator.predict_on_batch(noise)
    else:
        labels = np.resize(np.array(digits or range(classes), dtype="int32"), count)
        images = generator.predict_on_batch([noise, labels])
    return tile(np.asarray(images))
