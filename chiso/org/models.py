"""Organisational units, effective-dated, with lineage across reorganisations, and peer groups."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chiso.lib.text import fold
from chiso.org.choices import LineageKind, UnitKind


class UnitQuerySet(models.QuerySet["Unit"]):
    def valid_on(self, day: dt.date) -> UnitQuerySet:
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def current(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=True)

    def search(self, query: str) -> UnitQuerySet:
        """Diacritic-insensitive search on names and code ('nghe an' finds 'Nghệ An')."""
        key = fold(query)
        return self.filter(Q(search_key__contains=key) | Q(code__icontains=query.strip()))


class Unit(models.Model):
    """A province, department, commune, historic district, village or other organisation.

    `code` is a stable slug used in the CLI, API and URLs: `nghe-an`, `nghe-an.so-tai-chinh`,
    `nghe-an.xa-nghi-loc`; units that ended with the 1/7/2025 reform are prefixed `h-`
    (`h-long-an`, `h-nghe-an.huyen-nghi-loc`).
    """

    code = models.SlugField(_("mã"), max_length=120, unique=True, allow_unicode=False)
    kind = models.CharField(_("loại"), max_length=16, choices=UnitKind.choices, db_index=True)
    # "xã", "phường", "đặc khu", "sở", "ban"…
    subtype = models.CharField(_("cấp, loại hình"), max_length=40, blank=True)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    abbreviation = models.CharField(_("viết tắt"), max_length=40, blank=True)  # "Sở TT&TT"
    official_code = models.CharField(_("mã hành chính"), max_length=16, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    search_key = models.CharField(max_length=400, editable=False, db_index=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_key = build_search_key(self.name, self.short_name, self.abbreviation)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def build_search_key(*names: str) -> str:
    return " | ".join(fold(n) for n in names if n)[:400]


class Lineage(models.Model):
    """`predecessor` became (part of) `successor` on `date` (e.g. 2025-07-01 mergers).

    `weight` is the predecessor's share in the successor's aggregate (equal shares by default:
    the DTI 2024 averaged merged provinces' main indices).
    """

    predecessor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessions")
    kind = models.CharField(max_length=16, choices=LineageKind.choices)
    date = models.DateField()
    weight = models.FloatField(default=1.0)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "date"], name="lineage_unique"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="lineage_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.date:%d/%m/%Y})"


class PeerGroup(models.Model):
    """A set of units ranked against each other (nhóm A / nhóm B, phường vs xã)."""

    code = models.SlugField(_("mã"), max_length=120, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    scope = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="peer_groups"
    )
    description = models.TextField(_("mô tả"), blank=True)
    members = models.ManyToManyField(Unit, related_name="memberships_in_groups", blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("nhóm xếp hạng")
        verbose_name_plural = _("nhóm xếp hạng")

    def __str__(self) -> str:
        return self.name


def _new_token() -> str:
    return secrets.token_hex(16)


class GroupStamp(models.Model):
    """One row whose `seq` the database moves on every change to the peer groups or their
    members, whatever wrote it (triggers of migration org/0002). A process that keeps the
    memberships in memory between re-scores (scoring.services) reads (token, seq), not every
    membership, to know whether they are still what it read. `token` is new whenever the row
    is (re)created, so a counter that starts again from 0 (`flush`, a restore) can never
    match what a process read before."""

    token = models.CharField(max_length=32, default=_new_token)
    seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.seq)
