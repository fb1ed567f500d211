"""Each cohort's engine input columns, kept between re-scores.

A national cohort holds 437,500 entries: reading and decoding them is ~0.7 s, the engine's
work on them a few milliseconds. So a re-score does not read them all again. It starts from the
cohort's columns as last seen, asks the database which assessments changed since then (their
`inputs_seq`, which triggers on the entry table bump on every INSERT, UPDATE or DELETE,
whatever wrote it), and re-reads only those (services._sync).

Where the columns come from, in order:
1. this process's memory, if the cohort's `CohortStore` row still has the generation and token
   this process last wrote or read (nobody re-scored the cohort since);
2. the row's `data`, a base copy another re-score saved (with the `inputs_seq` of each
   assessment as it was read, so whatever moved since is re-read);
3. every entry of the cohort (the first re-score, a changed framework version, `replace`).

Everything here runs inside the re-score's transaction, after the cohort's advisory lock: the
row, the snapshots and the memory copy move together or not at all (`Checkout.commit` is
called on commit only).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import lz4.block
import numpy as np
import numpy.typing as npt
import xxhash
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from chiso.collection.models import Period
from chiso.frameworks.models import FrameworkVersion
from chiso.lib import pgquery
from chiso.scoring.models import CohortStore

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Columns:
    """The inputs of a cohort's assessments (sorted by id), one column each.

    `self_m` holds the self-assessed inputs; `appr_m` those after the appraisal's overrides;
    `final_m` after the final stage's (each (engine columns, assessments), NaN = missing).

    A later stage with no override anywhere is the same array as the one before it (most
    cohorts: nothing appraised or finalised), not a copy: a national cohort's columns are
    4 MB instead of 13. Whoever patches them in place calls `patch`, which gives a stage its
    own array as soon as its values part from the stage before.
    """

    ids: Ints
    unit_ids: Ints
    seqs: Ints  # each assessment's inputs_seq when its entries were read
    self_m: Floats
    appr_m: Floats
    final_m: Floats
    appraised: npt.NDArray[np.bool_]

    @property
    def nbytes(self) -> int:
        return sum({id(a): a.nbytes for a in self._arrays().values()}.values())

    def patch(
        self, at: npt.NDArray[np.intp], self_m: Floats, appr_m: Floats, final_m: Floats
    ) -> None:
        """Set the columns `at` of each stage (new values (engine columns, len(at))), in
        place, keeping a shared stage shared only while its values stay those of the stage
        before it."""
        if self.appr_m is self.self_m and differs(self_m, appr_m).any():
            follows = self.final_m is self.appr_m
            self.appr_m = self.self_m.copy()
            if follows:
                self.final_m = self.appr_m
        if self.final_m is self.appr_m and differs(appr_m, final_m).any():
            self.final_m = self.appr_m.copy()
        self.self_m[:, at] = self_m
        self.appr_m[:, at] = appr_m
        self.final_m[:, at] = final_m

    def _arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "ids": self.ids,
            "unit_ids": self.unit_ids,
            "seqs": self.seqs,
            "self_m": self.self_m,
            "appr_m": self.appr_m,
            "final_m": self.final_m,
            "appraised": self.appraised,
        }

    def dumps(self) -> bytes:
        """The base copy: the arrays, raw, in one LZ4 block behind a small header; the two
        later stages as their differences from the one before (few entries are appraised or
        finalised), so a base copy is about one matrix.

        Compressed, a national cohort's 4.3 MB are ~1.5 MB (the inputs are mostly small
        integers and NaN). Fetching the row is PostgreSQL reading its TOAST chunks (~2 KB
        each): 16 ms uncompressed, ~5 ms now; LZ4 unpacks it in ~3 ms. (zstd packs tighter,
        ~0.9 MB, but takes ~8 ms to unpack: slower in all.)
        """
        arrays = {k: v for k, v in self._arrays().items() if k not in ("appr_m", "final_m")}
        for name, before, after in (
            ("appr", self.self_m, self.appr_m),
            ("final", self.appr_m, self.final_m),
        ):
            where = np.flatnonzero(differs(before, after))
            arrays[f"{name}_at"] = where.astype(np.int64)
            arrays[f"{name}_values"] = after.ravel()[where]
        layout = [[k, a.dtype.str, list(a.shape)] for k, a in arrays.items()]
        header = json.dumps(layout, separators=(",", ":")).encode()
        body = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
        packed = lz4.block.compress(body, store_size=False)
        sizes = len(header).to_bytes(4, "little") + len(body).to_bytes(8, "little")
        # An LZ4 block has no checksum of its own: xxh3 of the arrays, checked on load.
        digest = xxhash.xxh3_64_digest(body)
        return b"".join((_MAGIC, sizes, digest, header, packed))

    @classmethod
    def loads(cls, data: bytes) -> Columns | None:
        """The columns of a base copy, or None for one this build cannot read (an older
        format, a damaged one): the re-score then reads every entry and saves a new copy."""
        try:
            arrays = _unpack(data)
            self_m = arrays["self_m"]
            appr_m = _then(self_m, arrays["appr_at"], arrays["appr_values"])
            final_m = _then(appr_m, arrays["final_at"], arrays["final_values"])
            ids, units, seqs, appraised = (
                arrays[k] for k in ("ids", "unit_ids", "seqs", "appraised")
            )
        except (
            KeyError,
            ValueError,
            IndexError,
            TypeError,
            OverflowError,
            MemoryError,
            lz4.block.LZ4BlockError,
        ):
            return None
        if not len(ids) == len(units) == len(seqs) == len(appraised) == self_m.shape[1]:
            return None
        return cls(ids, units, seqs, self_m, appr_m, final_m, appraised)


def shared(self_m: Floats, appr_m: Floats, final_m: Floats) -> tuple[Floats, Floats, Floats]:
    """The three stages, each later one the same array as the one before when it holds the
    same values (see Columns)."""
    if appr_m is not self_m and not differs(self_m, appr_m).any():
        final_m = self_m if final_m is appr_m else final_m
        appr_m = self_m
    if final_m is not appr_m and not differs(appr_m, final_m).any():
        final_m = appr_m
    return self_m, appr_m, final_m


def _then(before: Floats, at: Ints, values: Floats) -> Floats:
    """A later stage: the stage before with `values` at the flat positions `at`; that same
    array when nothing differs (see Columns)."""
    if not len(at):
        return before
    after = before.copy()
    after.ravel()[at] = values
    return after


# Base copies start with this; anything else (the npz copies of earlier builds) is not read.
_MAGIC = b"chiso-columns/3\n"


def _unpack(data: bytes) -> dict[str, npt.NDArray[Any]]:
    """The arrays of a base copy, each a writable view of one decompressed buffer."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a base copy of this format")
    at = len(_MAGIC)
    size = int.from_bytes(data[at : at + 4], "little")
    length = int.from_bytes(data[at + 4 : at + 12], "little")
    digest = data[at + 12 : at + 20]
    start = at + 20 + size
    # LZ4 packs at most 255:1; a length beyond that is a damaged header, not a copy.
    if length > 255 * max(len(data) - start, 0) + 64:
        raise ValueError("base copy header: implausible length")
    layout = json.loads(data[at + 20 : start])
    # A bytearray: the arrays are patched in place by the re-score (services._sync).
    body = lz4.block.decompress(
        memoryview(data)[start:], uncompressed_size=length, return_bytearray=True
    )
    if xxhash.xxh3_64_digest(body) != digest:
        raise ValueError("base copy damaged: checksum")
    arrays: dict[str, npt.NDArray[Any]] = {}
    offset = 0
    for name, dtype, shape in layout:
        kind = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        array = np.frombuffer(body, kind, count, offset).reshape(shape)
        arrays[str(name)] = array
        offset += count * kind.itemsize
    if offset != len(body):
        raise ValueError("base copy of the wrong length")
    return arrays


