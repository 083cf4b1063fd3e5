"""Reading the pickles inside keras.datasets files without letting them run code.

CIFAR-10's batches are pickled dicts, and reuters.npz holds its ragged newswires as pickled
object arrays. A pickle can name any Python function to call while it loads, so a tampered file
in the Keras cache could run code. The unpickler here accepts NumPy arrays and plain Python data
only, as keras.datasets does, and refuses everything else.
"""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain Python data only, as keras.datasets does.

    Refusing every other global means a tampered cache file cannot run code while it loads;
    it raises `pickle.UnpicklingError` instead.
    """

    _ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
        }
    )

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")


def read_object_npz(path: str) -> dict[str, np.ndarray]:
    """Reads an .npz holding object arrays (ragged sequences) with `NumpyOnlyUnpickler`.

    Args:
        path: the .npz file.

    Returns:
        Its arrays by name; numeric arrays are read without pickle.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            stream = io.BytesIO(archive.read(member))
            major, _ = np.lib.format.read_magic(stream)
            read_header = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = read_header(stream)
            if dtype.hasobject:
                array = NumpyOnlyUnpickler(stream).load()
            else:
                stream.seek(0)
                array = np.lib.format.read_array(stream, allow_pickle=False)
            arrays[member.removesuffix(".npy")] = array
    return arrays
