"""The checks of environment-profile fields.

A check returns ``None`` for a good value, else ``(allowed, fix)``; a check of a list returns
``(allowed, fix, "[index]", entry)`` so that the error names the bad entry.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import re
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any, Optional

from .catalog import AURORA_POSTGRESQL_CLASSES, CACHE_NODE_TYPES, FARGATE_MEMORY, WAF_MANAGED_RULE_GROUPS
from .props import closest
from .regions import OTHER_PARTITION_PREFIXES, REGION_AZS

Problem = tuple[Any, ...]
Check = Callable[[Any], Optional[Problem]]

#: Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


def _did_you_mean(value: Any, candidates: Any, otherwise: str) -> str:
    hint = closest(str(value), list(candidates))
    return f"did you mean {hint!r}?" if hint else otherwise


def between(lo: float, hi: float, unit: str = "") -> Check:
    def check(value: Any) -> Optional[Problem]:
        if value is None or lo <= value <= hi:
            return None
        return f"{lo}..{hi}{unit}", f"use a value between {lo} and {hi}"

    return check


def one_of(*choices: Any) -> Check:
    def check(value: Any) -> Optional[Problem]:
        if value is None or value in choices:
            return None
        return " | ".join(repr(c) for c in choices), _did_you_mean(value, [str(c) for c in choices], "pick one of those")

    return check


def pattern(regex: str, allowed: str, fix: str) -> Check:
    compiled = re.compile(regex)

    def check(value: Any) -> Optional[Problem]:
        if value is None or compiled.fullmatch(value):
            return None
        return allowed, fix

    return check


def each(inner: Check) -> Check:
    """Check every entry of a list; the problem names the entry's index and value."""

    def check(values: Any) -> Optional[Problem]:
        for index, value in enumerate(values):
            problem = inner(value)
            if problem:
                return (*problem[:2], f"[{index}]", value)
        return None

    return check


def retention(value: Any) -> Optional[Problem]:
    if value in LOG_RETENTION_DAYS:
        return None
    nearest = min(LOG_RETENTION_DAYS, key=lambda d: abs(d - value)) if isinstance(value, int) else 30
    return "a CloudWatch Logs retention in days: " + ", ".join(map(str, LOG_RETENTION_DAYS)), f"use {nearest}"


def private_cidr(value: Any) -> Optional[Problem]:
    allowed = "a private IPv4 CIDR (10/8, 172.16/12, 192.168/16) with a prefix from /16 to /24"
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return allowed, f"write it as network/prefix, e.g. '10.0.0.0/16' ({exc})"
    if net.version != 4 or not net.is_private or not (16 <= net.prefixlen <= 24):
        return allowed, "e.g. '10.20.0.0/16'"
    return None


EMAIL = pattern(r"[^@\s]+@[^@\s]+\.[^@\s]+", "e-mail addresses like 'ops@example.com'", "fix the address")

# AWS accepts these in tag values everywhere (letters, digits, spaces and _ . : / = + - @).
tag_value = pattern(
    r"[\w .:/=+\-@]{1,256}", "1 to 256 letters, digits, spaces and _ . : / = + - @ (an AWS tag value)", "drop other characters"
)


def cognito_domain_prefix(value: Any) -> Optional[Problem]:
    allowed = "lowercase letters, digits and hyphens, not starting or ending with a hyphen, without 'aws', 'amazon' or 'cognito'"
    if value is None:
        return None
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", value):
        return allowed, "e.g. 'finefinds-dev'"
    reserved = next((word for word in ("aws", "amazon", "cognito") if word in value), None)
    if reserved:
        return allowed, f"Cognito reserves {reserved!r} in domain prefixes; e.g. {value.replace(reserved, '').strip('-') or 'finefinds-dev'!r}"
    return None


# -- regions ---------------------------------------------------------------------------------
_REGION_CODE = re.compile(r"(af|ap|ca|eu|il|me|mx|sa|us)-(central|(north|south)?(east|west)|north|south)-\d{1,2}")


