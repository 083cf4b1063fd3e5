"""A GAN trained by `fit()`: a Model with its own `compile()` and `train_step`.

A GAN has a generator that turns random points of a latent space into images, and a
discriminator that tells generated images from real ones. Each step trains the discriminator
on a mix of both, then trains the generator to fool it, with one optimizer for each network.
Overriding `compile()` gives the model its own signature: two optimizers and a loss function.

A conditional GAN is also told the class of every image: the generator draws the classes of
the real batch, and the discriminator judges each image together with its class.
`with_classes` hands both networks their classes when they take them.

As in the guides, the discriminator learns label 1 for generated images and 0 for real ones.
"""

import keras
import tensorflow as tf


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim, discriminator_steps, with_classes):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.with_classes = with_classes
        # How many discriminator updates per generator update: a variable, so that it can
        # change while the compiled train_step runs.
        self.discriminator_steps = discriminator_steps

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile(jit_compile=False)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_discriminator(self, real_images, classes):
        # Sample random points in the latent space and decode them to fake images
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))
        generated_images = self.generator(self.with_classes(random_latent_vectors, classes))

        # Combine them with real images
        combined_images = tf.concat([generated_images, real_images], axis=0)
        combined_classes = tf.concat([classes, classes], axis=0)

        # Assemble labels discriminating real from fake images
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        # Add random noise to the labels - important trick!
        labels += 0.05 * tf.random.uniform(tf.shape(labels))

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(
                self.with_classes(combined_images, combined_classes), training=True
            )
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

        # The discriminator's mean output (the chance it says "generated") on each half
        outputs = tf.sigmoid(predictions)
        return d_loss, tf.reduce_mean(outputs[batch_size:]), tf.reduce_mean(outputs[:batch_size])

    def train_generator(self, classes):
        # Sample random points in the latent space
        batch_size = tf.shape(classes)[0]
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))

        # Assemble labels that say "all real images"
        misleading_labels = tf.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with tf.GradientTape() as tape:
            generated_images = self.generator(self.with_classes(random_latent_vectors, classes))
            predictions = self.discriminator(self.with_classes(generated_images, classes))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return g_loss

    @tf.function  # AutoGraph turns this Python loop over a tensor into a graph loop
    def train_discriminator_steps(self, real_images, classes):
        d_loss, d_real, d_fake = self.train_discriminator(real_images, classes)
        for _ in tf.range(self.discriminator_steps - 1):
            d_loss, d_real, d_fake = self.train_discriminator(real_images, classes)
        return d_loss, d_real, d_fake

    def train_step(self, data):
        # The dataset holds images and their classes; only a conditional GAN looks at classes.
        real_images, classes = data[0], tf.cast(data[1], "int32")
        d_loss, d_real, d_fake = self.train_discriminator_steps(real_images, classes)
        g_loss = self.train_generator(classes)
        return {"d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}


def train(run):
    gan = GAN(
        run.discriminator,
        run.generator,
        run.latent_dim,
        run.discriminator_steps,
        run.with_classes,
    )
    gan.compile(
        d_optimizer=run.discriminator_optimizer,
        g_optimizer=run.optimizer,
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    # While the run is paused, a person may train one network on a single batch.
    run.offer_single_steps(gan.train_discriminator, gan.train_generator)
    # The train step returns each batch's own losses, not running means.
    gan.fit(
        run.train_dataset(),
        epochs=run.epochs,
        steps_per_epoch=run.steps_per_epoch,
        callbacks=[run.callback(reports="own")],
        shuffle=False,  # the order is already Looplab's own
        verbose=0,
    )
