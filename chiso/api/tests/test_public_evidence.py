"""Evidence marked public is public through the portal only, and only once its cohort is
published; the assessment pages and the API serve it to whoever may see its unit, as any
other evidence."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from chiso.api.tests.world import SECRET, World
from chiso.api.tokens import create_token
from chiso.lib.testing import ledger


def _public(world: World) -> int:
    world.evidence.is_public = True
    world.evidence.save(update_fields=["is_public"])
    return world.evidence.pk


def _get(world: World, persona: str | None, url: str) -> tuple[int, bytes]:
    client = Client()
    if persona:
        client.force_login(world.people[persona])
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_public_evidence_of_an_unpublished_cohort_is_hidden_from_another_unit(
    world: World,
) -> None:
    pk = _public(world)
    download = reverse("collection:evidence", kwargs={"pk": pk})
    portal = reverse("dashboards:portal:evidence", kwargs={"pk": pk})
    for persona in ("reporter-other", "head-other", "leader-other", "admin-other"):
        status, body = _get(world, persona, download)
        assert (status, SECRET in body) == (404, False), persona
    assert _get(world, None, portal)[0] == 404
    assert _get(world, "reporter-other", portal)[0] == 404
    token = create_token(world.people["reporter-other"], "ngoai don vi").secret
    api = Client().get(f"/api/evidence/{pk}/download", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404
    ledger.attack("public evidence of an unpublished cohort", 7)


def test_once_published_the_portal_serves_it_and_the_assessment_side_still_does_not(
    world: World,
) -> None:
    pk = _public(world)
    world.publish()
    status, body = _get(world, None, reverse("dashboards:portal:evidence", kwargs={"pk": pk}))
    assert (status, SECRET in body) == (200, True)
    download = reverse("collection:evidence", kwargs={"pk": pk})
    assert _get(world, "reporter-other", download)[0] == 404
    status, body = _get(world, "reporter-own", download)  # the unit itself, as always
    assert (status, SECRET in body) == (200, True)
