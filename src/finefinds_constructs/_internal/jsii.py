"""jsii type introspection: jsii interfaces are not runtime-checkable, and imported resources are proxies."""

from __future__ import annotations

from typing import Any


def jsii_types(obj: Any) -> set[str]:
    """The jsii type names ``obj`` implements (imported resources are interface proxies)."""
    classes = [type(d) for d in getattr(obj, "_delegates", ())] or [type(obj)]
    names: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            if "__jsii_type__" in klass.__dict__:
                names.add(klass.__dict__["__jsii_type__"])
            for iface in klass.__dict__.get("__jsii_ifaces__", ()):
                for base in iface.__mro__:
                    if "__jsii_type__" in base.__dict__:
                        names.add(base.__dict__["__jsii_type__"])
    return names


def describe(resource: Any) -> str:
    """A readable type name, also for imported resources (jsii interface proxies)."""
    delegates = getattr(resource, "_delegates", None)
    if delegates:
        names = [type(d).__dict__.get("__jsii_type__") for d in delegates]
        names = [n for n in names if n]
        if names:
            return names[-1]
    return type(resource).__name__
