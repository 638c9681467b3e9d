"""The dashboard page's table sections (heading, chart, table, note and download links), written here rather than
by a template loop: the page has eight of them, each with a dozen headings and conditions, on every request.

The HTML is what `templates/reporting/dashboard.html` wrote with `{{ }}` (escaped and localised): the template
keeps only `{% table_region %}` around each table, so the scrolling region and its caption's id stay the shared
tag's. `tests/reporting/test_same_results.py` renders the old template beside the page and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from portal.ui.printed import printed
from reporting.dashboards.figures import Table


@dataclass(frozen=True)
class Section:
    before: SafeString  # the section's opening, heading and chart
    table: SafeString  # the table, for `{% table_region %}`; empty when it has no rows
    after: SafeString  # the note, the download links and the section's end


def sections(tables: list[Table], *, period_label: str, export_query: str, csv_url: str,
             xlsx_url: str) -> list[Section]:
    query = f"{conditional_escape(export_query)}&amp;" if export_query else ""
    period = printed(period_label)
    return [_section(table, period, query, conditional_escape(csv_url), conditional_escape(xlsx_url))
            for table in tables]


def _section(table: Table, period: str, query: str, csv_url: str, xlsx_url: str) -> Section:
    key, title = printed(table.key), printed(table.title)
    before = [f'<section class="govuk-!-margin-bottom-8" aria-labelledby="table-{key}">\n'
              f'  <h2 class="govuk-heading-m" id="table-{key}">{title}</h2>\n  ']
    html = ""
    if table.rows:
        before.append("\n  ")
        if table.chart:
            before.append('\n  <div class="app-chart" aria-hidden="true">\n    ')
            series = table.chart["series"]
            if len(series) > 1:
                swatches = "".join(
                    f'<span class="app-chart__swatch{" app-chart__bar--" + printed(modifier) if modifier else ""}">'
                    f'</span> {printed(label)} ' for _, label, modifier in series)
                before.append(f'<p class="app-chart__key">{swatches}</p>')
            before.append(f"\n    {table.chart_html()}\n  </div>\n  ")
        before.append("\n  ")
        headings = "".join(
            f'<th scope="col" class="govuk-table__header'
            f'{" govuk-table__header--numeric" if index >= table.numeric_from else ""}">{printed(heading)}</th>'
            for index, heading in enumerate(table.header))
        html = (f'\n  <table class="govuk-table">\n    <caption class="govuk-table__caption govuk-table__caption--s">'
                f'{title}: {period}{" (the figures in the chart above)" if table.chart else ""}</caption>\n'
                f'    <thead class="govuk-table__head"><tr class="govuk-table__row">\n      {headings}\n    </tr></thead>\n'
                f'    <tbody class="govuk-table__body">\n    {table.body_html()}\n    </tbody>\n  </table>\n  ')
        after = ["\n  "]
    else:
        after = ['\n  <p class="govuk-body">Nothing to show for this period and these filters.</p>\n  ']
    after.append("\n  ")
    if table.note:
        after.append(f'<p class="govuk-body-s">{printed(table.note)}</p>')
    after.append(
        f'\n  <p class="govuk-body-s">Download this table: <a class="govuk-link" href="{csv_url}?{query}table={key}" '
        f'download>CSV<span class="govuk-visually-hidden"> of the table {title}</span></a> or <a class="govuk-link" '
        f'href="{xlsx_url}?{query}table={key}" download>Excel<span class="govuk-visually-hidden"> of the table '
        f'{title}</span></a></p>\n</section>\n')
    # Every value above went through `printed` or `conditional_escape`, as `{{ value }}` would.
    return Section(mark_safe("".join(before)), mark_safe(html), mark_safe("".join(after)))  # noqa: S308
