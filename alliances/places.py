"""Where schools are: postcode positions from the ONS directory, and how exactly each school is placed.

Models of the alliances app (imported by alliances.models); reference data, read-only to tenants.
"""

from __future__ import annotations

from django.db import models


class LocationAccuracy(models.TextChoices):
    EXACT = "exact", "Exact"  # the school's own coordinates, or its full postcode's
    DISTRICT = "district", "Approximate (postcode district)"  # the centre of its postcode district (e.g. CB24)
    NONE = "none", "Not known"


class Postcode(models.Model):
    """A full postcode's position, from the ONS National Statistics Postcode Directory (key without spaces)."""

    postcode = models.CharField(max_length=7, primary_key=True)
    easting = models.PositiveIntegerField()
    northing = models.PositiveIntegerField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return self.postcode


class PostcodeDistrict(models.Model):
    """The centre of a postcode district (outward code, e.g. CB24): the mean position of its postcodes."""

    outcode = models.CharField(max_length=4, primary_key=True)
    easting = models.PositiveIntegerField()
    northing = models.PositiveIntegerField()
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return self.outcode
