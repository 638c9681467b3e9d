"""Coordinates for every school: its own, else its postcode's (exact), else its postcode district's centre."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from alliances.importers.base import chunks
from alliances.importers.merge import update_rows
from alliances.models import LocationAccuracy, Postcode, PostcodeDistrict, School

LOCATION = ("easting", "northing", "latitude", "longitude", "location_accuracy")


def normalise_postcode(value: str) -> str:
    return "".join(value.split()).upper()


def outcode(postcode: str) -> str:
    """The outward code (district) of a postcode without spaces: all but the last three characters."""
    return postcode[:-3] if len(postcode) >= 5 else ""


def locate_schools(urns: Iterable[str] | None = None) -> Counter:
    """Set each school's coordinates and how exact they are; returns how many schools changed, by accuracy.

    A school's own coordinates (from a file that carries them, such as the GIAS extract) stay, marked exact.
    Otherwise: its postcode's position in the ONS directory (exact), else the centre of its postcode district
    (approximate), else none. Depends only on the school's postcode and the postcode tables, so it comes out
    the same whatever order the files were imported in.
    """
    districts = {
        row[0]: row[1:] for row in PostcodeDistrict.objects.values_list("outcode", "easting", "northing", "latitude", "longitude")
    }
    queryset = School.objects.annotate(
        own=ExpressionWrapper(Q(field_dates__has_key="easting") & Q(easting__isnull=False), output_field=BooleanField()),
    ).order_by()
    columns = ("urn", "postcode", *LOCATION, "own")
    wanted: set[str] | None = None
    if urns is not None:
        urns = set(urns)
        if len(urns) > 5000:
            wanted = urns
            urns = None  # many: read every school once rather than send thousands of parameters
    if urns is None:
        batches = chunks(list(queryset.values_list(*columns)), 5000)
    else:
        batches = (list(queryset.filter(urn__in=batch).values_list(*columns)) for batch in chunks(sorted(urns), 5000))
    changed: Counter = Counter()
    now = timezone.now()
    for rows in batches:
        if wanted is not None:
            rows = [row for row in rows if row[0] in wanted]
        postcodes = {normalise_postcode(row[1]) for row in rows if row[1] and not row[-1]}
        exact = {
            row[0]: row[1:] for row in Postcode.objects.filter(postcode__in=postcodes).values_list(
                "postcode", "easting", "northing", "latitude", "longitude")
        } if postcodes else {}  # at most 5,000 postcodes a query
        updates = []
        for urn, postcode, *current, own in rows:
            if own:
                target = (*current[:4], LocationAccuracy.EXACT)
            else:
                key = normalise_postcode(postcode)
                if key in exact:
                    target = (*exact[key], LocationAccuracy.EXACT)
                elif outcode(key) in districts:
                    target = (*districts[outcode(key)], LocationAccuracy.DISTRICT)
                else:
                    target = (None, None, None, None, LocationAccuracy.NONE)
            if tuple(current) != target:
                updates.append({"urn": urn, **dict(zip(LOCATION, target, strict=True)), "updated_at": now})
                changed[target[-1]] += 1
        update_rows(School, [*LOCATION, "updated_at"], updates)
    return changed


def located_note(changed: Counter) -> str | None:
    if not changed:
        return None
    parts = [f"{changed[LocationAccuracy.EXACT]} exactly", f"{changed[LocationAccuracy.DISTRICT]} approximately "
             "(postcode district)", f"{changed[LocationAccuracy.NONE]} without coordinates"]
    return f"Locations changed for {sum(changed.values())} schools: " + ", ".join(parts) + "."
