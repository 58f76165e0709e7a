"""Watchlist import: CSV and JSON, per-row errors, atomic replacement, several lists."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import PermissionDenied, ValidationFailed
from portline.screening.importer import parse_csv, parse_file, parse_json
from portline.screening.models import ScreeningHit, ScreeningRun, Watchlist, WatchlistEntry
from portline.screening.services import watchlist_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 1)

VALID_CSV = """name,aliases,dates_of_birth,nationalities,reason,external_id
José Luis García López,Pepe García;El Güero,1980-05-17,MX,Arrest warrant (fraud),W-1
Jean-Baptiste Saint-Fleur,,1975,HT,Sanctions list,W-2
Aleksandr Ivanov,Александр Иванов,1970-01-02;1971,RU;BY,Interpol notice,W-3
"""

BROKEN_CSV = """name,aliases,dates_of_birth,nationalities,reason,external_id
José Luis García López,,1980-05-17,MX,ok,B-1
,,1980-05-17,MX,no name,B-2
Ana Torres,,1980-02-30,MX,bad date,B-3
Luis Ruiz,,1980,XX,bad country,B-4
Pedro Díaz,,1980,MX,too many,B-5,extra
Rosa Vega,,2999,MX,future,B-6
Carlos Mena,,1980,MX,duplicate id,B-1
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_csv_is_imported(tmp_path, capsys):
    call_command(
        "watchlist_import",
        str(_write(tmp_path, "w.csv", VALID_CSV)),
        "--list",
        "National warrants",
        "--source",
        "test",
    )
    watchlist = Watchlist.objects.get(name="national-warrants")
    assert (watchlist.version, watchlist.entry_count, watchlist.source) == (1, 3, "test")
    first = WatchlistEntry.objects.get(external_id="W-1")
    assert first.aliases == ["Pepe García", "El Güero"]
    assert first.dates_of_birth == ["1980-05-17"] and first.nationalities == ["MX"]
    assert WatchlistEntry.objects.get(external_id="W-3").dates_of_birth == ["1970-01-02", "1971"]
    assert (
        AuditRecord.objects.filter(
            action="screening.watchlist.import", target_id=str(watchlist.pk)
        ).count()
        == 1
    )


def test_valid_json_is_imported_in_both_shapes(tmp_path):
    entries = [
        {
            "name": "María Guadalupe de la Cruz",
            "aliases": ["Lupe Cruz"],
            "dates_of_birth": ["1992-11-03"],
            "nationalities": ["HN"],
            "reason": "r",
            "external_id": "J-1",
        },
        {"primary_name": "Chuy Mejía", "dob": "1988", "nationality": "SV"},
    ]
    call_command(
        "watchlist_import",
        str(_write(tmp_path, "a.json", json.dumps(entries, ensure_ascii=False, indent=2))),
        "--list",
        "a",
    )
    call_command(
        "watchlist_import",
        str(_write(tmp_path, "b.json", json.dumps({"entries": entries}))),
        "--list",
        "b",
    )
    assert WatchlistEntry.objects.filter(watchlist__name="a").count() == 2
    second = WatchlistEntry.objects.get(watchlist__name="b", primary_name="Chuy Mejía")
    assert second.dates_of_birth == ["1988"] and second.nationalities == ["SV"]


def test_each_broken_csv_row_is_reported_with_its_line():
    parsed = parse_csv(BROKEN_CSV, today=TODAY)
    lines = sorted({e.line for e in parsed.errors})
    assert lines == [3, 4, 5, 6, 7, 8]
    text = "\n".join(str(e) for e in parsed.errors)
    for expected in (
        "line 3: the name is missing",
        "line 4: “1980-02-30” is not a date",
        "line 5: “XX” is not a two-letter country code",
        "line 6: 7 fields where the header has 6",
        "line 7: date of birth 2999 is out of range",
        "line 8: identifier B-1 already used on line 2",
    ):
        assert expected in text


def test_each_broken_json_entry_is_reported_with_its_line():
    text = '[\n  {"name": "Ana Torres", "dates_of_birth": "1980"},\n  {"name": ""},\n  {"name": "Luis", "nationalities": ["ZZ"]},\n  {"name": "Eva", "colour": "red"},\n  "just a string"\n]'
    parsed = parse_json(text, today=TODAY)
    assert [(e.line, e.message.split(" ")[0]) for e in parsed.errors] == [
        (3, "the"),
        (4, "“ZZ”"),
        (5, "unknown"),
        (6, "an"),
    ]
    assert parse_json('[{"name": "A"},\n{oops}]', today=TODAY).errors[0].line == 2
    assert (
        parse_file(b"\xff\xfe", filename="x.csv", today=TODAY).errors[0].message
        == "the file is not UTF-8 text"
    )
    assert parse_file(b"name\n", filename="x.xml", today=TODAY).errors


