from __future__ import annotations

from django import forms

from portal.calendar.models import PeriodKind, TermName

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


MAX_CALENDAR_BYTES = 1_000_000


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label="Term dates file (CSV)",
        help_text="Columns academic_year, period, start_date and end_date, as the LA publishes them",
        error_messages={"required": "Choose a file to import", "empty": "The file is empty"},
    )
    la_code = forms.RegexField(
        label="Local authority code (optional)", regex=r"^[0-9]{3}$", required=False, max_length=3,
        help_text="Only if the file has dates for more than one local authority, like 873 for Cambridgeshire",
        error_messages={"invalid": "Enter a 3-digit local authority code, like 873"},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    provisional = forms.BooleanField(
        label="These dates are provisional: the local authority has not confirmed them", required=False,
        help_text="Years whose rows have a status other than final, such as proposed, are marked provisional anyway",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CALENDAR_BYTES:
            raise forms.ValidationError("A term dates file is a few kilobytes; this one is over 1 MB. Check it is the right file")
        return upload


class PeriodForm(forms.Form):
    academic_year = forms.RegexField(
        label="Academic year", regex=r"^[0-9]{4}-[0-9]{2}$", help_text="For example, 2026-27", max_length=7,
        error_messages={"required": "Enter the academic year", "invalid": "Enter the academic year like 2026-27",
                        "max_length": "Enter the academic year like 2026-27"},
    )
    kind = forms.ChoiceField(label="What is it?", choices=PeriodKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Select term, half term or holiday"})
    term = forms.ChoiceField(label="Which term (not for holidays)", choices=[("", "Not a term")] + TermName.choices,
                             required=False)
    name = forms.CharField(label="Name", max_length=80, help_text="For example, Autumn term or Christmas holiday",
                           error_messages={"required": "Enter a name"})
    start = forms.DateField(label="First day", input_formats=DATE_FORMATS, help_text="For example, 1/9/2026",
                            widget=forms.DateInput(format="%d/%m/%Y"),
                            error_messages={"required": "Enter the first day", "invalid": "Enter the date as day/month/year, like 1/9/2026"})
    end = forms.DateField(label="Last day", input_formats=DATE_FORMATS, help_text="For example, 18/12/2026",
                          widget=forms.DateInput(format="%d/%m/%Y"),
                          error_messages={"required": "Enter the last day", "invalid": "Enter the date as day/month/year, like 18/12/2026"})

    provisional = forms.BooleanField(
        label="This year's dates are provisional: the local authority has not confirmed them", required=False,
        help_text="Dates worked out from a provisional year, such as review due dates, are shown as provisional",
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") in ("term", "half_term") and not data.get("term"):
            self.add_error("term", "Select which term this is")
        return data
