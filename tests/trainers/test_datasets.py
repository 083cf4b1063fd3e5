"""Tests for `trainers.datasets`: real data and real files, no mocks.

The keras.datasets sources are read from small files written here in the exact format Keras
caches them, under a temporary `KERAS_HOME`.
"""

from __future__ import annotations

import gzip
import inspect
import os
import pickle
import socket
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from trainers import catalog
from trainers.datasets import DatasetError, keras_cache, load_dataset, npz
from trainers.datasets.split import source_reader


@pytest.fixture(scope="module")
def mnist5k():
    return load_dataset("mnist-5k")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache folder; `KERAS_HOME` points at its parent."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets"
    folder.mkdir()
    return folder


def _labels(count: int, classes: int = 10) -> np.ndarray:
    return np.arange(count) % classes


# --- The offline registry datasets ------------------------------------------------------------


def test_importing_loads_no_tensorflow():
    code = (
        "import sys, trainers.datasets; print(sorted({'tensorflow', 'keras'} & set(sys.modules)))"
    )
    root = Path(__file__).parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.stdout.strip() == "[]", result.stderr


def test_mnist_5k_is_images_in_unit_range(mnist5k):
    assert (mnist5k.kind, mnist5k.task, mnist5k.num_classes) == ("image", "classification", 10)
    assert mnist5k.class_names == [str(digit) for digit in range(10)]
    assert mnist5k.x_train.shape == (4500, 28, 28, 1)
    assert mnist5k.x_val.shape == (500, 28, 28, 1)
    assert mnist5k.x_train.dtype == np.float32 and mnist5k.y_train.dtype == np.int32
    assert mnist5k.x_train.min() == 0 and mnist5k.x_train.max() == 1
    assert mnist5k.x_test is None and mnist5k.y_test is None and mnist5k.sample_weight is None


def test_mnist_5k_is_shuffled_and_split_by_class(mnist5k):
    assert len(set(mnist5k.y_train[:100].tolist())) > 1
    everything = np.concatenate([mnist5k.y_train, mnist5k.y_val])
    for label in range(10):
        overall = np.mean(everything == label)
        assert abs(np.mean(mnist5k.y_val == label) - overall) <= 0.02, label


def test_the_seed_decides_the_order(mnist5k):
    again = load_dataset("mnist-5k", seed=0)
    other = load_dataset("mnist-5k", seed=1)
    np.testing.assert_array_equal(again.x_train, mnist5k.x_train)
    np.testing.assert_array_equal(again.y_val, mnist5k.y_val)
    assert not np.array_equal(other.y_train, mnist5k.y_train)


def test_runs_get_their_own_arrays():
    scribbled = load_dataset("digits")
    scribbled.x_train[:] = 0.5  # a run writing into its data must not reach the cache
    assert load_dataset("digits").x_train.max() == 1


def test_classes_keeps_only_those_labels():
    data = load_dataset("mnist-5k", classes=[3, 7])
    assert set(data.y_train.tolist()) == set(data.y_val.tolist()) == {3, 7}
    assert len(data.y_train) + len(data.y_val) == 1000
    assert data.num_classes == 10  # labels keep their values


def test_classes_must_exist_and_need_classification():
    with pytest.raises(DatasetError, match=r"\[12\] have no training examples.*classes=\[3, 12\]"):
        load_dataset("digits", classes=[3, 12])
    with pytest.raises(DatasetError, match="'regression' is a regression dataset"):
        load_dataset("regression", classes=[1])


def test_max_examples_limits_training_and_cuts_validation_in_proportion():
    data = load_dataset("mnist-5k", max_examples=90)
    assert len(data.x_train) == 90 and len(data.x_val) == 10


def test_no_validation_split_gives_empty_validation_arrays():
    data = load_dataset("digits", validation_split=0)
    assert data.x_val.shape == (0, 8, 8, 1) and data.y_val.shape == (0,)
    assert len(data.x_train) == 1797


def test_digits():
    data = load_dataset("digits")
    assert data.x_train.shape[1:] == (8, 8, 1) and data.x_train.dtype == np.float32
    assert data.x_train.max() == 1 and data.num_classes == 10
    assert len(data.x_train) + len(data.x_val) == 1797