def test_a_broken_file_replaces_nothing(tmp_path, capsys):
    call_command(
        "watchlist_import", str(_write(tmp_path, "w.csv", VALID_CSV)), "--list", "warrants"
    )
    before = list(WatchlistEntry.objects.values_list("id", "primary_name", "list_version"))
    audits = AuditRecord.objects.count()
    with pytest.raises(CommandError, match="6 problem"):
        call_command(
            "watchlist_import",
            str(_write(tmp_path, "broken.csv", BROKEN_CSV)),
            "--list",
            "warrants",
        )
    err = capsys.readouterr().err
    assert err.count("broken.csv: line") == len(parse_csv(BROKEN_CSV, today=TODAY).errors)
    assert list(WatchlistEntry.objects.values_list("id", "primary_name", "list_version")) == before
    assert Watchlist.objects.get(name="warrants").version == 1
    assert AuditRecord.objects.count() == audits


def test_reimport_replaces_the_list_atomically_and_keeps_evidence(tmp_path):
    call_command(
        "watchlist_import", str(_write(tmp_path, "v1.csv", VALID_CSV)), "--list", "warrants"
    )
    watchlist = Watchlist.objects.get(name="warrants")
    referenced = WatchlistEntry.objects.get(external_id="W-2")
    run = ScreeningRun.objects.create(query_name="x", lists={}, engine_version="1", threshold=80)
    ScreeningHit.objects.create(run=run, entry=referenced, rank=1, score=90)
    v2 = "name,dates_of_birth,nationalities,external_id\nRosa Vega Ruiz,1990,CU,N-1\nLuis Ortiz,1985-03-04,VE,N-2\n"
    call_command("watchlist_import", str(_write(tmp_path, "v2.csv", v2)), "--list", "warrants")
    watchlist.refresh_from_db()
    assert (watchlist.version, watchlist.entry_count) == (2, 2)
    current = WatchlistEntry.objects.filter(watchlist=watchlist, list_version=watchlist.version)
    assert sorted(current.values_list("external_id", flat=True)) == ["N-1", "N-2"]
    # Old entries are gone, except the one a hit refers to (retired, kept as evidence).
    assert list(
        WatchlistEntry.objects.filter(list_version=1).values_list("external_id", flat=True)
    ) == ["W-2"]
    record = AuditRecord.objects.filter(action="screening.watchlist.import").order_by("id").last()
    assert record.data["version"] == 2 and record.data["replaced"] == 3


def test_dry_run_and_unchanged_content_write_nothing(tmp_path, capsys):
    path = _write(tmp_path, "w.csv", VALID_CSV)
    call_command("watchlist_import", str(path), "--list", "warrants", "--dry-run")
    assert not Watchlist.objects.exists() and "Dry run" in capsys.readouterr().out
    call_command("watchlist_import", str(path), "--list", "warrants")
    call_command("watchlist_import", str(path), "--list", "warrants")
    assert "nothing changed" in capsys.readouterr().out
    assert Watchlist.objects.get(name="warrants").version == 1


def test_several_lists_coexist(tmp_path):
    call_command("watchlist_import", str(_write(tmp_path, "a.csv", VALID_CSV)), "--list", "a")
    call_command(
        "watchlist_import", str(_write(tmp_path, "b.csv", "name\nRosa Vega\n")), "--list", "b"
    )
    call_command(
        "watchlist_import",
        str(_write(tmp_path, "b2.csv", "name\nRosa Vega Ruiz\nEva Díaz\n")),
        "--list",
        "b",
    )
    assert dict(Watchlist.objects.values_list("name", "version")) == {"a": 1, "b": 2}
    assert WatchlistEntry.objects.filter(watchlist__name="a").count() == 3


def test_only_list_managers_may_import():
    parsed = parse_csv(VALID_CSV, today=TODAY)
    with pytest.raises(PermissionDenied):
        watchlist_import(actor=UserFactory(role=Role.OFFICER), name="x", parsed=parsed)
    watchlist_import(actor=UserFactory(role=Role.PROGRAM_ADMIN), name="x", parsed=parsed)
    with pytest.raises(ValidationFailed):
        watchlist_import(actor=None, name="y", parsed=parse_csv(BROKEN_CSV, today=TODAY))
    assert not Watchlist.objects.filter(name="y").exists()


def test_a_failure_while_writing_rolls_the_whole_import_back(tmp_path):
    """The second batch of rows fails inside the database write: the first batch, already
    inserted, is rolled back with it and the previous version stays current."""
    call_command(
        "watchlist_import", str(_write(tmp_path, "w.csv", VALID_CSV)), "--list", "warrants"
    )
    before = list(WatchlistEntry.objects.order_by("id").values_list("id", "list_version"))
    parsed = parse_csv(
        "name\n" + "\n".join(f"Person Number{i} Test" for i in range(2500)), today=TODAY
    )
    parsed.rows[2400]["nationalities"] = {"not", "serialisable"}  # a set cannot be stored as JSON
    with pytest.raises(TypeError):
        watchlist_import(actor=None, name="warrants", parsed=parsed)
    assert list(WatchlistEntry.objects.order_by("id").values_list("id", "list_version")) == before
    assert Watchlist.objects.get(name="warrants").version == 1
