"""Fashion-MNIST on the training device: found offline, verified, batched by index slicing.

``fashion_mnist()`` returns both splits as uint8 tensors already on the device; batches are
index slices converted to float per batch exactly as torchvision's ``ToTensor`` does
(:math:`x = \\mathrm{uint8}/255` in float32). No ``DataLoader`` and no worker processes, so
an epoch costs little more than the model's own forward and backward passes.

Where the files come from, first match wins:

1. ``<data dir>/FashionMNIST/raw/`` already holds the four decompressed files;
2. a directory you name (``source=`` or ``$LRCOURSE_FASHION_MNIST_SOURCE``) holding the four
   original files (``.gz`` or decompressed);
3. the Debian/Ubuntu package ``dataset-fashion-mnist`` (``apt-get install
   dataset-fashion-mnist``), found with ``dpkg -L``;
4. torchvision's download (needs network).

The data directory is ``root=``, else ``$LRCOURSE_DATA``, else ``$XDG_CACHE_HOME/lrcourse``
(``~/.cache/lrcourse``). Every file is written to a temporary name and renamed into place,
and its decompressed contents are checked against the known MD5 digests below, so an
interrupted copy or download never leaves a half-written file that looks complete.

Example:
    >>> data = fashion_mnist(train_subset=512, test_subset=256, device="cpu")
    >>> x, y = next(data.batches("train", 256, seed=0, epoch=0))
    >>> x.shape, x.dtype
    (torch.Size([256, 1, 28, 28]), torch.float32)

Reference: H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms", arXiv:1708.07747 (2017).
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from .device import resolve_device
from . import checks

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SOURCE_ENV, DATA_ENV = "LRCOURSE_FASHION_MNIST_SOURCE", "LRCOURSE_DATA"

# Size in bytes and MD5 of each *decompressed* original file. Computed from the Debian
# package's files (its .gz are recompressed, so torchvision's .gz digests differ, but the
# decompressed bytes are the originals); the same digests are published as the raw-file
# table of several Fashion-MNIST loaders and in the dataset's README instructions.
KNOWN_FILES = {
    "train-images-idx3-ubyte": (47040016, "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    "train-labels-idx1-ubyte": (60008, "9018921c3c673c538a1fc5bad174d6f9"),
    "t10k-images-idx3-ubyte": (7840016, "8181f5470baa50b63fa0f6fddb340f0a"),
    "t10k-labels-idx1-ubyte": (10008, "15d484375f8d13e6eb1aabb0c3f46965"),
}
SPLITS = {"train": "train", "test": "t10k"}


class DataUnavailableError(RuntimeError):
    """Fashion-MNIST is neither in the data directory, nor in a local source, nor downloadable."""


class DataCorruptError(RuntimeError):
    """A Fashion-MNIST file is truncated or does not hold the original bytes (names the file)."""


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """The data directory: ``root``, else ``$LRCOURSE_DATA``, else ``$XDG_CACHE_HOME/lrcourse``
    (``~/.cache/lrcourse`` when ``XDG_CACHE_HOME`` is unset)."""
    if root is None:
        root = os.environ.get(DATA_ENV) or None
    if root is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(cache) / "lrcourse"
    return Path(root).expanduser()


def raw_dir(root: str | os.PathLike | None = None) -> Path:
    """Where torchvision's ``FashionMNIST`` reads the decompressed files."""
    return data_dir(root) / "FashionMNIST" / "raw"


