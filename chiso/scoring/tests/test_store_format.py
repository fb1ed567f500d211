"""The base copy of a cohort's columns (scoring/store.py): what is saved loads back bit for bit
(NaN, -0.0, appraised and finalised differences), and a copy this build cannot read (the npz
of earlier builds, a damaged row) is never trusted: the re-score reads every entry instead,
stores the same scores, and saves a copy in the current format."""

from __future__ import annotations

import io

import lz4.block
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiso.collection.models import Entry, Period
from chiso.frameworks.models import FrameworkVersion
from chiso.scoring import store
from chiso.scoring.models import CohortStore
from chiso.scoring.tests.test_services import _communes
from chiso.scoring.tests.test_services import version as version  # the fixture
from chiso.scoring.tests.test_store_equivalence import _assert_fresh, _cohort, _committed


def _columns(rng: np.random.Generator, leaves: int = 7, n: int = 50) -> store.Columns:
    self_m = rng.integers(0, 100, (leaves, n)).astype(np.float64)
    self_m[rng.random(self_m.shape) < 0.2] = np.nan
    self_m[0, :3] = [-0.0, 1e300, 0.1]
    appr_m = self_m.copy()
    appr_m[2, 5] = 42.5
    appr_m[3, 7] = np.nan
    final_m = appr_m.copy()
    final_m[1, 9] = -3.25
    appraised = np.zeros(n, dtype=bool)
    appraised[[5, 7]] = True
    ids = np.arange(100, 100 + n, dtype=np.int64)
    return store.Columns(ids, ids * 3, ids + 7, self_m, appr_m, final_m, appraised)


def _bits(a: np.ndarray) -> bytes:
    return a.tobytes()


def test_a_base_copy_loads_back_bit_for_bit_and_writable() -> None:
    before = _columns(np.random.default_rng(3))
    after = store.Columns.loads(before.dumps())
    assert after is not None
    for name in ("ids", "unit_ids", "seqs", "self_m", "appr_m", "final_m", "appraised"):
        mine, theirs = getattr(before, name), getattr(after, name)
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape, name
        assert _bits(mine) == _bits(theirs), name
        assert theirs.flags.writeable, name  # the re-score patches them in place
    # Overrides on both later stages: three arrays, none a view of another.
    assert not np.shares_memory(after.self_m, after.appr_m)
    assert not np.shares_memory(after.appr_m, after.final_m)


def test_a_base_copy_is_compressed() -> None:
    columns = _columns(np.random.default_rng(4), leaves=100, n=2_000)
    assert len(columns.dumps()) < columns.self_m.nbytes / 2


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: _npz(), id="npz-of-earlier-builds"),
        pytest.param(lambda data: data[:-40], id="cut-short"),
        pytest.param(lambda data: data[:40] + bytes(len(data) - 40), id="zeroed-body"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: _flip(data, -100), id="a-flipped-byte"),
        pytest.param(lambda data: _flip(data, 25), id="an-implausible-length"),
        pytest.param(lambda data: _other_values(data), id="valid-lz4-other-values"),
    ],
)
def test_a_copy_this_build_cannot_read_is_no_copy(damage: object) -> None:
    data = _columns(np.random.default_rng(5)).dumps()
    assert callable(damage)
    assert store.Columns.loads(damage(data)) is None


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x40
    return bytes(out)


def _other_values(data: bytes) -> bytes:
    """The same header and checksum over a well-formed LZ4 block of other values: what a
    damaged block that still decodes would give."""
    at = len(b"chiso-columns/3\n")
    size = int.from_bytes(data[at : at + 4], "little")
    length = int.from_bytes(data[at + 4 : at + 12], "little")
    start = at + 20 + size
    body = bytearray(lz4.block.decompress(data[start:], uncompressed_size=length))
    body[3 * 50 * 8 + 100] ^= 0x01  # a bit of a value in self_m (after ids, units, seqs)
    return data[:start] + lz4.block.compress(bytes(body), store_size=False)


def test_stages_read_from_entries_share_while_alike() -> None:
    rng = np.random.default_rng(9)
    self_m = rng.random((3, 4))
    same = store.shared(self_m, self_m.copy(), self_m.copy())
    assert same[1] is self_m and same[2] is self_m
    final = self_m.copy()
    final[1, 2] = -1.0
    parted = store.shared(self_m, self_m.copy(), final)
    assert parted[1] is self_m and parted[2] is final
    appraised = self_m.copy()
    appraised[0, 0] = 9.0
    both = store.shared(self_m, appraised, appraised.copy())
    assert both[1] is appraised and both[2] is appraised