def region(value: Any) -> Optional[Problem]:
    if value is None or value in REGION_AZS:
        return None
    text = str(value)
    allowed = "a commercial AWS region: " + ", ".join(REGION_AZS)
    if text.lower() in REGION_AZS:
        return allowed, f"write it in lower case: {text.lower()!r}"
    if text.startswith(OTHER_PARTITION_PREFIXES):
        return allowed, (
            f"unknown region {text!r} here: it is in another AWS partition (GovCloud, China, ISO or the European "
            "Sovereign Cloud), and this library targets the commercial partition"
        )
    if _REGION_CODE.fullmatch(text):  # well formed: not a typo of a listed region, so no "did you mean"
        return allowed, f"unknown region {text!r}: no commercial AWS region has that code; use one of those listed"
    return allowed, f"unknown region {text!r}; " + _did_you_mean(text, REGION_AZS, "use a region code like 'eu-west-1'")


# -- time zones and schedules ----------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(value: Any) -> Optional[Problem]:
    zones = _time_zones()
    if value in zones:
        return None
    allowed = "an IANA time zone name like 'Europe/London' or 'UTC' (the tz database, as zoneinfo.available_timezones() lists it)"
    if not zones:  # the tzdata dependency provides them where the system has none (Windows, slim images)
        return allowed, "this Python finds no IANA time zone database: install the tzdata package (pip install tzdata)"
    return allowed, _did_you_mean(value, zones, "see the 'TZ identifier' column of the IANA tz database list")


_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
# field name, lowest, highest, names, special tokens: Application Auto Scaling's cron (EventBridge syntax).
_CRON_FIELDS = (
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), r"\?|L|LW|([1-9]|[12]\d|3[01])W"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _DAYS, r"\?|L|[1-7]L|([1-7]|" + "|".join(_DAYS) + ")#[1-5]"),
    ("year", 1970, 2199, (), ""),
)
_CRON_EXAMPLE = "cron(0 20 ? * MON-FRI *)"


def _cron_field_problem(field: str, name: str, lo: int, hi: int, names: tuple[str, ...], specials: str) -> Optional[str]:
    def value_ok(token: str) -> bool:
        return lo <= int(token) <= hi if token.isdigit() else token.upper() in names

    for part in field.split(","):
        if specials and re.fullmatch(specials, part.upper()):
            continue
        base, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) > 0):
            return f"the {name} step {step!r} is not a positive number"
        if base != "*" and not all(value_ok(bound) for bound in base.split("-", 1)):
            values = f"{lo}-{hi}" + (f" or {names[0]}-{names[-1]}" if names else "")
            return f"the {name} field {part!r} is not {values}, '*', a range, a list or a step"
    return None


def schedule(value: Any) -> Optional[Problem]:
    allowed = (
        f"an Application Auto Scaling schedule: '{_CRON_EXAMPLE}' (minutes hours day-of-month month day-of-week "
        "year), 'rate(1 day)' or 'at(2030-01-31T20:00:00)'"
    )
    text = str(value).strip()
    if match := re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", text):
        return None if int(match.group(1)) > 0 else (allowed, "a rate needs a positive number")
    if match := re.fullmatch(r"at\((.+)\)", text):
        try:
            datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
            return None
        except ValueError:
            return allowed, "write the time as yyyy-mm-ddThh:mm:ss"
    match = re.fullmatch(r"cron\((.*)\)", text)
    fields = (match.group(1) if match else text).split()
    if not match:
        return allowed, f"wrap the six fields in cron(...), with a year field and '?' in day-of-month or day-of-week, e.g. '{_CRON_EXAMPLE}'"
    if len(fields) != 6:
        return allowed, f"cron(...) takes six fields, {len(fields)} given; e.g. '{_CRON_EXAMPLE}' (the sixth is the year)"
    for field, spec in zip(fields, _CRON_FIELDS):
        problem = _cron_field_problem(field, *spec)
        if problem:
            return allowed, problem
    if (fields[2] == "?") == (fields[4] == "?"):
        return allowed, "put '?' in exactly one of day-of-month and day-of-week, e.g. '0 20 ? * MON-FRI *'"
    return None


