from __future__ import annotations

import django_filters
from django.db.models import F, Q

from alliances.models import OFSTED_GRADES, LocalAuthority, Phase, School, Status


def local_authorities(request):
    """The LA choices: an LA officer's own LAs, otherwise every LA. Evaluated per request (django-scopes)."""
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == "la_officer":
        return membership.local_authorities.all()
    return LocalAuthority.objects.all()


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name, URN or postcode", method="search")
    la = django_filters.ModelChoiceFilter(
        label="Local authority", queryset=local_authorities, empty_label="Any local authority"
    )
    phase = django_filters.ChoiceFilter(label="Phase", choices=Phase.choices, empty_label="Any phase")
    status = django_filters.ChoiceFilter(label="Status", choices=Status.choices, empty_label="Any status")
    ofsted_grade = django_filters.ChoiceFilter(
        label="Ofsted grade", choices=list(OFSTED_GRADES.items()), empty_label="Any grade"
    )
    partnership = django_filters.ChoiceFilter(
        label="In this partnership",
        choices=[("member", "Members"), ("linked", "Members and non-members"), ("none", "Not in the partnership")],
        empty_label="All schools",
        method="by_partnership",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(("name", "name"), ("urn", "urn"), ("la__name", "la"), ("pupils", "pupils"), ("ofsted_grade", "ofsted")),
        field_labels={"name": "Name", "urn": "URN", "la__name": "Local authority", "pupils": "Pupils",
                      "ofsted_grade": "Ofsted grade"},
        empty_label=None,
    )

    class Meta:
        model = School
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) == 6:
            return queryset.filter(urn=value)
        compact = "".join(value.split()).upper()
        return queryset.filter(Q(name__icontains=value) | Q(postcode__iexact=value) | Q(postcode__iexact=compact))

    def by_partnership(self, queryset, name, value):
        if value == "member":
            return queryset.filter(partnership_member=True)
        if value == "linked":
            return queryset.filter(in_partnership=True)
        if value == "none":
            return queryset.filter(in_partnership=False)
        return queryset

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            # A filter that cannot be applied shows nothing, rather than silently showing everything.
            return self.queryset.none()
        queryset = super().qs
        # Blanks (no pupil count, no Ofsted grade) last in either direction, as SQLite does and people
        # expect; then URN for a stable order when values tie, so pages never overlap.
        order = [
            F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)
            for name in (queryset.query.order_by or ["name"])
            if isinstance(name, str)
        ]
        return queryset.order_by(*order, "urn")