def debian_source() -> Path | None:
    """The directory of the ``dataset-fashion-mnist`` package's files, or None."""
    if shutil.which("dpkg"):
        try:
            out = subprocess.run(["dpkg", "-L", DEBIAN_PACKAGE], capture_output=True,
                                 text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            if line.endswith("/train-images-idx3-ubyte.gz"):
                return Path(line).parent
    return DEBIAN_DIR if (DEBIAN_DIR / "train-images-idx3-ubyte.gz").exists() else None


def _check_header(path: Path, name: str, shown) -> None:
    """Raise DataCorruptError when the idx header is wrong or the file is shorter than it says."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(16)
    ndim = 3 if "images" in name else 1
    magic = 0x0800 + ndim
    if len(head) < 4 + 4 * ndim or int.from_bytes(head[:4], "big") != magic:
        raise DataCorruptError(f"{shown}: not an idx file of {name} (bad or missing header); "
                               "delete it and run `lrcourse data` again")
    dims = [int.from_bytes(head[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if size != expected:
        raise DataCorruptError(f"{shown}: truncated or padded ({size} bytes, its header says "
                               f"{expected}); delete it and run `lrcourse data` again")


def verify(path: str | os.PathLike, name: str | None = None, shown: str | os.PathLike | None = None) -> None:
    """Check a decompressed Fashion-MNIST file: idx header, size and MD5 (``KNOWN_FILES``).

    Raises:
        DataCorruptError: naming ``shown`` (default ``path``) when it is truncated or its bytes differ.
    """
    path = Path(path)
    name, shown = name or path.name, shown or path
    _check_header(path, name, shown)
    size, md5 = KNOWN_FILES[name]
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if path.stat().st_size != size or digest != md5:
        raise DataCorruptError(f"{shown}: contents differ from the original {name} (md5 {digest}, "
                               f"expected {md5}); delete it and run `lrcourse data` again")


def _install(src: Path, dest: Path, shown=None) -> None:
    """Copy (decompressing a .gz) ``src`` to ``dest`` via a temp file, verify, then rename.
    Errors name ``shown`` (default ``src``)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        opener = gzip.open if src.suffix == ".gz" else open
        with os.fdopen(fd, "wb") as out, opener(src, "rb") as inp:
            try:
                shutil.copyfileobj(inp, out, 1 << 20)
            except (EOFError, OSError, gzip.BadGzipFile) as exc:
                raise DataCorruptError(f"{shown or src}: cannot be read ({exc}); "
                                       "it is truncated or not a Fashion-MNIST file") from exc
        verify(tmp, dest.name, shown=shown or src)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        _VERIFIED.add(_stamp(dest))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _find_in(source: Path, name: str) -> Path | None:
    for candidate in (source / name, source / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _download(root: Path, raw: Path, missing: list[str]) -> None:
    """torchvision's download into a private temp dir; only verified files are moved in."""
    import torchvision

    tmp = tempfile.mkdtemp(prefix=".download-", dir=root)
    try:
        torchvision.datasets.FashionMNIST(tmp, train=True, download=True)
        for name in missing:
            _install(Path(tmp) / "FashionMNIST" / "raw" / name, raw / name, shown=f"downloaded {name}")
    except DataCorruptError:
        raise
    except Exception as exc:
        raise DataUnavailableError(
            f"Fashion-MNIST is not in {raw} and could not be downloaded ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'}). Either "
            f"download the four files {', '.join(f'{n}.gz' for n in KNOWN_FILES)} elsewhere "
            f"(https://github.com/zalandoresearch/fashion-mnist) and copy them into {raw} "
            f"(or point ${SOURCE_ENV} at them), or `apt-get install {DEBIAN_PACKAGE}`") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _named_by(root) -> str:
    """Where the data directory came from, for an error message."""
    if root is not None:
        return "give another folder as root= (--root, --data-root)"
    if os.environ.get(DATA_ENV):
        return f"point ${DATA_ENV} at a folder"
    return f"point ${DATA_ENV} (or $XDG_CACHE_HOME) at a folder"


def prepare(root: str | os.PathLike | None = None, *, source: str | os.PathLike | None = None,
            download: bool = True) -> Path:
    """Make sure the four verified files are in ``<data dir>/FashionMNIST/raw``; return the data dir.

    Args:
        root: data directory (default: see :func:`data_dir`).
        source: a directory holding the four original files (default ``$LRCOURSE_FASHION_MNIST_SOURCE``,
            then the Debian package ``dataset-fashion-mnist``).
        download: allow torchvision's download as the last resort (default True).

    Raises:
        DataUnavailableError: no local copy and no download (names the directory and remedies), or
            the data or source directory is a file (names it and where it came from).
        DataCorruptError: a file is truncated or corrupted (names the file).
    """
    given = root
    root = data_dir(root)
    raw = raw_dir(root)
    blocking = next((p for p in (raw, *raw.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:  # the data directory, or a folder on the way to it, is a file
        what = "is a file, not a folder" if blocking == root else f"cannot be made: {blocking} is a file"
        raise DataUnavailableError(f"the data directory {root} {what}; {_named_by(given)}")
    raw.mkdir(parents=True, exist_ok=True)
    missing = [n for n in KNOWN_FILES if not (raw / n).exists()]
    if missing:
        explicit = source if source is not None else os.environ.get(SOURCE_ENV) or None
        src = Path(explicit).expanduser() if explicit is not None else debian_source()
        if explicit is not None and not src.is_dir():
            named = "source= (--source)" if source is not None else f"${SOURCE_ENV}"
            raise DataUnavailableError(f"the source directory {src} is not a folder "
                                       f"({'a file' if src.exists() else 'it does not exist'}); "
                                       f"it comes from {named}")
        found = {n: _find_in(src, n) for n in missing} if src is not None else {}
        absent = [n for n, p in found.items() if p is None]
        if explicit is not None and absent:
            raise DataUnavailableError(f"source directory {src} lacks {', '.join(absent)} "
                                       "(as .gz or decompressed); it must hold all four files")
        for name, path in found.items():
            if path is not None:
                _install(path, raw / name)
        missing = [n for n in KNOWN_FILES if not (raw / n).exists()]
    if missing and not download:
        raise DataUnavailableError(
            f"Fashion-MNIST is not in {raw} (missing {', '.join(missing)}) and download=False. "
            f"Download the four .gz files elsewhere and copy them into {raw}, "
            f"or `apt-get install {DEBIAN_PACKAGE}`")
    if missing:
        _download(root, raw, missing)
    return root


_CACHE: dict = {}
_VERIFIED: set = set()  # (path, size, mtime) of files verified by this process


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def load_split(split: str, root: str | os.PathLike | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One split as (uint8 images N x 1 x 28 x 28, int64 labels) on the CPU, read by torchvision.

    The files are prepared (:func:`prepare`) and verified once per process and file version.
    """
    checks.choice("split", split, tuple(SPLITS))
    import torchvision

    root = prepare(root)
    files = [raw_dir(root) / f"{SPLITS[split]}-{k}" for k in
             ("images-idx3-ubyte", "labels-idx1-ubyte")]
    key = (split,) + tuple(_stamp(f) for f in files)
    if key not in _CACHE:
        for f in files:
            if _stamp(f) not in _VERIFIED:
                verify(f)
                _VERIFIED.add(_stamp(f))
        ds = torchvision.datasets.FashionMNIST(root, train=split == "train", download=False)
        _CACHE[key] = (ds.data.unsqueeze(1).contiguous(), ds.targets.long())
    return _CACHE[key]


def stratified_subset(labels: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """Indices (sorted) of ``n`` examples drawn at random per class, in proportion to the class
    sizes (largest remainder), reproducible from ``seed``."""
    y = labels.cpu().numpy()
    classes, counts = np.unique(y, return_counts=True)
    quota = counts * n / len(y)
    take = np.floor(quota).astype(int)
    take[np.argsort(-(quota - take), kind="stable")[: n - take.sum()]] += 1
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed)).numpy()
    picked = [perm[y[perm] == c][:k] for c, k in zip(classes, take)]
    return torch.from_numpy(np.sort(np.concatenate(picked))).long()


def _check_subset(name: str, n, total: int) -> None:
    if n is None:
        return
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an int or None, got {n!r}")
    if not 1 <= n <= total:
        raise ValueError(f"{name} must be between 1 and {total} (or None for all), got {n}")


def _epoch_seed(seed: int, epoch: int) -> int:
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


@dataclass
class FashionMNIST:
    """The splits as uint8 tensors on one device: train, test and, when held out, val; see :meth:`batches`."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    root: Path | None = None
    classes: tuple = CLASSES
    val_images: torch.Tensor | None = None
    val_labels: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return self.train_images.device

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits this data holds: ``("train", "test")``, plus ``"val"`` when held out."""
        return ("train", "test") + (("val",) if self.val_labels is not None else ())

    def split(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        checks.choice("split", split, ("train", "val", "test"))
        if split not in self.splits:
            raise ValueError("split='val' needs a validation split: load the data with "
                             "fashion_mnist(..., validation=N)")
        return getattr(self, f"{split}_images"), getattr(self, f"{split}_labels")

    def num_examples(self, split: str) -> int:
        return len(self.split(split)[1])

    def num_batches(self, split: str, batch_size: int) -> int:
        return -(-self.num_examples(split) // batch_size)

    def to(self, device) -> FashionMNIST:
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return FashionMNIST(move(self.train_images), move(self.train_labels),
                            move(self.test_images), move(self.test_labels), self.root, self.classes,
                            move(self.val_images), move(self.val_labels))

    def batches(self, split: str, batch_size: int, shuffle: bool = True, seed: int = 0,
                epoch: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Yield ``(x, y)``: x float32 in [0, 1] (``ToTensor``'s values), the last batch may be short.

        The order depends only on ``(seed, epoch)``, so a resumed run sees the same batches.
        """
        checks.integer("batch_size", batch_size, low=1, type_error=False)
        images, labels = self.split(split)
        n = len(labels)
        if shuffle:
            g = torch.Generator().manual_seed(_epoch_seed(seed, epoch))
            order = torch.randperm(n, generator=g).to(self.device)
        for start in range(0, n, batch_size):
            if shuffle:
                idx = order[start:start + batch_size]
                x, y = images.index_select(0, idx), labels.index_select(0, idx)
            else:
                x, y = images[start:start + batch_size], labels[start:start + batch_size]
            yield x.to(torch.float32).div(255), y


def _hold_out(y: torch.Tensor, validation: int | None, train_subset: int | None, seed: int):
    """(train indices or None for all, val indices or None): ``validation`` examples stratified
    from the training split, then ``train_subset`` stratified from the rest."""
    if validation is None:
        return (None if train_subset is None or train_subset == len(y) else
                stratified_subset(y, train_subset, seed)), None
    val = stratified_subset(y, validation, seed)
    rest = torch.ones(len(y), dtype=torch.bool)
    rest[val] = False
    rest = rest.nonzero().squeeze(1)
    if train_subset is None or train_subset == len(rest):
        return rest, val
    return rest[stratified_subset(y[rest], train_subset, seed)], val


def fashion_mnist(root: str | os.PathLike | None = None, *, device=None, train_subset: int | None = None,
                  test_subset: int | None = None, seed: int = 0,
                  validation: int | None = None) -> FashionMNIST:
    """Fashion-MNIST on ``device`` (default: cuda, then mps, then cpu), optionally subsetted.

    Args:
        root: data directory (default ``$LRCOURSE_DATA`` or ``~/.cache/lrcourse``).
        device: where the uint8 tensors live (default: the training device).
        train_subset: keep this many training examples, stratified by class (default: all that
            are not held out for validation).
        test_subset: likewise for the 10000 test examples.
        seed: picks the subsets and the validation examples.
        validation: hold out this many training examples, stratified by class, as a ``"val"``
            split (default None: none). They are never trained on, and the test set is never
            touched: tune on ``"val"``, report on ``"test"``. ``train_subset`` is then drawn
            from the remaining training examples.

    Example:
        >>> data = fashion_mnist(train_subset=512, test_subset=256, validation=128, device="cpu")
        >>> [data.num_examples(s) for s in data.splits]
        [512, 256, 128]
    """
    device = resolve_device(device)
    _check_subset("validation", validation, 59999)
    _check_subset("train_subset", train_subset, 60000 - (validation or 0))
    _check_subset("test_subset", test_subset, 10000)
    train_x, train_y = load_split("train", root)
    _check_subset("validation", validation, len(train_y) - 1)
    _check_subset("train_subset", train_subset, len(train_y) - (validation or 0))
    train_idx, val_idx = _hold_out(train_y, validation, train_subset, seed)
    test_x, test_y = load_split("test", root)
    _check_subset("test_subset", test_subset, len(test_y))
    test_idx = None if test_subset in (None, len(test_y)) else stratified_subset(test_y, test_subset, seed)
    pick = lambda t, idx: (t if idx is None else t[idx]).to(device)  # noqa: E731
    val = (None, None) if val_idx is None else (pick(train_x, val_idx), pick(train_y, val_idx))
    return FashionMNIST(pick(train_x, train_idx), pick(train_y, train_idx), pick(test_x, test_idx),
                        pick(test_y, test_idx), data_dir(root), CLASSES, *val)
