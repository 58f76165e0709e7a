"""A hit's explanation in the reader's language. The engine stores codes and values
(`match.score_entry`); the words are chosen here, at display time."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _how(code: str) -> str:
    return {
        "exact": _("same"),
        "accents": _("same without accents"),
        "transliteration": _("same after transliteration"),
        "nickname": _("nickname"),
        "spelling": _("same sound, other spelling"),
        "typo": _("spelling difference (typing error?)"),
        "initial": _("initial"),
        "compound": _("compound name joined or split"),
        "partial": _("partly similar"),
        "name_variant": _("same name in another language or script (name family)"),
        "particle": _("same name particle (bin, ibn, abu…)"),
        "school": _("same name in another transliteration"),
        "unvocalised": _("same consonants, written without vowels"),
    }.get(code, code)


def _dob(dob: dict) -> str:
    result = dob.get("result")
    values = {"query": dob.get("query") or "—", "entry": ", ".join(dob.get("entry") or []) or "—"}
    if result == "exact":
        return _("Date of birth matches (%(query)s).") % values
    if result in ("year", "year_month"):
        return _("Date of birth %(query)s agrees with the list's %(entry)s.") % values
    if result == "close":
        return (
            _("Date of birth close: %(query)s here, %(entry)s on the list (possible error).")
            % values
        )
    if result == "conflict":
        return _("Date of birth differs: %(query)s here, %(entry)s on the list.") % values
    return _("No date of birth to compare (here: %(query)s; list: %(entry)s).") % values


def _nationality(nat: dict) -> str:
    values = {"query": nat.get("query") or "—", "entry": ", ".join(nat.get("entry") or []) or "—"}
    if nat.get("result") == "match":
        return _("Nationality matches (%(query)s).") % values
    if nat.get("result") == "different":
        return _("Nationality differs: %(query)s here, %(entry)s on the list.") % values
    return _("No nationality to compare.")


def explanation_lines(explanation: dict) -> list[str]:
    """Plain sentences saying why a hit matched, for officers (pages, PDF, command line)."""
    lines = [
        _(
            "Score %(score)s of 100 (flag from %(threshold)s); name %(name_score)s of 100, matched on the list's %(kind)s “%(name)s”."
        )
        % {
            "score": f"{explanation.get('score', 0):.0f}",
            "threshold": f"{explanation.get('threshold', 0):.0f}",
            "name_score": f"{explanation.get('name_score', 0):.0f}",
            "kind": _("alias") if explanation.get("name_kind") == "alias" else _("primary name"),
            "name": explanation.get("matched_name", ""),
        }
    ]
    for pair in explanation.get("tokens", []):
        lines.append(
            _("“%(query)s” ~ “%(entry)s”: %(how)s.")
            % {"query": pair["query"], "entry": pair["entry"], "how": _how(pair["how"])}
        )
        for side in ("query", "entry"):
            if pair.get(f"{side}_latin"):
                lines.append(
                    _("“%(written)s” is read as “%(latin)s” (%(scheme)s).")
                    % {
                        "written": pair[side],
                        "latin": pair[f"{side}_latin"],
                        "scheme": pair[f"{side}_scheme"],
                    }
                )
    if explanation.get("missing"):
        lines.append(
            _("On the list but not given here: %(names)s.")
            % {"names": ", ".join(explanation["missing"])}
        )
    if explanation.get("extra"):
        lines.append(
            _("Given here but not on the list: %(names)s.")
            % {"names": ", ".join(explanation["extra"])}
        )
    if explanation.get("order") == "different":
        lines.append(_("The names are in another order."))
    if "dob" in explanation:
        lines.append(_dob(explanation["dob"]))
    if "nationality" in explanation:
        lines.append(_nationality(explanation["nationality"]))
    return lines
