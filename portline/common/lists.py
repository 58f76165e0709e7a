"""Lists in running text, joined the way the reader's language joins them."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _


def join_or(items: Iterable[object]) -> str:
    """ "a, b or c" in the active language ("a, b o c", "a, b oswa c", "a, b ou c")."""
    texts = [str(item) for item in items]
    if len(texts) < 2:
        return "".join(texts)
    return _("%(items)s or %(last)s") % {"items": ", ".join(texts[:-1]), "last": texts[-1]}
