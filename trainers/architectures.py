"""The networks Looplab trains, each built fresh for a run and shaped to its dataset.

Most come straight from the guides: `mlp` and `mlp-functional` are the Trainer-pattern guide's
two models, `mlp-logits` and `mlp-activity-reg` the from-scratch guide's, `text-conv1d` the
Reuters model of "three ways of training", and `dcgan` the GAN of both fit guides.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from trainers import catalog
from trainers.config import ConfigError, check_architecture_fits


@dataclass
class Classifier:
    """A network that maps inputs to predictions.

    Attributes:
        model: the Keras model.
        from_logits: whether it outputs logits rather than probabilities.
    """

    model: keras.Model
    from_logits: bool = False


@dataclass
class GanNetworks:
    """The two networks of a GAN.

    Attributes:
        generator, discriminator: the networks; a conditional GAN's take `[noise, labels]`
            and `[images, labels]`, with labels as integer classes.
        latent_dim: the size of the noise input.
        classes: how many classes a conditional GAN draws; None for an unconditional one.
    """

    generator: keras.Model
    discriminator: keras.Model
    latent_dim: int
    classes: int | None = None


@keras.saving.register_keras_serializable(package="looplab")
class ActivityRegularizationLayer(layers.Layer):
    """The from-scratch guide's layer: it adds an activity penalty with `add_loss()`."""

    def call(self, inputs):
        self.add_loss(1e-2 * keras.ops.sum(inputs))
        return inputs


def build(name: str, data, latent_dim: int = 128) -> Classifier | GanNetworks:
    """Builds architecture `name` for a `trainers.datasets.Dataset` (or anything with its fields).

    Call it after seeding: the initial weights come from Keras' seeded random state.
    """
    if name not in catalog.ARCHITECTURES:
        raise ConfigError(
            f"Unknown architecture. Choose {catalog.choices(catalog.ARCHITECTURES)}. "
            f"Received: architecture={name!r}"
        )
    check_architecture_fits(name, data.kind, data.task, data.name)
    info = catalog.ARCHITECTURES[name]
    builder = globals()[info.build]
    shape = tuple(data.x_train.shape[1:])
    if info.conditional:
        return builder(shape, latent_dim, data.num_classes)
    if info.is_gan:
        return builder(shape, latent_dim)
    outputs = data.num_classes or int(data.y_train.shape[-1])
    return Classifier(builder(shape, outputs, data), from_logits=info.from_logits)


def mlp(shape: tuple, classes: int, data) -> keras.Model:
    # A model defined using the Sequential API.
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(classes, activation="softmax"),
        ],
        name="mlp",
    )


def mlp_functional(shape: tuple, classes: int, data) -> keras.Model:
    # A model defined using the Functional API.
    inputs = keras.Input(shape=shape)
    x = layers.Flatten()(inputs)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mlp_functional")


def mlp_logits(shape: tuple, classes: int, data, regularize: bool = False) -> keras.Model:
    inputs = keras.Input(shape=shape, name="digits")
    x = layers.Flatten()(inputs)
    x = layers.Dense(64, activation="relu")(x)
    if regularize:
        x = ActivityRegularizationLayer()(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(classes, name="predictions")(x)
    return keras.Model(inputs, outputs, name="mlp_activity_reg" if regularize else "mlp_logits")


def mlp_activity_reg(shape: tuple, classes: int, data) -> keras.Model:
    return mlp_logits(shape, classes, data, regularize=True)


def cnn(shape: tuple, classes: int, data) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(classes, activation="softmax"),
        ],
        name="cnn",
    )


def text_conv1d(shape: tuple, classes: int, data) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=shape, dtype="int32"),
            layers.Embedding(data.vocabulary_size, 7),
            layers.Conv1D(filters=64, kernel_size=5, activation="relu"),
            layers.MaxPool1D(2),
            layers.Conv1D(filters=32, kernel_size=3, activation="relu"),
            layers.MaxPool1D(2),
            layers.Flatten(),
            layers.Dense(classes, activation="softmax"),
        ],
        name="text_conv1d",
    )


