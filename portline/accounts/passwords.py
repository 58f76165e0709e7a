"""A password validator beside Django's own (length, common passwords, similarity, numeric):
a password needs some variety. Ten spaces, or "aaaaaaaaaa", pass a length check and are
guessed at once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_DISTINCT = 5


class VarietyValidator:
    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError(
                _("A password cannot be only spaces."), code="password_only_spaces"
            )
        if len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                _("Use at least %(count)d different characters.") % {"count": MIN_DISTINCT},
                code="password_too_repetitive",
            )

    def get_help_text(self) -> str:
        return _("Use at least %(count)d different characters.") % {"count": MIN_DISTINCT}
