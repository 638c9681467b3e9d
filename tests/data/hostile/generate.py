"""Write the hostile-file corpus: `python tests/data/hostile/generate.py` (deterministic; run it again after a change).

Each file is something people really upload by mistake, or something crafted to break an importer. manifest.json
says, for each, what must happen: "imported" with the number of schools (a file the portal must read correctly,
like UTF-16 or old Mac line endings), or "refused" with words the message must hold, so it says what to fix.
Kept small on disk: the gzip and zip bombs are a few kilobytes that would inflate to tens of megabytes.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

# The DfE spine's header and three real rows (east of England and Ealing, 2017-18).
SPINE = ("URN,LA,ESTAB,LAESTAB,SCHNAME,OTHERSCHNAME,STREET,LOCALITY,ADDRESS3,TOWN,POSTCODE,TELNUM,ICLOSE,OPENDATE,"
         "CLOSEDATE,ISNEW,MINORGROUP,NFTYPE,OTHERNFTYPE,ISPRIMARY,ISSECONDARY,ISPOST16,AGEL,AGEH,GENDER,SIXFGENDER,"
         "RELDENOM,ADMPOL,OTHERURN,NEWACFLAG,RE-BROKERED").split(",")
ROWS = [
    ["101573", "307", "6007", "3076007", "Ysgol Gymraeg Llundain, London Welsh School", "", "Hanwell Community Centre",
     "Westcott Crescent", "Hanwell", "London", "W7 1PD", "02085750237", "1", "", "", "0", "Independent School",
     "Other independent school", "", "1", "0", "0", "3", "11", "Mixed", "Mixed", "", "Not recorded", "", "6", "0"],
    ["101866", "307", "2005", "3072005", "Berrymede Junior School", "", "Osborne Road", "Acton", "", "London", "W3 8SJ",
     "02089939053", "1", "", "", "0", "Maintained School", "Community school", "", "1", "0", "0", "7", "11", "Mixed",
     "Mixed", "Does not apply", "Not recorded", "", "6", "0"],
    ["139087", "873", "2021", "8732021", "Histon and Impington Junior School", "", "New School Road", "Histon", "",
     "Cambridge", "CB24 9LL", "01223712140", "1", "", "", "0", "Academy", "Academy converter", "", "1", "0", "0", "7",
     "11", "Mixed", "Mixed", "Does not apply", "Not recorded", "", "6", "0"],
]
GIAS = ["URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (code)",
        "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
        "EstablishmentStatus (code)", "OpenDate", "CloseDate", "PhaseOfEducation (name)", "StatutoryLowAge",
        "StatutoryHighAge", "Gender (name)", "Postcode", "Easting", "Northing", "OfstedRating (name)", "OfstedLastInsp",
        "Street", "Locality", "Address3", "Town", "County (name)", "NumberOfPupils", "SchoolWebsite",
        "ReligiousCharacter (name)", "Diocese (code)", "Diocese (name)", "Trusts (code)", "Trusts (name)",
        "Federations (code)", "Federations (name)", "OfstedSpecialMeasures (code)"]


def table(header, rows, *, newline="\n", quoting=csv.QUOTE_MINIMAL, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline, quoting=quoting, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def spine(*rows, **changes) -> str:
    """The spine with the three good rows, or with `rows` given as {column: value} changes to the first row."""
    body = ROWS if not rows else [[change.get(name, value) for name, value in zip(SPINE, ROWS[0], strict=True)]
                                  for change in rows]
    return table(SPINE, body, **changes)


def changed(**values) -> dict:
    return values


def gias_extract() -> str:
    # The real extract has about 130 more columns; the importer needs these.
    from_real = {"URN": "110751", "LA (code)": "873", "LA (name)": "Cambridgeshire", "EstablishmentNumber": "2021",
                 "EstablishmentName": "École Histon", "TypeOfEstablishment (code)": "02",
                 "TypeOfEstablishment (name)": "Voluntary aided school", "EstablishmentTypeGroup (code)": "4",
                 "EstablishmentTypeGroup (name)": "Local authority maintained schools",
                 "EstablishmentStatus (code)": "1", "OpenDate": "", "CloseDate": "", "PhaseOfEducation (name)": "Primary",
                 "StatutoryLowAge": "7", "StatutoryHighAge": "11", "Gender (name)": "Mixed", "Postcode": "CB24 9LL",
                 "Easting": "544200", "Northing": "263100", "OfstedRating (name)": "Good", "OfstedLastInsp": "01-02-2010"}
    second = {**from_real, "URN": "139087", "EstablishmentName": "Éloi Academy"}
    return table(GIAS, [[r.get(name, "") for name in GIAS] for r in (from_real, second)], quoting=csv.QUOTE_ALL)


def corpus() -> dict[str, tuple[bytes, dict]]:
    rng = random.Random(18)
    good = spine()
    files: dict[str, tuple[bytes, dict]] = {}

    def add(name, data, outcome, expect):
        files[name] = (data if isinstance(data, bytes) else data.encode("utf-8"), {"outcome": outcome, **expect})

    def ok(name, data, schools=3, las=2):
        add(name, data, "imported", {"schools": schools, "las": las})

    def refused(name, data, *words):
        add(name, data, "refused", {"message": list(words)})

    # Read correctly: encodings and line endings people's tools really write.
    ok("cr_only_line_endings.csv", spine(newline="\r"))
    ok("crlf_line_endings.csv", spine(newline="\r\n"))
    ok("mixed_line_endings.csv", good.replace("\n", "\r\n", 1).replace("1PD,", "1PD,", 1)[:-1] + "\r")
    ok("utf8_bom.csv", codecs.BOM_UTF8 + good.encode())
    ok("utf16_le_with_bom.csv", good.encode("utf-16"))
    ok("utf16_be_with_bom.csv", codecs.BOM_UTF16_BE + good.encode("utf-16-be"))
    ok("utf16_le_without_bom.csv", good.encode("utf-16-le"))
    ok("utf32_with_bom.csv", good.encode("utf-32"))
    ok("gias_extract_utf8_bom.csv", codecs.BOM_UTF8 + gias_extract().encode(), schools=2, las=1)
    ok("gias_extract_windows_1252.csv", gias_extract().encode("cp1252"), schools=2, las=1)
    ok("trailing_empty_header_names.csv", table(SPINE + ["", "", ""], [r + ["", "", ""] for r in ROWS]))
    ok("gzip_compressed.csv.gz", gzip.compress(good.encode(), mtime=0))

    # Empty, or nothing but a header.
    refused("empty.csv", b"", "empty")
    refused("only_utf8_bom.csv", codecs.BOM_UTF8, "empty")
    refused("only_utf16_bom.csv", codecs.BOM_UTF16_LE, "empty")
    refused("only_blank_lines.csv", "\r\n\n \n\t\n", "empty")
    refused("header_only.csv", table(SPINE, []), "no rows of data")
    refused("header_then_blank_lines.csv", table(SPINE, []) + "\n\n,,,\n", "no rows of data")
    refused("first_line_blank.csv", "\n" + good, "first line is empty")

    # Not CSV at all.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("schools.csv", good)
    refused("zip_disguised_as_csv.csv", archive.getvalue(), "zip file", "CSV UTF-8")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("schools.csv", b"0" * 40_000_000)
    refused("zip_bomb.csv.zip", bomb.getvalue(), "zip file")
    refused("gzip_bomb.csv.gz", gzip.compress(b"\0" * 40_000_000, compresslevel=9, mtime=0), "Uncompressed", "Split it")
    refused("gzip_twice.csv.gz", gzip.compress(gzip.compress(good.encode(), mtime=0), mtime=0), "compressed twice")
    refused("gzip_damaged.csv.gz", gzip.compress(good.encode(), mtime=0)[:30], "damaged")
    refused("excel_workbook_with_formulas.xlsx", _workbook(), "zip file", "Excel")
    refused("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(600)), "old-style Excel")
    refused("pdf_named_csv.csv", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "PDF")
    refused("rich_text.csv", b"{\\rtf1\\ansi URN,LA}", "rich-text")
    refused("random_binary.bin", bytes(rng.randrange(256) for _ in range(4000)), "NUL")
    refused("binary_without_nul.bin", bytes(rng.randrange(1, 32) for _ in range(4000)), "control characters")
    refused("html_page.csv", "<!DOCTYPE html><html><body><table><tr><td>URN</td></tr></table></body></html>\n",
            "not a file the portal can import")
    refused("json_file.csv", json.dumps([{"URN": "139087"}]) + "\n", "not a file the portal can import")
    refused("term_dates_not_schools.csv", "academic_year,period,start_date,end_date\n2026-27,Autumn term,2026-09-01,2026-12-18\n",
            "not a file the portal can import")

    # Bytes PostgreSQL cannot store, and encodings that would garble names.
    refused("nul_byte_in_a_name.csv", spine(changed(SCHNAME="Histon\0Junior")), "NUL")
    refused("nul_after_header.csv", table(SPINE, []) + "\0\0\0\0\n", "NUL")
    refused("mixed_utf8_and_windows_1252.csv",
            table(SPINE, [ROWS[0][:4] + ["Éloi School"] + ROWS[0][5:]]).encode("utf-8")
            + table(SPINE, [ROWS[1][:4] + ["Café School"] + ROWS[1][5:]]).split("\n", 1)[1].encode("cp1252"),
            "mixes two character encodings")
    refused("utf8_bom_then_windows_1252.csv", codecs.BOM_UTF8 + spine(changed(SCHNAME="Café School")).encode("cp1252"),
            "byte-order mark", "line 2")
    refused("already_garbled_names.csv", spine(changed(SCHNAME="Éloi School".encode().decode("cp1252"))), "garbled")
    refused("undefined_windows_1252_byte.csv", spine(changed(SCHNAME="Hist")).encode().replace(b"Hist,", b"Hist\x81on,"),
            "characters could not be read")
    refused("utf16_damaged.csv", codecs.BOM_UTF16_LE + good.encode("utf-16-le")[:-1] + b"\xd8", "damaged")

    # The wrong shape.
    refused("semicolon_delimited.csv", spine(delimiter=";"), "semicolons")
    refused("tab_delimited.tsv", spine(delimiter="\t"), "tabs")
    refused("pipe_delimited.csv", spine(delimiter="|"), "vertical bars")
    refused("duplicate_column.csv", table(SPINE + ["URN"], [r + [r[0]] for r in ROWS]), "URN more than once")
    refused("unnamed_column_in_the_middle.csv", table(SPINE[:5] + [""] + SPINE[5:], [r[:5] + [""] + r[5:] for r in ROWS]),
            "has no name")
    refused("missing_columns.csv", table([c for c in SPINE if c not in ("AGEL", "POSTCODE")], []), "missing these columns")
    refused("unclosed_quote_in_header.csv", '"URN,LA,ESTAB\n' + good, "never closed")
    refused("value_in_an_unnamed_column.csv", table(SPINE + [""], [r + ["surprise"] for r in ROWS]), "values but the header has")

    # Rows that are broken.
    refused("truncated_row.csv", table(SPINE, [ROWS[0], ROWS[1][:20], ROWS[2]]), "has 20 values but the header has 31")
    refused("extra_values.csv", table(SPINE, [ROWS[0] + ["extra"]]), "has 32 values")
    refused("file_cut_mid_row.csv", good[: good.rindex("Histon") + 3], "values but the header has")
    refused("unbalanced_quote_mid_file.csv", good.replace("Berrymede Junior School", '"Berrymede Junior School'),
            "never closed")
    refused("text_after_closing_quote.csv", good.replace("Berrymede Junior School", '"Berrymede" Junior School'),
            "after a closing double quote")
    # Compressed to keep the corpus small; the importer reads them after gunzipping, as it would the plain files.
    refused("huge_quoted_field.csv.gz", _gz(spine(changed(SCHNAME="x" * 200_000))), "longer than 131,072 characters")
    refused("very_long_line_many_commas.csv.gz", _gz(table(SPINE, []) + "101573," + "a," * 60_000 + "\n"), "values but the header has")
    refused("very_long_unquoted_line.csv.gz", _gz(table(SPINE, []) + "1" * 150_000 + "\n"), "longer than 131,072 characters")
    refused("very_long_line_plain.csv", spine(changed(SCHNAME="Long " * 12_000)), "longer than 200 characters")
    refused("name_too_long.csv", spine(changed(SCHNAME="N" * 300)), "longer than 200 characters")
    refused("a_bad_row_after_good_ones.csv", table(SPINE, ROWS + [ROWS[0][:0] + ["12AB56"] + ROWS[0][1:]]), "URN must be 6 digits")
    refused("conflicting_duplicate_urn.csv", table(SPINE, ROWS + [ROWS[0][:4] + ["Another name"] + ROWS[0][5:]]),
            "conflicts with row 2")

    # Digits from other scripts, look-alikes and formulas in codes.
    refused("arabic_indic_urn.csv", spine(changed(URN="١٢٣٤٥٦")), "URN must be 6 digits")
    refused("extended_arabic_indic_urn.csv", spine(changed(URN="۱۲۳۴۵۶")), "URN must be 6 digits")
    refused("fullwidth_digit_urn.csv", spine(changed(URN="１３９０８７")), "URN must be 6 digits")
    refused("superscript_digit_urn.csv", spine(changed(URN="¹³⁹087")), "URN must be 6 digits")
    refused("devanagari_la_code.csv", spine(changed(LA="८७३")), "LA code must be 3 digits")
    refused("arabic_indic_age.csv", spine(changed(AGEL="٧")), "digits 0 to 9")
    refused("arabic_indic_date.csv", spine(changed(OPENDATE="٠١-٠٩-٢٠١٢")), "digits 0 to 9")
    refused("arabic_indic_postcode.csv", spine(changed(POSTCODE="CB٢٤ ٩LL")), "UK postcode")
    refused("arabic_indic_laestab.csv", spine(changed(LAESTAB="٨٧٣٢٠٢١")), "LAESTAB must be digits")
    refused("formula_in_urn.csv", spine(changed(URN="=1+1")), "URN must be 6 digits")
    refused("infinite_age.csv", spine(changed(AGEL="1e400")), "AGEL")
    refused("ages_reversed.csv", spine(changed(AGEL="11", AGEH="4")), "lowest age")
    refused("impossible_date.csv", spine(changed(OPENDATE="31-02-2019")), "not a date")
    refused("closes_before_opening.csv", spine(changed(OPENDATE="01-09-2012", CLOSEDATE="01-09-2011")), "closes before it opens")
    refused("unknown_status_code.csv", spine(changed(ICLOSE="9")), "unknown status code")
    refused("fifteen_thousand_bad_rows.csv.gz",
            gzip.compress(table(SPINE, [[f"X{i:05d}"] + ROWS[0][1:] for i in range(15_000)]).encode(), mtime=0),
            "15,000 rows have problems")
    refused("cr_only_with_a_bad_row.csv", table(SPINE, [ROWS[0], ["1234"] + ROWS[1][1:]], newline="\r"), "URN must be 6 digits")
    refused("utf16_with_a_bad_row.csv", table(SPINE, [ROWS[0], ["1234"] + ROWS[1][1:]]).encode("utf-16"), "URN must be 6 digits")
    refused("links_with_arabic_indic_urn.csv",
            '"URN","LinkURN","LinkName","LinkType","LinkEstablishedDate"\n101573,١٣٤٦٤٣,"A PRU","Successor","01-01-2022"\n',
            "URN must be 6 digits")
    refused("ofsted_history_bad_date.csv", "URN,Rating,Inspection Date\n101573,Good,2018-13-45\n", "not a date")
    refused("postcodes_with_arabic_indic_digits.csv", "pcd,easting,northing,lat,lon\nCB٢٤9LL,544200,263100,52.25,0.1\n",
            "not a postcode")
    return files


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def _workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(SPINE)
    sheet.append(ROWS[0])
    sheet["E3"] = '=HYPERLINK("http://evil.example","click")'
    sheet["A3"] = "=2+3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    manifest = {}
    for name, (data, expect) in sorted(corpus().items()):
        (FILES / name).write_bytes(data)
        manifest[name] = expect
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(manifest)} files, {sum(p.stat().st_size for p in FILES.iterdir()):,} bytes")


if __name__ == "__main__":
    main()
