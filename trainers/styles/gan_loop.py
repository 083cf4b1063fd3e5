"""The GAN training loop from scratch.

1. Train the discriminator: decode random latent points into fake images, mix them with real
   ones, and train the discriminator to tell which is which.
2. Train the generator: decode new random points, and train the generator so that the
   discriminator calls its images real. Only the generator's weights change in this step.

A conditional GAN is also told the class of every image: the generator draws the classes of
the real batch, and the discriminator judges each image together with its class.
`run.with_classes` hands both networks their classes when they take them.

The step is compiled with `tf.function` for this run; the loop around it is plain Python.
As in the guide, the discriminator learns label 1 for generated images and 0 for real ones.
"""

import keras
import tensorflow as tf


def train(run):
    generator, discriminator, latent_dim = run.generator, run.discriminator, run.latent_dim
    with_classes = run.with_classes
    # Instantiate one optimizer for the discriminator and another for the generator.
    d_optimizer, g_optimizer = run.discriminator_optimizer, run.optimizer
    # Instantiate a loss function.
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def discriminator_step(real_images, classes):
        batch_size = tf.shape(real_images)[0]
        # Sample random points in the latent space and decode them to fake images
        random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
        generated_images = generator(with_classes(random_latent_vectors, classes))
        # Combine them with real images, and label them: 1 for fake, 0 for real
        combined_images = tf.concat([generated_images, real_images], axis=0)
        combined_classes = tf.concat([classes, classes], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        # Add random noise to the labels - important trick!
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            predictions = discriminator(
                with_classes(combined_images, combined_classes), training=True
            )
            d_loss = loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
        outputs = tf.sigmoid(predictions)
        return d_loss, tf.reduce_mean(outputs[batch_size:]), tf.reduce_mean(outputs[:batch_size])

    @tf.function
    def generator_step(classes):
        batch_size = tf.shape(classes)[0]
        random_latent_vectors = tf.random.normal(shape=(batch_size, latent_dim))
        # Assemble labels that say "all real images"
        misleading_labels = tf.zeros((batch_size, 1))
        # Train the generator; the discriminator's weights stay as they are.
        with tf.GradientTape() as tape:
            generated_images = generator(with_classes(random_latent_vectors, classes))
            predictions = discriminator(with_classes(generated_images, classes))
            g_loss = loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
        return g_loss

    # While the run is paused, a person may train one network on a single batch.
    run.offer_single_steps(discriminator_step, generator_step)

    for epoch in range(run.epochs):
        for step, (real_images, classes, _) in enumerate(run.batches(epoch)):
            # Train the discriminator & generator on one batch of real images.
            classes = classes.astype("int32")
            for _ in range(int(run.discriminator_steps)):
                d_loss, d_real, d_fake = discriminator_step(real_images, classes)
            g_loss = generator_step(classes)
            losses = {"d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}
            if not run.report_batch(epoch, step, own=losses):
                return