def test_regression_is_the_guides_data_drawn_from_the_seed():
    data = load_dataset("regression", seed=4)
    assert (data.kind, data.task, data.num_classes, data.class_names) == (
        "vector",
        "regression",
        0,
        [],
    )
    assert data.x_train.shape == (900, 32) and data.y_train.shape == (900, 1)
    assert data.x_val.shape == (100, 32) and data.y_val.dtype == np.float32
    np.testing.assert_array_equal(load_dataset("regression", seed=4).x_train, data.x_train)
    assert not np.allclose(load_dataset("regression", seed=5).x_train, data.x_train)


@pytest.mark.parametrize("name", list(catalog.DATASETS))
def test_every_catalog_source_resolves_to_a_function_of_the_seed(name):
    function = source_reader(name)
    assert callable(function), catalog.DATASETS[name].source
    inspect.signature(function).bind(0)  # every source takes the run's seed


def test_unknown_name_lists_the_choices():
    with pytest.raises(DatasetError, match=r"'mnist-5k'.*\.npz file\. Received: dataset='mnst'"):
        load_dataset("mnst")


# --- keras.datasets files in the Keras cache --------------------------------------------------


def test_mnist_reads_the_keras_npz(cache):
    x_train = np.repeat(_labels(40), 28 * 28).reshape(40, 28, 28).astype(np.uint8) * 20
    x_test = np.full((6, 28, 28), 255, np.uint8)
    np.savez(cache / "mnist.npz", x_train=x_train, y_train=_labels(40).astype(np.uint8),
             x_test=x_test, y_test=_labels(6).astype(np.uint8))  # fmt: skip
    data = load_dataset("mnist")
    assert data.x_train.shape[1:] == (28, 28, 1) and len(data.x_train) + len(data.x_val) == 40
    # Every image is its label times 20: the shuffle kept images and labels together.
    np.testing.assert_allclose(data.x_train[:, 0, 0, 0], data.y_train * 20 / 255, rtol=1e-6)
    assert data.x_test.shape == (6, 28, 28, 1) and data.x_test.max() == 1
    np.testing.assert_array_equal(data.y_test, _labels(6))


