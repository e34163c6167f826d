"""Reading a register extract (Melderegisterauszug) and its canonical form.

The file is parsed in memory from bytes: it is never written anywhere. Bad rows are reported
with their line numbers and nothing is returned unless every row is good.

Canonical form (docs/councils.md, "The invitation draw", so the register office can compute
it on its own copy):

1. Each field (name, address, birth year, district) is converted to Unicode NFC, every run of
   whitespace becomes one space, and leading and trailing spaces are removed. Letter case is
   kept. The birth year is written as four decimal digits.
2. The canonical row is ``name ␟ address ␟ birth_year ␟ district`` encoded as UTF-8, where ␟
   is the byte 0x1F (ASCII unit separator, which no field may contain).
3. The canonical extract is the canonical rows sorted by their bytes (ascending), each
   followed by one byte 0x0A (line feed). Its SHA-256 (hex, lower case) identifies the extract,
   whatever the order of the rows in the file, the separator, the encoding or the column names.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIELDS = ("name", "address", "birth_year", "district")
REQUIRED = ("name", "address", "birth_year")
UNIT_SEPARATOR = "\x1f"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
ENCODINGS = ("utf-8", "cp1252")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FIELD_LENGTHS = {"name": 200, "address": 300, "birth_year": 4, "district": 100}


@dataclass(frozen=True)
class RegisterRow:
    line: int
    name: str
    address: str
    birth_year: int
    district: str

    def canonical(self) -> bytes:
        return canonical_row(self.name, self.address, self.birth_year, self.district)


class RegisterFileError(Exception):
    """The extract was refused; ``errors`` are ``(line, message)``, line 0 for the file."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors))
        self.errors = errors


def normalise_field(value: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def canonical_row(name: str, address: str, birth_year: int, district: str) -> bytes:
    fields = [normalise_field(name), normalise_field(address), f"{birth_year:04d}"]
    fields.append(normalise_field(district))
    return UNIT_SEPARATOR.join(fields).encode("utf-8")


def extract_sha256(rows: Iterable[bytes]) -> str:
    """SHA-256 of the canonical extract (rows as ``canonical_row`` bytes, in any order)."""
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(row + b"\n")
    return digest.hexdigest()


def sniff_delimiter(header: str) -> str:
    """The separator of the header line: the most frequent of ``;``, ``,`` and tab."""
    return max((";", ",", "\t"), key=lambda sep: (header.count(sep), sep == ";"))


def decode(data: bytes, encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise RegisterFileError([(0, _("Unknown encoding."))])
    try:
        return data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RegisterFileError(
            [(line, _("The file is not in the chosen encoding (try the other one)."))]
        ) from error


def parse_register(
    data: bytes,
    mapping: Mapping[str, str],
    *,
    encoding: str = "utf-8",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    current_year: int,
) -> list[RegisterRow]:
    """The rows of a register extract, all or nothing.

    ``mapping`` names the file's column for each of ``FIELDS`` (the header line's text;
    ``district`` may be left out). Every problem is reported with its line number (the
    header is line 1; a quoted value over several lines counts them all); duplicate persons
    (the same canonical row) are refused, naming both lines.
    """
    if len(data) > max_bytes:
        raise RegisterFileError(
            [(0, _("The file is too large (at most %(max)s MB).") % {"max": max_bytes // 2**20})]
        )
    text = decode(data, encoding)
    if not text.strip():
        raise RegisterFileError([(0, _("The file is empty."))])
    missing = [field for field in REQUIRED if not (mapping.get(field) or "").strip()]
    if missing:
        raise RegisterFileError([(0, _("Choose a column for name, address and birth year."))])
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=sniff_delimiter(text.split("\n", 1)[0])
    )
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as error:
        raise RegisterFileError([(1, _("The header line cannot be read."))]) from error
    columns: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    for field in FIELDS:
        wanted = (mapping.get(field) or "").strip()
        if not wanted:
            continue
        if wanted not in header:
            errors.append((1, _("The file has no column “%(column)s”.") % {"column": wanted}))
        else:
            columns[field] = header.index(wanted)
    if errors:
        raise RegisterFileError(errors)
    rows: list[RegisterRow] = []
    seen: dict[bytes, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise RegisterFileError(
                    [(line, _("Too many rows (at most %(max)s).") % {"max": max_rows})]
                )
            if len(record) != len(header):
                errors.append(
                    (
                        line,
                        _("%(found)s columns instead of %(expected)s.")
                        % {"found": len(record), "expected": len(header)},
                    )
                )
                continue
            row = _row(line, record, columns, current_year, errors)
            if row is None:
                continue
            key = row.canonical()
            if key in seen:
                errors.append(
                    (
                        line,
                        _("The same person as in line %(first)s.") % {"first": seen[key]},
                    )
                )
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error:
        errors.append((reader.line_num, _("This line cannot be read (check the quotes).")))
    if not rows and not errors:
        errors.append((0, _("The file has no rows.")))
    if errors:
        raise RegisterFileError(errors)
    return rows


def _row(line, record, columns, current_year, errors) -> RegisterRow | None:
    values = {field: normalise_field(record[index]) for field, index in columns.items()}
    values.setdefault("district", "")
    problems = []
    for field in REQUIRED:
        if not values[field]:
            problems.append(_("“%(field)s” is empty.") % {"field": _field_label(field)})
    for field, value in values.items():
        if _CONTROL.search(value):
            problems.append(
                _("“%(field)s” contains control characters.") % {"field": _field_label(field)}
            )
        elif len(value) > FIELD_LENGTHS[field]:
            problems.append(_("“%(field)s” is too long.") % {"field": _field_label(field)})
    year = values["birth_year"]
    birth_year = None
    if year:
        if re.fullmatch(r"[0-9]{4}", year) and 1900 <= int(year) <= current_year:
            birth_year = int(year)
        else:
            problems.append(
                _("“%(year)s” is not a birth year (four digits, 1900 to %(now)s).")
                % {"year": year, "now": current_year}
            )
    if problems:
        errors.extend((line, problem) for problem in problems)
        return None
    return RegisterRow(
        line=line,
        name=values["name"],
        address=values["address"],
        birth_year=birth_year,
        district=values["district"],
    )


def _field_label(field: str) -> str:
    return {
        "name": _("name"),
        "address": _("address"),
        "birth_year": _("birth year"),
        "district": _("district"),
    }[field]
