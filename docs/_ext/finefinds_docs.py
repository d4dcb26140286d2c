"""Sphinx directives that generate documentation from the code, so it cannot drift.

``.. profile-defaults:: <section>``
    A settings table with one column per preset, from :mod:`finefinds_constructs.profiles`.
``.. compliance-matrix:: [Construct]``
    The acknowledgement registry: rule, pack, construct, resource, reason, FSBP control.
"""

from __future__ import annotations

import dataclasses

from docutils import nodes
from docutils.parsers.rst import Directive


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) if value else "(none)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def settings_rows(section: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per setting of ``section`` ('' = top level), one column per preset."""
    from finefinds_constructs import profiles

    presets = profiles.PRESETS
    sample = next(iter(presets.values()))
    obj = getattr(sample, section) if section else sample
    header = ["setting", *presets, "meaning"]
    rows = []
    for f in dataclasses.fields(obj):
        if dataclasses.is_dataclass(getattr(obj, f.name)):
            continue
        values = [_fmt(getattr(getattr(p, section) if section else p, f.name)) for p in presets.values()]
        key = f"{section}.{f.name}" if section else f.name
        rows.append([key, *values, f.metadata.get("doc", "")])
    return header, rows


def compliance_rows(construct: str = "") -> tuple[list[str], list[list[str]]]:
    """Header and rows of the acknowledgement registry (optionally one construct's entries)."""
    from finefinds_constructs import compliance

    header = ["rule", "pack", "construct", "resource", "reason", "FSBP control"]
    rows = [
        [a.rule, a.pack, a.construct, a.path, a.reason, a.fsbp_control]
        for a in compliance.REGISTRY
        if not construct or a.construct.split("[", 1)[0] == construct
    ]
    return header, rows


def _table(header: list[str], rows: list[list[str]], css: str) -> nodes.table:
    table = nodes.table(classes=[css])
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    group += thead
    thead += _row(header)
    tbody = nodes.tbody()
    group += tbody
    for row in rows:
        tbody += _row(row)
    return table


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=cell)
        row += entry
    return row


class ProfileDefaults(Directive):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        return [_table(*settings_rows(self.arguments[0] if self.arguments else ""), "profile-defaults")]


class ComplianceMatrix(Directive):
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        header, rows = compliance_rows(self.arguments[0] if self.arguments else "")
        if not rows:
            return [nodes.paragraph(text="No acknowledgements: every finding is fixed.")]
        return [_table(header, rows, "compliance-matrix")]


def setup(app):  # noqa: D103 - Sphinx hook
    app.add_directive("profile-defaults", ProfileDefaults)
    app.add_directive("compliance-matrix", ComplianceMatrix)
    return {"version": "1", "parallel_read_safe": True}