# -- catalogue entries: Aurora instance classes, ElastiCache node types, Fargate sizes ----------
def _catalogue_problem(name: str, table: Mapping[str, tuple[str, ...]], what: str, prefix: str) -> Optional[str]:
    """``None`` when ``name`` (without ``prefix``) is in ``table``, else how to fix it."""
    family, _, size = name.partition(".")
    if family in table and size in table[family]:
        return None
    if family in table:
        hint = closest(size, table[family])
        sizes = ", ".join(table[family])
        return (f"did you mean {prefix + family + '.' + hint!r}? " if hint else "") + f"{what} {family} comes in {sizes}"
    hint = closest(name, [f"{f}.{s}" for f, sizes in table.items() for s in sizes])
    return (f"did you mean {prefix + hint!r}? " if hint else "") + f"{family!r} is not among the {what} families"


def aurora_instance_class(value: Any) -> Optional[Problem]:
    if value is None:
        return None
    families = ", ".join(AURORA_POSTGRESQL_CLASSES)
    allowed = f"an Aurora PostgreSQL instance class '<family>.<size>' (optionally with 'db.'), families: {families}"
    name = value.removeprefix("db.")
    if name == "serverless":
        return allowed, "for Aurora Serverless v2 set database.serverless = true; instance_class is for provisioned instances"
    problem = _catalogue_problem(name, AURORA_POSTGRESQL_CLASSES, "Aurora PostgreSQL class", "")
    return (allowed, problem) if problem else None


def cache_node_type(value: Any) -> Optional[Problem]:
    allowed = "an ElastiCache node type 'cache.<family>.<size>', families: " + ", ".join(CACHE_NODE_TYPES)
    if not value.startswith("cache."):
        fixed = f"cache.{value}"
        return allowed, (f"prefix it: {fixed!r}" if cache_node_type(fixed) is None else "e.g. 'cache.t4g.small'")
    problem = _catalogue_problem(value.removeprefix("cache."), CACHE_NODE_TYPES, "ElastiCache node type", "cache.")
    return (allowed, problem) if problem else None


def fargate_memory(cpu: int, memory_mib: int) -> Optional[Problem]:
    """``None`` when Fargate runs a task of ``cpu`` units with ``memory_mib``, else (allowed, fix)."""
    sizes = FARGATE_MEMORY.get(cpu, ())
    if memory_mib in sizes:
        return None
    allowed = f"with compute.cpu = {cpu}: " + ", ".join(map(str, sizes))
    cpus = [c for c, m in FARGATE_MEMORY.items() if memory_mib in m]
    nearest = min(sizes, key=lambda m: abs(m - memory_mib))
    other = f", or cpu = {' or '.join(map(str, cpus))} for {memory_mib} MiB" if cpus else ""
    return allowed, f"use memory_mib = {nearest}{other} (Fargate's task sizes)"


def countries(codes: frozenset[str], service: str) -> Check:
    def check(value: Any) -> Optional[Problem]:
        if value in codes:
            return None
        allowed = f"ISO 3166-1 alpha-2 country codes {service} knows, like 'KP'"
        if value.upper() in codes:
            return allowed, f"write it in upper case: {value.upper()!r}"
        return allowed, f"{value!r} is not a country code; " + _did_you_mean(value, codes, "see ISO 3166-1 alpha-2")

    return check


def waf_rule_group(value: Any) -> Optional[Problem]:
    if value in WAF_MANAGED_RULE_GROUPS:
        return None
    return "a managed rule group WafProtection uses: " + ", ".join(WAF_MANAGED_RULE_GROUPS), _did_you_mean(
        value, WAF_MANAGED_RULE_GROUPS, "name one of those"
    )
