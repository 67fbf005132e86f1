"""Reading weights archives (.npz) without trusting them.

An .npz is a zip of .npy members. Each member's header (shape, dtype) is read first and
checked — floating point only, a shape whose size matches the bytes the member holds, and
whatever the caller expects — before a byte of its data is decompressed, so a file that
declares a 4 TiB array, or carries a 4 GB array the network never uses, costs nothing.
Members are read only when asked for; nothing is ever unpickled.
"""
from __future__ import annotations

import math
import os
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError
from .paths import check_regular_file

NPY_MAGIC = b"\x93NUMPY"
MAX_HEADER = 10_000
CHUNK = 1 << 22
READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, NotImplementedError,
               RuntimeError, OverflowError, KeyError, TypeError)


@dataclass(frozen=True)
class Entry:
    """One array of the archive, known from its header only."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    info: zipfile.ZipInfo

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


class NpzReader:
    """`with NpzReader(path) as npz:` then `npz.entries` ({key: Entry}) and `npz.read(key)`."""

    def __init__(self, path: str | os.PathLike):
        self.path = path
        check_regular_file(path)
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise FormatError(f"{path}: {_not_a_zip(path)}") from None
        except READ_ERRORS as e:
            raise FormatError(f"{path}: not a readable .npz weights file ({_reason(e)})") from None
        try:
            self.entries = {e.key: e for e in map(self._header, self.zip.infolist()) if e is not None}
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def _header(self, info: zipfile.ZipInfo) -> Entry | None:
        if info.is_dir() or not info.filename.endswith(".npy"):
            return None
        key = info.filename[:-4]
        try:
            with self.zip.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh, max_header_size=MAX_HEADER)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh, max_header_size=MAX_HEADER)
                else:
                    raise ValueError(f".npy format version {version[0]}.{version[1]} is not known")
                offset = fh.tell()
        except Exception as e:  # noqa: BLE001 - NumPy parses the header text with tokenize and ast:
            # whatever a damaged header makes them raise, the file is at fault
            raise FormatError(f"{self.path}: {_short(key)}: not a readable array ({_reason(e)})") from None
        if dtype.kind != "f" or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            raise FormatError(f"{self.path}: {_short(key)}: holds {_dtype_word(dtype)} values; "
                              "weights must be floating-point numbers")
        entry = Entry(key, tuple(int(s) for s in shape), dtype, bool(fortran), info)
        if entry.nbytes != info.file_size - offset:
            raise FormatError(f"{self.path}: {_short(key)}: its header declares {_shape(entry.shape)} "
                              f"({entry.nbytes:,} bytes) but it holds {max(info.file_size - offset, 0):,} bytes")
        return entry

    def read(self, key: str) -> np.ndarray:
        """The array as float32; the size was checked against the member when its header was read."""
        entry = self.entries[key]
        out = bytearray(entry.nbytes)
        view = memoryview(out)
        try:
            with self.zip.open(entry.info) as fh:
                fh.seek(entry.info.file_size - entry.nbytes)  # past the header
                done = 0
                while done < entry.nbytes:
                    got = fh.readinto(view[done:done + CHUNK])
                    if not got:
                        raise EOFError("the array data ends early")
                    done += got
        except READ_ERRORS as e:
            raise FormatError(f"{self.path}: {_short(key)}: the data cannot be read ({_reason(e)})") from None
        array = np.frombuffer(out, dtype=entry.dtype).reshape(entry.shape, order="F" if entry.fortran else "C")
        return array.astype(np.float32)


def _not_a_zip(path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(NPY_MAGIC))
    except OSError:
        head = b""
    if head == NPY_MAGIC:
        return "is a single .npy array, not an .npz archive of arrays named \"<layer id>/<name>\""
    return "not a readable .npz weights file (it is not a NumPy .npz archive)"


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if "pickle" in text:
        return "it holds Python objects, which are never loaded"
    if isinstance(error, zlib.error):
        return f"its compressed data is corrupt: {text}"
    return text if len(text) <= 120 else text[:117] + "..."


def _short(key: str) -> str:
    return key if len(key) <= 60 else key[:57] + "..."


def _shape(shape) -> str:
    return "×".join(map(str, shape)) or "a scalar"


def _dtype_word(dtype: np.dtype) -> str:
    words = {"c": "complex", "U": "text", "S": "byte-string", "M": "date-time", "m": "time-delta", "b": "true/false",
             "O": "Python-object", "V": "structured", "i": "integer", "u": "unsigned integer"}
    return f"{words.get(dtype.kind, dtype.kind)} ({dtype.str})"
