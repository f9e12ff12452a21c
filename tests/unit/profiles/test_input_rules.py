"""Input profiles refuses (issue 9 §5): invisible or bidi-spoofed names, host-dependent zones,
loose numbers and repeated columns in a roster, garbled cursors."""

from __future__ import annotations

import pytest

from peerlearn.errors import Invalid
from peerlearn.events import new_id
from peerlearn_profiles.domain.paging import check_cursor
from peerlearn_profiles.domain.people import check_timezone, clean_name, clean_skills
from peerlearn_profiles.domain.roster import read_roster

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"


@pytest.mark.parametrize(
    "name",
    [
        "\u200b\u200b",  # zero-width spaces
        "\u2060\ufeff",  # word joiner, zero-width no-break space
        "\u3164",  # Hangul filler
        "\u2800 \u115f",  # blank Braille, Hangul choseong filler
        "\u0301\u0301",  # combining marks with nothing to sit on
    ],
)
def test_a_name_with_nothing_to_see_is_refused(name: str) -> None:
    with pytest.raises(Invalid, match="no visible character"):
        clean_name(name)


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"])
def test_a_name_with_a_bidi_control_is_refused(control: str) -> None:
    with pytest.raises(Invalid, match="bidi"):
        clean_name(f"Bob{control}gnp.exe")
    with pytest.raises(Invalid, match="bidi"):
        clean_skills([(f"SQL{control}", 2, False)])


def test_real_names_in_any_script_stay_as_written() -> None:
    for name in ("Zoë Ñúñez", "李伟", "محمد", "श्रीनिवास", "👩\u200d💻 Ada", "O\u2019Brien"):
        assert clean_name(name) == name
    assert clean_name("  Ada \u00a0 Lovelace ") == "Ada Lovelace"


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin", "right/UTC"])
def test_a_zone_that_depends_on_the_host_is_refused(zone: str) -> None:
    with pytest.raises(Invalid, match="depends on the server"):
        check_timezone(zone)


def test_places_and_utc_are_zones() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    assert check_timezone("UTC") == "UTC"


def test_a_cursor_is_an_id_the_list_handed_out() -> None:
    assert check_cursor(None) is None
    cursor = new_id()
    assert check_cursor(cursor) == cursor
    for garbage in ("garbage", "", cursor.upper(), cursor + "0", "0" * 27):
        with pytest.raises(Invalid, match="cursor"):
            check_cursor(garbage)


def test_a_column_named_twice_is_refused_by_name() -> None:
    with pytest.raises(Invalid, match="more than once: email"):
        read_roster(HEADER.strip() + ",Email\n" + "A,a@x.example,,UTC,1,,,,b@x.example\n")


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("UTC,1_0,,", "weekly_hours '1_0' is not a number"),
        ("UTC,1e1,,", "weekly_hours '1e1' is not a number"),
        ("UTC,nan,,", "weekly_hours 'nan' is not a number"),
        ("UTC,\u0661,,", "weekly_hours '\u0661' is not a number"),  # an Arabic-Indic digit
        ("UTC,1,Python:1_0,", "skills_have: level '1_0' of 'Python' is not a number 1..5"),
    ],
)
def test_numbers_are_plain_decimals(cells: str, reason: str) -> None:
    roster = read_roster(HEADER + f"A,a@x.example,,{cells},\n")
    assert roster.rows == []
    assert roster.rejected == [(2, reason)]


def test_plain_decimals_read_as_written() -> None:
    [row] = read_roster(HEADER + "A,a@x.example,,UTC, 2.5 ,Python:+3,,\n").rows
    assert row.weekly_hours == 2.5 and [s.level for s in row.skills] == [3]
    [row] = read_roster(HEADER + "A,a@x.example,,UTC,.5,,,\n").rows
    assert row.weekly_hours == 0.5
