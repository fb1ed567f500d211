"""GroupStamp.seq moves on every change to peer groups or their members, whatever writes it:
the re-score trusts its in-memory memberships only while the stamp stays put."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection

from chiso.org.models import GroupStamp, PeerGroup, Unit


def _seq() -> int:
    return GroupStamp.objects.get(pk=1).seq


def _moves(change: Callable[[], object]) -> bool:
    before = _seq()
    change()
    return _seq() > before


@pytest.mark.django_db
def test_every_kind_of_write_to_groups_or_members_moves_the_stamp() -> None:
    province = Unit.objects.create(code="tinh", kind="province", name="Tỉnh")
    a, b = (
        Unit.objects.create(code=f"tinh.xa-{i}", kind="commune", name=f"Xã {i}", parent=province)
        for i in (1, 2)
    )
    group = PeerGroup.objects.create(code="nhom-a", name="Nhóm A")
    members = PeerGroup.members.through._meta.db_table
    assert _moves(lambda: group.members.add(a))
    assert _moves(lambda: group.members.add(b))
    assert _moves(lambda: group.members.remove(a))
    assert _moves(lambda: PeerGroup.objects.filter(pk=group.pk).update(code="nhom-b"))

    def raw_move() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {members} SET unit_id = %s", [a.pk])

    assert _moves(raw_move)
    assert list(group.members.values_list("code", flat=True)) == ["tinh.xa-1"]
    assert _moves(lambda: group.delete())
    # Writes elsewhere leave it alone.
    assert not _moves(lambda: Unit.objects.filter(pk=a.pk).update(name="Xã Một"))


@pytest.mark.django_db(transaction=True)
def test_flush_puts_the_stamp_row_back() -> None:
    """`flush` (tests, a reset instance) empties every table; the row must come back, or the
    triggers would move nothing and the memberships could never be kept in memory."""
    call_command("flush", interactive=False, verbosity=0)
    assert GroupStamp.objects.filter(pk=1).exists()
