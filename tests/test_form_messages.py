"""Every error a form field can show is translated in every offered language.

Walks every form class in portline (pages, admin), every field, and every message the field,
its validators and (for model forms) its model field can raise, and renders each in every
offered language. A message that comes out equal to its English text fails, except the few
words that are the same in that language (SAME_WORD). Django has no Haitian Creole catalogue:
portline/locale/ht/LC_MESSAGES/django.po supplies its messages.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation

import portline

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# Messages that are legitimately the same text in another language (none so far).
SAME_WORD: set[tuple[str, str]] = set()


class _Params(dict):
    """Any placeholder: a number (for plural forms and %d)."""

    def __missing__(self, key):
        return 2


def _form_classes() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(portline.__path__, "portline."):
        name = module.name
        if ".migrations" in name or ".management" in name or name.endswith((".tests", ".cli")):
            continue
        if name.rsplit(".", 1)[-1] in {"forms", "views", "admin"} or name.endswith(
            ("_forms", "_views")
        ):
            importlib.import_module(name)
    found: list[type[forms.BaseForm]] = []
    pending: list[type] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            meta = getattr(sub, "_meta", None)
            abstract = issubclass(sub, forms.BaseModelForm) and getattr(meta, "model", None) is None
            if sub.__module__.startswith("portline.") and not abstract:
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _fields(form_class: type[forms.BaseForm]) -> dict[str, forms.Field]:
    try:
        return form_class().fields  # fields added in __init__ too
    except TypeError:  # a form that needs arguments: its declared fields
        return copy.deepcopy(form_class.base_fields)


def _validator_messages(validators) -> Iterator[tuple[str, object]]:
    for validator in validators:
        if getattr(validator, "message", None) is not None:
            yield getattr(validator, "code", None) or type(validator).__name__, validator.message
        yield from (getattr(validator, "messages", None) or {}).items()


def _messages(form_class: type[forms.BaseForm]) -> Iterator[tuple[str, str, object]]:
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    for name, field in _fields(form_class).items():
        yield from ((name, code, message) for code, message in field.error_messages.items())
        yield from (
            (name, code, message) for code, message in _validator_messages(field.validators)
        )
        if model is None:
            continue
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        yield from (
            (name, f"model.{code}", message)
            for code, message in model_field.error_messages.items()
            if code != "unique_for_date"
        )
        yield from (
            (name, f"model.{code}", message)
            for code, message in _validator_messages(model_field.validators)
        )


def _render(message, language: str) -> str:
    with translation.override(language):
        try:
            return str(message % _Params())
        except TypeError:  # a message without placeholders given as a plain string
            return str(message)


FORMS = _form_classes()


def test_the_walk_finds_the_forms():
    names = {c.__name__ for c in FORMS}
    assert {"PersonForm", "GroupForm", "SignUpForm", "DecisionForm", "ReportForm"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_error_is_translated(language):
    untranslated = []
    count = 0
    for form_class in FORMS:
        for field, code, message in _messages(form_class):
            count += 1
            english = _render(message, "en")
            text = _render(message, language)
            if text == english and (language, english) not in SAME_WORD:
                untranslated.append(f"{form_class.__name__}.{field} [{code}]: {english}")
    assert count > 500, count
    unique = sorted(set(untranslated))
    assert not unique, f"{len(unique)} untranslated, e.g.:\n" + "\n".join(unique[:40])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_model_field_error_is_translated(language):
    """Services validate models (full_clean) and the API shows those messages too."""
    from django.apps import apps

    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("portline."):
            continue
        for field in model._meta.concrete_fields:
            messages = [*field.error_messages.items(), *_validator_messages(field.validators)]
            for code, message in messages:
                english = _render(message, "en")
                if _render(message, language) == english and (language, english) not in SAME_WORD:
                    untranslated.append(f"{model.__name__}.{field.name} [{code}]: {english}")
    unique = sorted(set(untranslated))
    assert not unique, f"{len(unique)} untranslated, e.g.:\n" + "\n".join(unique[:40])
