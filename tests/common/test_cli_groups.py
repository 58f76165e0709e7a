"""`portline NOUN` and `portline NOUN --help` list that noun's commands instead of failing."""

from __future__ import annotations

import pytest

from portline.cli import main


@pytest.mark.parametrize("argv", [["lottery"], ["lottery", "--help"], ["lottery", "-h"]])
def test_noun_lists_its_commands(argv, capsys):
    main(argv)
    out = capsys.readouterr().out
    assert "lottery export" in out and "lottery verify" in out
    assert "geofence check" not in out and "serve" not in out


def test_unknown_noun_still_fails(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["nope"])
    assert exc.value.code == 2
    assert "unknown command 'nope'" in capsys.readouterr().err