def differs(a: Floats, b: Floats) -> npt.NDArray[np.bool_]:
    same: npt.NDArray[np.bool_] = (a == b) | (np.isnan(a) & np.isnan(b))
    return ~same


@dataclass
class Warm:
    """What a process keeps of a cohort after re-scoring it."""

    columns: Columns
    scores: dict[str, Any]  # stage → services._Scores as stored
    drift: int = 0  # assessments re-read since `data` was saved

    @property
    def nbytes(self) -> int:
        """The memory it holds: its columns and every stage's arrays, each array once (a
        final stage that reuses the self scores shares their arrays)."""
        arrays = {id(a): a.nbytes for a in self._score_arrays()}
        return int(self.columns.nbytes + sum(arrays.values())) + 40 * sum(
            len(s.ids) for s in self.scores.values()
        )

    def _score_arrays(self) -> list[npt.NDArray[Any]]:
        out = []
        for scores in self.scores.values():
            out += [scores.ids, scores.unit_ids, scores.numbers, scores.rank_matrix]
            out += [scores.leaf_flags] + ([scores.raw] if scores.raw is not None else [])
            if scores.result is not None:
                out += [scores.result.node_points, scores.result.leaf_flags]
        return out


@dataclass
class Checkout:
    """A cohort's store row, locked for this re-score, and what this process had of it."""

    row: CohortStore
    warm: Warm | None
    checksum: str  # the framework version's, at checkout
    base: Columns | None = None  # from row.data, when there was no warm copy

    def commit(self, warm: Warm, *, save_base: bool, scores_digest: str) -> None:
        """Move the generation, record the digest of the snapshots now stored (and save a
        base copy); remember `warm` once committed."""
        row = self.row
        row.generation += 1
        row.scores_digest = scores_digest
        fields = ["generation", "scores_digest"]
        if save_base:
            row.data = warm.columns.dumps()
            row.checksum = self.checksum
            row.saved_at = timezone.now()
            warm.drift = 0
            fields += ["data", "checksum", "saved_at"]
        row.save(update_fields=fields)
        key, stamp = (row.version_id, row.period_id), (row.token, row.generation, row.checksum)
        transaction.on_commit(lambda: _CACHE.put(key, stamp, warm))


