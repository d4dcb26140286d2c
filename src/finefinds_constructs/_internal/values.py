"""Types of profile values, and how a settings file spells them.

TOML has no null: a settings file unsets an optional setting (``None`` in Python) with
:data:`UNSET`, and errors about a file say so where they would say ``None``.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Optional, Union

from ..errors import ConfigurationError
from .checks import Check

#: How a settings file unsets an optional setting (TOML has no null): ``dr_region = false``.
UNSET = "false"


def optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Union, types.UnionType) and type(None) in typing.get_args(annotation)


def type_label(annotation: Any, *, unset: str = "None") -> str:
    """What ``annotation`` takes, e.g. "a string, or None to unset it" (``unset``: the file's spelling)."""
    if optional(annotation):
        inner = " or ".join(type_label(a) for a in typing.get_args(annotation) if a is not type(None))
        return f"{inner}, or {unset} to unset it"
    if typing.get_origin(annotation) is tuple:
        return f"a list of {type_label(typing.get_args(annotation)[0])}"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(annotation, str(annotation))


def conforms(value: Any, annotation: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits ``annotation``; returns the value normalised (lists become tuples)."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in typing.get_args(annotation):
            return True, None
        for option in typing.get_args(annotation):
            if option is not type(None):
                ok, norm = conforms(value, option)
                if ok:
                    return True, norm
        return False, value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            return False, value
        inner = typing.get_args(annotation)[0]
        normalised = []
        for item in value:
            ok, norm = conforms(item, inner)
            if not ok:
                return False, value
            normalised.append(norm)
        return True, tuple(normalised)
    if annotation is bool:
        return isinstance(value, bool), value
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok, float(value) if ok else value
    if annotation is str:
        return isinstance(value, str), value
    return isinstance(value, annotation), value


def file_value(parameter: str, key: str, value: Any, annotation: Any, check: Check | None) -> Any:
    """``value`` normalised to ``annotation``, else a ConfigurationError in the file's terms."""
    ok, norm = conforms(value, annotation)
    if ok and not (value == "" and optional(annotation)):
        return norm
    fix = None
    allowed = type_label(annotation, unset=UNSET)
    if value == "" and optional(annotation):  # an empty string is not how a file unsets a setting
        problem = check("") if ok and check else None  # the check's "allowed", where the setting is a string
        allowed = problem[0] if problem else allowed
        fix = f"to unset it write {key} = {UNSET}"
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and annotation in (str, Optional[str]):
        fix = f'quote it: {key} = "{value}"'  # TOML reads an unquoted account id as a number
    raise ConfigurationError(parameter, value, allowed, fix=fix)


class _Unset:
    """An unset value in an error about a settings file: shown as the file spells it."""

    def __repr__(self) -> str:
        return f"{UNSET} (unset)"


def in_toml_terms(exc: ConfigurationError) -> ConfigurationError:
    """``exc`` with Python's None (in the value, what is allowed and the fix) spelled as a settings file does."""

    def spell(text: str | None) -> str | None:
        return text and re.sub(r"\bNone\b", f"{UNSET} (unset)", text)

    value = _Unset() if exc.value is None else exc.value
    return ConfigurationError(exc.parameter, value, spell(exc.allowed) or "", fix=spell(exc.fix), source=exc.source)
