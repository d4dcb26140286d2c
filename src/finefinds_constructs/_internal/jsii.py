"""jsii type introspection: jsii interfaces are not runtime-checkable, and imported resources are proxies;
jsii's metaclass hides constructors' parameters from :func:`inspect.signature`."""

from __future__ import annotations

import inspect
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


class _InitSignature:
    """A jsii class's ``__signature__``: its ``__init__``'s parameters, without ``self``.

    jsii's metaclass defines ``__call__(cls, *args, **kwargs)``, and :func:`inspect.signature`
    reads a metaclass ``__call__`` before ``__init__``, so ``help()``, IDEs and the API reference
    showed every construct as ``(*args, **kwargs)``. A descriptor rather than a value, so that a
    subclass with its own ``__init__`` reports its own parameters.
    """

    def __get__(self, instance: object, owner: type) -> inspect.Signature:
        signature = inspect.signature(owner.__init__)
        return signature.replace(
            parameters=list(signature.parameters.values())[1:], return_annotation=inspect.Signature.empty
        )


def show_init_signatures(*classes: type) -> None:
    """Make :func:`inspect.signature` of each of ``classes`` (jsii classes) report its ``__init__``."""
    for cls in classes:
        cls.__signature__ = _InitSignature()  # type: ignore[attr-defined]