def _npz() -> bytes:
    out = io.BytesIO()
    np.savez(out, ids=np.arange(3), self_m=np.zeros((2, 3)))
    return out.getvalue()


def _reads_entries(version: FrameworkVersion, period: Period) -> bool:
    """Re-scores as another process would; whether it read entries."""
    store.forget()
    with CaptureQueriesContext(connection) as queries:
        _committed(version, period)
    table = Entry._meta.db_table
    return any(table in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stored", [_npz(), b"chiso-columns/3\n\x05\x00\x00\x00garbage"], ids=["npz", "damaged"]
)
def test_a_re_score_over_an_unreadable_copy_reads_every_entry_and_saves_a_new_one(
    version: FrameworkVersion, stored: bytes
) -> None:
    period, _assessments = _cohort(version, "2025", _communes(3))
    _committed(version, period)
    assert not _reads_entries(version, period)  # nothing changed: the copy is enough
    row = CohortStore.objects.get(version=version, period=period)
    CohortStore.objects.filter(pk=row.pk).update(data=stored)
    assert _reads_entries(version, period)
    _assert_fresh(version, period)
    saved = bytes(CohortStore.objects.get(pk=row.pk).data)
    assert saved.startswith(b"chiso-columns/3\n")
    assert store.Columns.loads(saved) is not None
    assert not _reads_entries(version, period)  # the new copy is used again


def _plain(rng: np.random.Generator, leaves: int = 5, n: int = 20) -> store.Columns:
    """Columns with nothing appraised or finalised, as most cohorts are."""
    self_m = rng.integers(0, 100, (leaves, n)).astype(np.float64)
    ids = np.arange(1, n + 1, dtype=np.int64)
    none = np.zeros(n, dtype=bool)
    return store.Columns(ids, ids, ids, self_m, self_m.copy(), self_m.copy(), none)


def test_stages_without_overrides_share_one_array_until_a_patch_parts_them() -> None:
    loaded = store.Columns.loads(_plain(np.random.default_rng(6)).dumps())
    assert loaded is not None
    assert loaded.appr_m is loaded.self_m and loaded.final_m is loaded.self_m
    assert (
        loaded.nbytes
        == sum(a.nbytes for a in (loaded.ids, loaded.unit_ids, loaded.seqs, loaded.self_m))
        + loaded.appraised.nbytes
    )
    before = loaded.self_m.copy()
    at = np.array([3, 4])
    same = before[:, at] + 1
    loaded.patch(at, same, same, same)  # a self-assessed edit: all stages alike
    assert loaded.appr_m is loaded.self_m and loaded.final_m is loaded.self_m
    assert np.array_equal(loaded.self_m[:, at], same)

    final = same.copy()
    final[0, 1] = -1.0  # the final stage overrides one value
    loaded.patch(at, same, same, final)
    assert loaded.appr_m is loaded.self_m and loaded.final_m is not loaded.appr_m
    assert loaded.final_m[0, 4] == -1.0 and loaded.self_m[0, 4] == same[0, 1]

    appraised = same.copy()
    appraised[2, 0] = 77.0  # now an appraisal too, on another column
    loaded.patch(np.array([9]), before[:, [9]], before[:, [9]], before[:, [9]])
    loaded.patch(np.array([3]), same[:, [0]], appraised[:, [0]], appraised[:, [0]])
    assert loaded.appr_m is not loaded.self_m
    assert loaded.appr_m[2, 3] == 77.0 and loaded.self_m[2, 3] == same[2, 0]
    assert loaded.final_m[2, 3] == 77.0 and loaded.final_m[0, 4] == -1.0
    again = store.Columns.loads(loaded.dumps())
    assert again is not None
    for name in ("self_m", "appr_m", "final_m"):
        assert _bits(getattr(again, name)) == _bits(getattr(loaded, name)), name


def test_a_shared_stage_parts_from_an_appraisal_with_final_following_it() -> None:
    loaded = store.Columns.loads(_plain(np.random.default_rng(8)).dumps())
    assert loaded is not None
    at = np.array([0])
    mine = loaded.self_m[:, at].copy()
    theirs = mine + 5  # the appraisal overrides every input; final keeps the appraisal's
    loaded.patch(at, mine, theirs, theirs)
    assert loaded.appr_m is not loaded.self_m and loaded.final_m is loaded.appr_m
    assert np.array_equal(loaded.appr_m[:, at], theirs)
    assert np.array_equal(loaded.self_m[:, at], mine)
