"""An induction step naming a programme counts as done when the leader holds an accepted place on one of its
cohorts (issue 14), without anyone ticking it; the page names the programme."""

from __future__ import annotations

import pytest

from leadership.recruitment import induction
from portal.errors import DomainError
from programmes.models import PlaceStatus
from tests.factories import SystemLeaderFactory
from tests.factories.courses import CohortFactory, PlaceFactory, ProgrammeFactory
from tests.pages import parsed

pytestmark = pytest.mark.django_db


def test_a_step_naming_a_programme_is_done_with_an_accepted_place(broker, system_leader, partnership,
                                                                  other_partnership):
    leader = SystemLeaderFactory(partnership=partnership, user=system_leader.user)
    programme = ProgrammeFactory(partnership=partnership, title="System leader induction programme")
    with pytest.raises(DomainError):
        induction.add_item(actor=broker, title="Elsewhere", description="", service=None,
                           programme=ProgrammeFactory(partnership=other_partnership))
    item = induction.add_item(actor=broker, title="Induction programme", description="", service=None,
                              programme=programme)
    cohort = CohortFactory(programme=programme)
    place = PlaceFactory(cohort=cohort, user=system_leader.user, status=PlaceStatus.WAITLISTED)
    # Someone else's accepted place does not count.
    PlaceFactory(cohort=cohort, status=PlaceStatus.ACCEPTED)
    assert [(s.item, s.done) for s in induction.checklist(leader)] == [(item, False)]
    place.status = PlaceStatus.ACCEPTED
    place.save()
    steps = induction.checklist(leader)
    assert [(s.item, s.by_place, s.done) for s in steps] == [(item, True, True)]
    # A leader without an account has no places.
    assert [s.done for s in induction.checklist(SystemLeaderFactory(partnership=partnership))] == [False]


def test_the_induction_page_offers_the_partnership_s_programmes(client, broker, partnership):
    programme = ProgrammeFactory(partnership=partnership, title="Pastoral leadership")
    client.force_login(broker.user)
    url = f"/p/{partnership.slug}/leadership/induction/"
    page = parsed(client.get(url))
    assert [o.get_text(strip=True) for o in page.select("#id_programme option")] == ["No programme",
                                                                                     "Pastoral leadership"]
    client.post(url, {"title": "Pastoral course", "description": "", "service": "", "programme": str(programme.pk)})
    assert "done with a place on Pastoral leadership" in parsed(client.get(url)).text
