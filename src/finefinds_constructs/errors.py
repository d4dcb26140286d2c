"""Errors raised at synth time for bad input."""

from __future__ import annotations

from typing import Any

__all__ = ["ConfigurationError"]


class ConfigurationError(ValueError):
    """Bad input to a construct or a profile, found at synth time.

    The message names where the input came from, the parameter, the value, what is allowed and
    how to fix it, so a ``cdk synth`` user never has to read a jsii traceback or wait for a
    CloudFormation failure.

    Parameters
    ----------
    parameter : str
        The parameter or settings key that is wrong, e.g. ``"network.nat_gateways"``.
    value : Any
        The value that was given.
    allowed : str
        What would have been accepted.
    fix : str, optional
        How to fix it. Default: ``None`` (no hint).
    source : str, optional
        Where the value came from: a settings file path or a construct path.
        Default: ``None``.
    """

    def __init__(
        self,
        parameter: str,
        value: Any,
        allowed: str,
        *,
        fix: str | None = None,
        source: str | None = None,
    ) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        self.fix = fix
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.parameter} = {self.value!r} is not allowed; allowed: {self.allowed}."
        if self.fix:
            text += f" Fix: {self.fix}"
        return text

    def with_source(self, source: str) -> "ConfigurationError":
        """Return a copy of this error that names ``source`` (a file or construct path)."""
        return ConfigurationError(self.parameter, self.value, self.allowed, fix=self.fix, source=source)