def test_fashion_mnist_reads_the_idx_files(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    for prefix, count in (("train", 30), ("t10k", 10)):
        labels = _labels(count).astype(np.uint8)
        images = np.repeat(labels * 20, 28 * 28).astype(np.uint8)
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as file:
            file.write(struct.pack(">II", 2049, count) + labels.tobytes())
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as file:
            file.write(struct.pack(">IIII", 2051, count, 28, 28) + images.tobytes())
    data = load_dataset("fashion-mnist")
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"
    np.testing.assert_allclose(data.x_train[:, 5, 5, 0], data.y_train * 20 / 255, rtol=1e-6)
    assert data.x_test.shape == (10, 28, 28, 1)
    np.testing.assert_array_equal(data.y_test, _labels(10))


def _cifar_batch(path, count: int, first: int = 0) -> None:
    labels = _labels(count) if not first else (_labels(count) + first) % 10
    # Channel c of each image holds c * 50 + label, stored channels-first as CIFAR does.
    images = np.stack([np.full((count, 32 * 32), c * 50) + labels[:, None] for c in range(3)], 1)
    batch = {b"batch_label": b"batch", b"labels": labels.tolist(),
             b"data": images.reshape(count, 3072).astype(np.uint8),
             b"filenames": [b"image.png"] * count}  # fmt: skip
    with open(path, "wb") as file:
        pickle.dump(batch, file)


def test_cifar10_reads_the_pickled_batches_from_the_extracted_folder(cache):
    folder = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for i in range(1, 6):
        _cifar_batch(folder / f"data_batch_{i}", 10, first=i)
    _cifar_batch(folder / "test_batch", 5)
    data = load_dataset("cifar10")
    assert data.x_train.shape[1:] == (32, 32, 3) and len(data.x_train) + len(data.x_val) == 50
    assert data.class_names[0] == "airplane" and data.class_names[9] == "truck"
    for channel in range(3):
        expected = (channel * 50 + data.y_train) / 255
        np.testing.assert_allclose(data.x_train[:, 3, 4, channel], expected, rtol=1e-6)
    assert data.x_test.shape == (5, 32, 32, 3)
    np.testing.assert_array_equal(data.y_test, _labels(5))


def test_cifar10_refuses_a_pickle_that_would_run_code(cache):
    folder = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in keras_cache._CIFAR10_BATCHES:
        (folder / name).write_bytes(pickle.dumps({b"data": os.getcwd}))  # refers to os.getcwd
    with pytest.raises(DatasetError, match=r"Cannot read .*data_batch_1.*refusing to unpickle"):
        load_dataset("cifar10")


def test_reuters_is_split_and_padded_as_keras_does(cache):
    rng = np.random.default_rng(0)
    newswires = [rng.integers(1, 50, size=length).tolist() for length in (3, 320, 12) * 5]
    x = np.empty(len(newswires), dtype=object)
    x[:] = newswires
    np.savez(cache / "reuters.npz", x=x, y=_labels(15, 46))
    data = load_dataset("reuters", validation_split=0)

    # keras.datasets.reuters.load_data(), step by step, with its defaults.
    from keras.utils import pad_sequences

    order = np.arange(15)
    np.random.RandomState(113).shuffle(order)
    words = [[1] + [w + 3 for w in newswires[i]] for i in order]
    top = max(max(newswire) for newswire in words)
    words = [[w if w < top else 2 for w in newswire] for newswire in words]
    expected = pad_sequences(words, maxlen=300, truncating="pre")
    assert (data.kind, data.num_classes, data.class_names[3]) == ("sequence", 46, "earn")
    assert data.x_train.dtype == np.int32 and data.x_train.shape == (12, 300)
    np.testing.assert_array_equal(np.sort(data.y_train), np.sort(_labels(15, 46)[order[:12]]))
    np.testing.assert_array_equal(data.x_test, expected[12:])
    np.testing.assert_array_equal(data.y_test, _labels(15, 46)[order[12:]])
    assert data.vocabulary_size == expected.max() + 1


def test_a_corrupt_cached_file_is_named(cache):
    (cache / "mnist.npz").write_bytes(b"not a zip archive")
    with pytest.raises(DatasetError, match=r"Cannot read .*mnist\.npz.*corrupt"):
        load_dataset("mnist")


def _online() -> bool:
    try:
        socket.getaddrinfo("storage.googleapis.com", 443)
    except OSError:
        return False
    return True


def test_a_missing_file_says_where_to_place_it(tmp_path, monkeypatch):
    if _online():
        pytest.skip("the real download would succeed on this machine")
    import keras  # noqa: F401  # Keras has read KERAS_HOME already; Looplab must re-read it

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(DatasetError) as error:
        load_dataset("mnist")
    message = str(error.value)
    assert "downloading it failed" in message
    assert str(tmp_path / "datasets" / "mnist.npz") in message
    assert "tf-keras-datasets/mnist.npz" in message and "'mnist-5k'" in message

    with pytest.raises(DatasetError) as error:
        load_dataset("cifar10")
    assert str(tmp_path / "datasets" / "cifar-10-batches-py-target_archive") in str(error.value)


# --- A person's own .npz file -----------------------------------------------------------------


def _npz(tmp_path, **arrays) -> str:
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    return str(path)


def _images(count=20):
    return np.full((count, 6, 6), 255, np.uint8)


def test_npz_grey_uint8_images(tmp_path):
    path = _npz(tmp_path, x_train=_images(), y_train=_labels(20, 4),
                x_test=_images(4), y_test=_labels(4, 4))  # fmt: skip
    data = load_dataset(path)
    assert data.name == "data.npz" and (data.kind, data.task) == ("image", "classification")
    assert data.x_train.shape[1:] == (6, 6, 1) and data.x_train.max() == 1
    assert data.num_classes == 4 and data.class_names == ["0", "1", "2", "3"]
    assert data.x_test.shape == (4, 6, 6, 1) and data.y_test.dtype == np.int32


def test_npz_float_colour_images_in_unit_range_are_kept(tmp_path):
    x = np.full((20, 5, 5, 3), 0.25)
    data = load_dataset(_npz(tmp_path, x_train=x, y_train=_labels(20, 2).astype(float)))
    assert data.x_train.shape[1:] == (5, 5, 3) and data.x_train.max() == np.float32(0.25)
    assert data.task == "classification" and data.y_train.dtype == np.int32


def test_npz_vectors_and_regression(tmp_path):
    x = np.arange(200.0).reshape(50, 4) - 100  # vectors keep their values, negative or not
    data = load_dataset(_npz(tmp_path, x_train=x, y_train=x[:, 0] + 0.5), validation_split=0.2)
    assert (data.kind, data.task, data.num_classes) == ("vector", "regression", 0)
    assert data.x_train.dtype == np.float32 and data.x_train.shape == (40, 4)
    assert data.y_train.shape == (40, 1) and data.y_val.shape == (10, 1)
    np.testing.assert_array_equal(data.y_train[:, 0], data.x_train[:, 0] + 0.5)


def test_npz_sample_weight_follows_its_examples(tmp_path):
    x = np.arange(60.0).reshape(30, 2)
    path = _npz(tmp_path, x_train=x, y_train=_labels(30, 3), sample_weight=x[:, 0] / 10)
    data = load_dataset(path, classes=[1, 2])
    assert data.sample_weight.dtype == np.float32 and len(data.sample_weight) == len(data.x_train)
    np.testing.assert_allclose(data.sample_weight, data.x_train[:, 0] / 10, rtol=1e-6)
    assert set(data.y_train.tolist()) == {1, 2}


def test_npz_missing_file(tmp_path):
    with pytest.raises(DatasetError, match=r"No \.npz file at .*nothing\.npz.*Received"):
        load_dataset(str(tmp_path / "nothing.npz"))


def test_npz_larger_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(npz, "MAX_NPZ_BYTES", 100)
    with pytest.raises(DatasetError, match=r"larger than the .* MiB Looplab loads"):
        load_dataset(_npz(tmp_path, x_train=_images(), y_train=_labels(20)))


def test_npz_that_is_not_a_zip(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(DatasetError, match=r"not a valid \.npz file.*not a zip archive"):
        load_dataset(str(path))


x20 = np.zeros((20, 3))
y20 = _labels(20)
ragged = np.empty(20, dtype=object)
ragged[:] = [[1, 2]] * 20


@pytest.mark.parametrize(
    ("arrays", "problem", "received"),
    [
        ({"x_train": ragged, "y_train": y20}, "refuses pickle", "dtype object"),
        ({"x_train": x20}, "lacks 'y_train'. Expected keys: x_train and y_train", "['x_train']"),
        ({"x_train": x20, "y_train": y20, "labels": y20}, "unknown key(s) 'labels'", "'labels'"),
        ({"x_train": x20, "y_train": y20, "x_test": x20}, "come together", "'x_test'"),
        ({"x_train": x20, "y_train": y20.astype(str)}, "must hold numbers", "dtype <U"),
        ({"x_train": np.zeros(20), "y_train": y20}, "must have 2 dimensions", "shape (20,)"),
        ({"x_train": np.zeros((20, 4, 4, 2)), "y_train": y20}, "1 or 3 channels", "(20, 4, 4, 2)"),
        ({"x_train": x20, "y_train": y20[:9]}, "one label per example", "20 examples"),
        ({"x_train": x20[:0], "y_train": y20[:0]}, "holds no examples", "shape (0, 3)"),
        ({"x_train": x20 + np.nan, "y_train": y20}, "holds NaN values", "60 NaN or inf"),
        ({"x_train": x20, "y_train": np.full(20, np.inf)}, "holds inf values", "NaN or inf"),
        ({"x_train": x20, "y_train": y20 - 1}, "whole numbers from 0 to 999", "from -1 to 8"),
        ({"x_train": x20, "y_train": y20 + 995}, "whole numbers from 0 to 999", "to 1004"),
        ({"x_train": x20, "y_train": np.eye(20)}, "labels of shape (N,)", "(20, 20)"),
        (
            {"x_train": x20, "y_train": y20, "x_test": np.zeros((4, 5)), "y_test": y20[:4]},
            "same shape as x_train's",
            "x_test of shape (4, 5)",
        ),
        ({"x_train": np.full((20, 4, 4), -1.0), "y_train": y20}, "in [0, 1]", "from -1"),
        ({"x_train": x20, "y_train": y20, "sample_weight": y20[:5]}, "one weight per", "(5,)"),
        ({"x_train": x20, "y_train": y20, "sample_weight": y20 - 3.0}, ">= 0", "of -3"),
        ({"x_train": x20, "y_train": y20, "sample_weight": y20 * np.nan}, "NaN", "sample_w"),
    ],
)
def test_npz_bad_input_is_explained(tmp_path, arrays, problem, received):
    path = _npz(tmp_path, **arrays)
    with pytest.raises(DatasetError) as error:
        load_dataset(path)
    message = str(error.value)
    assert message.startswith(path) and problem in message, message
    assert received in message.split("Received: ")[-1], message
