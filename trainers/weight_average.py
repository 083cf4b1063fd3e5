"""A copy of a network whose weights are the exponential moving average of the network's.

A GAN's generator chases a discriminator that keeps moving, so its weights wobble from step
to step and so do its samples. The average of its recent weights draws steadier, sharper
samples than any single step's weights (Yazıcı et al., "The Unusual Effectiveness of
Averaging in GAN Training", 2019): the GAN studio shows the average's samples, and a run
leaves the average behind as its generator.
"""

from __future__ import annotations

import keras
import tensorflow as tf

DECAY = 0.999  # each step moves the average a thousandth of the way: about 1,000 steps' memory
EVERY = 4  # steps between two moves of the average: one move costs about 0.6 ms on 2 cores


class WeightAverage:
    """A network's moving average, updated after every training step.

    Attributes:
        model: the averaged copy, with the network's architecture.
    """

    def __init__(self, network: keras.Model, decay: float = DECAY) -> None:
        self.network = network
        self.decay = decay
        self.model = keras.models.clone_model(network)
        self.reset()

    def reset(self) -> None:
        """Forgets the past: the average becomes the network's weights as they are now."""
        self.model.set_weights(self.network.get_weights())

    def update(self, step: int) -> None:
        """Moves the average towards the network's weights after training step `step`.

        The average moves every `EVERY` steps, by as much as `EVERY` steps' moves would: the
        weights change little from one step to the next, and copying them every step would
        cost a few percent of a small GAN's training. Early on the average forgets faster (a
        decay of `(1 + step) / (10 + step)` until it reaches `decay`), so that the first
        samples do not lag behind the network's.
        """
        if step % EVERY:
            return
        decay = min(self.decay, (1 + step) / (10 + step)) ** EVERY
        self._move(tf.constant(decay, dtype="float32"))

    @tf.function  # one call for all the weights, not one per weight
    def _move(self, decay: tf.Tensor) -> None:
        for average, weight in zip(self.model.weights, self.network.weights, strict=True):
            average.assign_sub((1 - decay) * (average - weight))
