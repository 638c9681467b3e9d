"""The directory's lists on the shared filters: schools by cluster, system leaders by their home school's URN and
cluster, and a bad value explained rather than dropped."""

from __future__ import annotations

from django_scopes import scopes_disabled

from alliances.models import Cluster
from tests.alliances.test_people_pages import names, setup  # noqa: F401 (the `setup` fixture)
from tests.factories import ClusterFactory
from tests.pages import parsed


def test_schools_and_leaders_by_cluster_and_home_school_urn(client, broker, setup):  # noqa: F811
    with scopes_disabled():
        triad = ClusterFactory(partnership=broker.partnership, name="Histon triad", la=setup["histon"].la,
                               schools=[setup["histon"]])
    client.force_login(broker.user)
    slug = broker.partnership.slug
    assert names(client.get(f"/p/{slug}/schools/", {"cluster": triad.pk})) == ["Histon and Impington Junior School"]
    assert names(client.get(f"/p/{slug}/system-leaders/", {"cluster": triad.pk})) == ["Ada Lovelace"]
    assert names(client.get(f"/p/{slug}/system-leaders/", {"q": "101929"})) == ["Ben Ealing"]  # home school URN
    for url in (f"/p/{slug}/schools/", f"/p/{slug}/system-leaders/"):
        page = parsed(client.get(url, {"cluster": "abc"}))
        assert "Choose one of the options in the list" in page.select_one(".govuk-error-summary").get_text()
        assert not page.select("tbody a.govuk-link")


def test_an_la_officer_is_offered_only_clusters_in_their_las(client, la_officer, setup):  # noqa: F811
    client.force_login(la_officer.user)
    page = parsed(client.get(f"/p/{la_officer.partnership.slug}/schools/"))
    offered = [o.get_text(strip=True) for o in page.select("select[name=cluster] option") if o["value"]]
    assert offered == ["North Cambridge (2026-27)"]
    with scopes_disabled():
        acton = Cluster.objects.get(name="Acton")
    refused = parsed(client.get(f"/p/{la_officer.partnership.slug}/schools/", {"cluster": acton.pk}))
    assert refused.select_one(".govuk-error-summary") is not None
