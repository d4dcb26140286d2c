"""Merging `*_props` overrides into the keyword arguments of an underlying L2 (ARCHITECTURE.md, "Data flow")."""

from __future__ import annotations

import dataclasses
import difflib
import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name``, for "did you mean" hints."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def accepted_keywords(props_class: type) -> list[str]:
    """Keyword names a jsii struct (e.g. ``ec2.VpcProps``) accepts."""
    params = inspect.signature(props_class.__init__).parameters
    return [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]


def merge_props(
    *,
    parameter: str,
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    props_class: type,
    enforced: Mapping[str, str] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Merge user ``overrides`` over ``defaults`` for the L2 whose props are ``props_class``.

    Parameters
    ----------
    parameter : str
        The construct argument the overrides came from, for error messages.
    defaults : Mapping[str, Any]
        What the construct computed from library defaults, profile and explicit arguments.
    overrides : Mapping[str, Any] or None
        The user's ``*_props``. Default: none.
    props_class : type
        The jsii props struct; its keyword names are the allowed keys.
    enforced : Mapping[str, str], optional
        Keys the construct owns, mapped to why (e.g. flow logs can't be replaced).
        Default: nothing enforced.
    source : str, optional
        Where the overrides came from (the construct's path), named in errors.
        Default: ``None``.
    """
    merged = dict(defaults)
    if not overrides:
        return merged
    allowed = accepted_keywords(props_class)
    enforced = dict(enforced or {})
    for key, value in overrides.items():
        if key in enforced:
            raise ConfigurationError(
                f"{parameter}[{key!r}]",
                value,
                f"any {props_class.__name__} key except {', '.join(sorted(enforced))}",
                fix=f"remove {key!r}: {enforced[key]}",
                source=source,
            )
        if key not in allowed:
            hint = closest(key, allowed)
            raise ConfigurationError(
                f"{parameter}[{key!r}]",
                value,
                f"a keyword of {props_class.__name__}",
                fix=f"did you mean {hint!r}?" if hint else f"see the {props_class.__name__} API reference",
                source=source,
            )
        merged[key] = value
    return merged


def replace_checked(settings: Any, **changes: Any) -> Any:
    """``settings`` (a profile's settings dataclass) with ``changes`` applied and validated like
    profile values, errors naming the construct argument (``cidr``) rather than the profile key
    (``network.cidr``)."""
    try:
        return dataclasses.replace(settings, **changes)
    except ConfigurationError as exc:
        raise ConfigurationError(exc.parameter.split(".", 1)[-1], exc.value, exc.allowed, fix=exc.fix) from None