def checkout(version: FrameworkVersion, period: Period) -> Checkout:
    """The cohort's store row (created if missing) and the columns this process may use."""
    row = _row(version, period)
    stamp = (row.token, row.generation, version.checksum)
    # Taken out, not copied: this re-score patches it in place, and puts it back on commit. A
    # rollback leaves it out (the next re-score starts from the base copy).
    warm = _CACHE.take((version.pk, period.pk), stamp)
    if warm is not None:
        return Checkout(row, warm, version.checksum)
    base = None
    if row.checksum == version.checksum:
        data = _base_copy(row.pk)
        base = Columns.loads(data) if data is not None else None
    return Checkout(row, None, version.checksum, base)


def _base_copy(pk: int) -> bytes | None:
    """The row's `data`, in binary on PostgreSQL (as text a 4 MB bytea is 8 MB of hex)."""
    table = connection.ops.quote_name(CohortStore._meta.db_table)
    found = pgquery.fetchone(f"SELECT data FROM {table} WHERE id = %s", [pk], binary=True)
    return None if found is None or found[0] is None else bytes(found[0])


def _row(version: FrameworkVersion, period: Period) -> CohortStore:
    # The base copy (megabytes) is read only when there is no warm copy.
    row = CohortStore.objects.filter(version=version, period=period).defer("data").first()
    if row is None:
        row = CohortStore.objects.create(
            version=version, period=period, token=secrets.token_hex(16)
        )
    return row


def forget() -> None:
    """Drop every cohort this process keeps (as a new process would start)."""
    _CACHE.clear()


class _Cache:
    """Least recently used cohorts, bounded in bytes (CHISO_SCORING_CACHE_MB, default 256:
    a national cohort is ~17 MB), shared by the threads of a process."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[tuple[Any, ...], Warm]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: tuple[int, int], stamp: tuple[Any, ...]) -> Warm | None:
        with self._lock:
            item = self._items.pop(key, None)
            return item[1] if item is not None and item[0] == stamp else None

    def put(self, key: tuple[int, int], stamp: tuple[Any, ...], warm: Warm) -> None:
        limit = int(getattr(settings, "CHISO_SCORING_CACHE_MB", 256)) * 2**20
        with self._lock:
            self._items[key] = (stamp, warm)
            self._items.move_to_end(key)
            total = sum(w.nbytes for _s, w in self._items.values())
            while total > limit and len(self._items) > 1:
                _key, (_stamp, dropped) = self._items.popitem(last=False)
                total -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = _Cache()
