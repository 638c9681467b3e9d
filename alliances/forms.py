from __future__ import annotations

from django import forms
from django.db.models import Q

from alliances.models import LEADER_PHASES, ClusterKind, LeaderStatus, LocalAuthority, School, SpecialismGroup
from alliances.selectors import find_schools
from portal.accounts.models import User
from portal.imports import ascii_code
from portal.tenancy.models import Membership
from portal.ui.fields import DaysField, date_field, text_field


class PartnershipSchoolForm(forms.Form):
    is_member = forms.TypedChoiceField(
        label="Is the school a member of the partnership?",
        choices=[("yes", "Yes, a member (member rates and core entitlement)"), ("no", "No, it buys support as a non-member")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the school is a member"},
    )
    member_from = forms.DateField(
        label="Member from (optional)", required=False, help_text="For example, 1/9/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as day/month/year, like 1/9/2026"},
    )
    member_to = forms.DateField(
        label="Member until (optional)", required=False, help_text="Leave blank if membership continues",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as day/month/year, like 31/8/2027"},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        start, end = data.get("member_from"), data.get("member_to")
        if start and end and end < start:
            self.add_error("member_to", "The end of membership must be on or after its start")
        return data


class SchoolField(forms.CharField):
    """One school by URN, with plain errors (not 6 digits, no such school)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.urn if isinstance(value, School) else value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        value = value.strip()
        if not ascii_code(value, 6):
            raise forms.ValidationError(f"A URN is 6 digits, like 139087, not {value}")
        school = School.objects.filter(pk=value).first()
        if school is None:
            raise forms.ValidationError(f"No school has the URN {value}. Check it in Get Information about Schools")
        return school


class SchoolListField(forms.CharField):
    """A list of schools typed one a line, with a limit on its length that says what to do."""

    def __init__(self, *, max_length: int = 7000, **kwargs):
        # About a thousand URNs: more than any alliance or cluster, far less than a pasted spreadsheet.
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("max_length", f"Keep the list to {max_length:,} characters or fewer")
        super().__init__(max_length=max_length, **kwargs)


class SchoolsField(SchoolListField):
    """Several schools by URN, one per line (or separated by commas); every unknown URN is named."""

    widget = forms.Textarea(attrs={"rows": 5, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(s.urn if isinstance(s, School) else str(s) for s in value)
        return value

    def clean(self, value):
        value = super().clean(value) or ""
        tokens = [t for t in value.replace(",", " ").split() if t]
        bad = [t for t in tokens if not ascii_code(t, 6)]
        if bad:
            raise forms.ValidationError(f"These are not 6-digit URNs: {', '.join(bad[:10])}")
        found = School.objects.in_bulk(tokens)
        missing = [t for t in tokens if t not in found]
        if missing:
            raise forms.ValidationError(f"No school has these URNs: {', '.join(missing[:10])}")
        return [found[t] for t in dict.fromkeys(tokens)]


class SystemLeaderForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter the system leader's name"})
    email = forms.EmailField(label="Email (optional)", required=False,
                             error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"})
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=30)
    home_school = SchoolField(label="Home school URN", help_text="The school the system leader works at",
                              error_messages={"required": "Enter the home school's URN"})
    designation = forms.ChoiceField(label="Designation", widget=forms.RadioSelect,
                                    error_messages={"required": "Select a designation"})
    designated_on = date_field("Designated on")
    review_due = date_field("Designation review due", required=False,
                            help_text="Leave blank for 4 years after designation")
    status = forms.ChoiceField(label="Status", widget=forms.RadioSelect)
    capacity_days_per_term = DaysField(
        label="Capacity (days a term)", min_value=0, max_value=65, initial=0, example="4.5",
        error_messages={"min_value": "Capacity cannot be negative", "max_value": "Capacity cannot be more than 65 days a term"},
    )
    specialisms = forms.ModelMultipleChoiceField(label="Specialisms", queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    phases = forms.MultipleChoiceField(label="Phases", required=False, widget=forms.CheckboxSelectMultiple)
    release_consent_by = forms.CharField(label="Release consent given by (optional)", required=False, max_length=150,
                                         help_text="The home school's headteacher")
    release_consent_on = date_field("Release consent given on (optional)", required=False)
    conflicts = forms.CharField(label="Declared conflicts of interest (optional)", required=False,
                                widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    user = forms.ModelChoiceField(
        label="Portal account (optional)", queryset=None, required=False, empty_label="Not linked",
        help_text="A member with the system leader role; once linked they can keep their own profile up to date",
    )

    def __init__(self, *args, partnership, specialisms, linked_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(partnership=partnership, role="system_leader", is_active=True).values("user_id")
        # The account already linked stays choosable even if that membership has since changed.
        self.fields["user"].queryset = User.objects.filter(
            Q(pk__in=members) | Q(pk=linked_user.pk if linked_user else None)).order_by("email")
        self.fields["user"].label_from_instance = lambda user: f"{user.get_full_name()} ({user.email})" if user.name else user.email
        self.fields["designation"].choices = list(partnership.designation_labels.items())
        self.fields["status"].choices = LeaderStatus.choices
        self.fields["specialisms"].queryset = specialisms
        self.fields["phases"].choices = list(LEADER_PHASES.items())

    def clean(self):
        data = super().clean()
        start, review = data.get("designated_on"), data.get("review_due")
        if start and not review and "review_due" not in self.errors:
            data["review_due"] = start.replace(year=start.year + 4) if not (start.month == 2 and start.day == 29) \
                else start.replace(year=start.year + 4, day=28)
        elif start and review and review < start:
            self.add_error("review_due", "The review date must be on or after the designation date")
        consent_by, consent_on = data.get("release_consent_by"), data.get("release_consent_on")
        if bool(consent_by) != bool(consent_on) and "release_consent_on" not in self.errors:
            self.add_error("release_consent_on" if consent_by else "release_consent_by",
                           "Give both who consented to the release and when")
        return data

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        phases = data.pop("phases", [])
        data.pop("specialisms", None)
        data.update({field: field in phases for field in LEADER_PHASES})
        return data


class OwnProfileForm(forms.Form):
    specialisms = forms.ModelMultipleChoiceField(label="Specialisms", queryset=None, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    phases = forms.MultipleChoiceField(label="Phases you work in", required=False, widget=forms.CheckboxSelectMultiple)
    capacity_days_per_term = DaysField(
        label="Days you can give each term", min_value=0, max_value=65, example="4.5",
        help_text="Whole or half days, like 4.5. Your home school's headteacher agreed your release.",
        error_messages={"min_value": "Days cannot be negative", "max_value": "Days cannot be more than 65 a term",
                        "required": "Enter the days you can give each term"},
    )

    def __init__(self, *args, specialisms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialisms"].queryset = specialisms
        self.fields["phases"].choices = list(LEADER_PHASES.items())


class ClusterForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the cluster's name"})
    kind = forms.ChoiceField(label="Kind of cluster", widget=forms.RadioSelect, error_messages={"required": "Select the kind of cluster"})
    academic_year = forms.RegexField(
        label="Academic year", regex=r"^[0-9]{4}-[0-9]{2}$", help_text="For example, 2026-27", max_length=7,
        error_messages={"required": "Enter the academic year", "invalid": "Enter the academic year like 2026-27",
                        "max_length": "Enter the academic year like 2026-27"},
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    la = forms.ModelChoiceField(label="Local authority (optional)", queryset=None, required=False,
                                empty_label="No single local authority")
    chair_school = SchoolField(label="Chair school URN (optional)", required=False)
    schools = SchoolsField(label="Member schools", required=False, help_text="URNs, one per line")
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, local_authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ClusterKind.choices
        self.fields["la"].queryset = local_authorities

    def clean_academic_year(self):
        value = self.cleaned_data["academic_year"]
        start, end = int(value[:4]), int(value[5:])
        if (start + 1) % 100 != end:
            raise forms.ValidationError(f"An academic year runs from one year to the next, like {start}-{(start + 1) % 100:02d}")
        return value

    def clean(self):
        data = super().clean()
        chair, schools = data.get("chair_school"), data.get("schools") or []
        if chair and schools and chair not in schools:
            self.add_error("chair_school", "The chair school must be one of the member schools")
        return data


class SpecialismForm(forms.Form):
    group = forms.ChoiceField(label="Group", error_messages={"required": "Select a group"})
    name = forms.CharField(label="Name", max_length=120, error_messages={"required": "Enter the specialism's name"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = SpecialismGroup.choices


class AllianceForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the alliance's name"})
    description = text_field("Description (optional)", required=False, rows=3, max_length=2000)
    lead = SchoolsField(label="Lead school URNs", help_text="At least one, one per line",
                        error_messages={"required": "Enter at least one lead school's URN"})
    member = SchoolsField(label="Member school URNs (optional)", required=False, help_text="One per line")
    strategic_partner = SchoolsField(label="Strategic partner URNs (optional)", required=False, help_text="One per line")


class FindSchoolForm(forms.Form):
    urn = SchoolField(
        label="URN", help_text="The school's 6-digit unique reference number from Get Information about Schools",
        error_messages={"required": "Enter the school's URN"},
    )


def _school_lines(text: str) -> list[str | list[str]]:
    """Each line of the schools box: a list of URNs (a line of 6-digit numbers, or a URN followed by the school's
    name, as the form shows saved schools), or a name to look up."""
    entries = []
    for line in (text or "").splitlines():
        tokens = line.replace(",", " ").split()
        if not tokens:
            continue
        if all(ascii_code(t, 6) for t in tokens):
            entries.append(tokens)
        elif ascii_code(tokens[0], 6):
            entries.append([tokens[0]])
        else:
            entries.append(" ".join(tokens))
    return entries


def school_choice_label(school: School) -> str:
    where = ", ".join(part for part in (school.town, school.la.name if school.la_id else "") if part)
    closed = "" if school.status == "open" else f", {school.get_status_display().lower()}"
    return f"{school.name} (URN {school.urn}{', ' + where if where else ''}{closed})"


class SchoolsByNameField(SchoolListField):
    """Schools typed one a line, by name or URN. The form resolves the names (see `MemberLinksForm.clean`)."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(f"{s.urn} {s.name}" if isinstance(s, School) else str(s) for s in value)
        return value


class MemberLinksForm(forms.Form):
    """The schools a headteacher leads and the local authorities an LA officer oversees.

    Schools are typed by name or URN, one a line. A name that fits one school is that school; a name that fits
    several lists them as tick boxes to choose from (no JavaScript needed); one that fits none is named.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"] = SchoolsByNameField(
            label="Schools they lead (headteachers)", required=False,
            help_text="One school a line: its name (or part of it) or its 6-digit URN. Headteachers ask for support "
                      "for these schools.",
        )
        self.fields["school_choices"] = forms.MultipleChoiceField(
            label="Which schools did you mean?", required=False, widget=forms.CheckboxSelectMultiple,
            choices=[(urn, urn) for urn in self.data.getlist(self.add_prefix("school_choices"))]
            if self.is_bound and hasattr(self.data, "getlist") else [],
        )
        self.fields["local_authorities"] = forms.ModelMultipleChoiceField(
            label="Local authorities they oversee (LA officers)", required=False,
            queryset=LocalAuthority.objects.order_by("name"), widget=forms.SelectMultiple(attrs={"size": 8}),
            help_text="LA officers see only schools, system leaders and clusters in these local authorities. "
                      "Type a letter to jump to a name.",
        )
        self.ambiguous: dict[str, list[School]] = {}

    def clean(self):
        data = super().clean()
        if "schools" in data:
            data["schools"] = self._resolve(data["schools"], set(data.get("school_choices") or []))
        return data

    def _resolve(self, text: str, picked: set[str]) -> list[School]:
        entries = _school_lines(text)
        urns = [urn for entry in entries if isinstance(entry, list) for urn in entry] + sorted(picked)
        found = School.objects.in_bulk(urns)
        chosen, unknown = [], [urn for urn in urns if urn not in found]
        for entry in entries:
            if isinstance(entry, list):
                chosen += [found[urn] for urn in entry if urn in found]
                continue
            matches = find_schools(text=entry)
            meant = [school for school in matches if school.urn in picked]
            if len(matches) == 1 or meant:
                chosen += meant or matches
            elif matches:
                self.ambiguous[entry] = matches
            else:
                unknown.append(entry)
        chosen += [found[urn] for urn in sorted(picked) if urn in found]
        if unknown:
            self.add_error("schools", f"No school matches {', '.join(unknown[:10])}. Check the spelling, or use "
                                      "the URN from Get Information about Schools")
        if self.ambiguous:
            names = ", ".join(f"{name} ({len(found)} schools)" for name, found in self.ambiguous.items())
            self.add_error("schools", f"More than one school matches {names}. Tick the ones you mean below")
            options = {school.urn: school_choice_label(school) for group in self.ambiguous.values() for school in group}
            self.fields["school_choices"].choices = list(options.items())
        return list({school.urn: school for school in chosen}.values())