def linear(shape: tuple, outputs: int, data) -> keras.Model:
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, layers.Dense(outputs)(inputs), name="linear")


def dcgan(shape: tuple, latent_dim: int) -> GanNetworks:
    """The guides' DCGAN: its generator and its discriminator, exactly."""
    return _gan(shape, latent_dim, _dcgan_generator, _dcgan_discriminator)


def gan_classroom(shape: tuple, latent_dim: int) -> GanNetworks:
    """A slim DCGAN that learns to draw digits in minutes on a laptop's CPU."""
    return _gan(shape, latent_dim, _classroom_generator, _classroom_discriminator)


def gan_conditional(shape: tuple, latent_dim: int, classes: int) -> GanNetworks:
    """gan-classroom told the class of every image, so that it draws the digit asked for.

    The generator reads the class beside the noise. The discriminator is a projection
    discriminator (Miyato & Koyama, 2018): the class picks a direction in its feature space,
    and how far an image's features point that way adds to its logit, so it judges "a real
    image of this class", not just "a real image".
    """
    _check_sides(shape)
    height, width, channels = shape
    noise = keras.Input(shape=(latent_dim,), name="noise")
    label = keras.Input(shape=(), dtype="int32", name="label")
    drawing = layers.Concatenate()([noise, layers.Embedding(classes, 16)(label)])
    for layer in _classroom_generator(height // 4, width // 4, channels, latent_dim + 16).layers:
        drawing = layer(drawing)
    generator = keras.Model([noise, label], drawing, name="generator")

    image = keras.Input(shape=shape, name="image")
    label = keras.Input(shape=(), dtype="int32", name="label")
    *feature_layers, logit_layer = _classroom_discriminator(shape).layers
    features = image
    for layer in feature_layers:
        features = layer(features)
    direction = layers.Embedding(classes, features.shape[-1])(label)
    logit = layers.Add()([logit_layer(features), layers.Dot(axes=1)([direction, features])])
    discriminator = keras.Model([image, label], logit, name="discriminator")
    return GanNetworks(generator, discriminator, latent_dim, classes)


def _gan(shape: tuple, latent_dim: int, generator, discriminator) -> GanNetworks:
    _check_sides(shape)
    height, width, channels = shape
    return GanNetworks(
        generator(height // 4, width // 4, channels, latent_dim), discriminator(shape), latent_dim
    )


def _check_sides(shape: tuple) -> None:
    # The generator upsamples twice by 2, from a map a quarter of the image's sides.
    height, width, _ = shape
    if height % 4 or width % 4:
        raise ConfigError(
            f"A GAN's generator upsamples twice by 2, so image sides must be multiples of 4. "
            f"Received: image shape {shape}"
        )


def _dcgan_discriminator(shape):
    # Exactly the guides' discriminator: two strided convolutions and a logit.
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def _dcgan_generator(rows, columns, channels, latent_dim):
    # Exactly the guides' generator: 128 coefficients per cell of a 7x7 map, upsampled twice.
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(rows * columns * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((rows, columns, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(channels, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


def _classroom_discriminator(shape):
    # Narrower than the DCGAN's, with a third strided convolution that sees whole strokes
    # (it lifts the samples' score from about 5.9 to 6.2 in three minutes), and dropout so it
    # does not win too early.
    return keras.Sequential(
        [
            keras.Input(shape=shape),
            layers.Conv2D(32, 4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(64, 4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, 3, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def _classroom_generator(rows, columns, channels, latent_dim):
    # 64 and 32 channels where the DCGAN has 128, and the last upsampling draws the image:
    # about a fortieth of its arithmetic, so two CPU cores train several batches a second.
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,)),
            layers.Dense(rows * columns * 64),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((rows, columns, 64)),
            layers.Conv2DTranspose(32, 4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )
