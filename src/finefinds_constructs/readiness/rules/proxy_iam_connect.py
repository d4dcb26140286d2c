"""An RDS Proxy that requires IAM authentication needs someone allowed to sign in to it."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from .. import Rule
from ..model import Resource, Templates


PROXY = "AWS::RDS::DBProxy"
# Where identity policies live: (type, path to the documents).
POLICY_HOLDERS = {
    "AWS::IAM::Policy": ("PolicyDocument",),
    "AWS::IAM::ManagedPolicy": ("PolicyDocument",),
    "AWS::IAM::RolePolicy": ("PolicyDocument",),
    "AWS::IAM::UserPolicy": ("PolicyDocument",),
    "AWS::IAM::GroupPolicy": ("PolicyDocument",),
    "AWS::IAM::Role": ("Policies",),
    "AWS::IAM::User": ("Policies",),
    "AWS::IAM::Group": ("Policies",),
}
# Resources an rds-db:connect grant names when it is meant for something other than a proxy.
DATABASES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance", PROXY)
ACTION = "rds-db:connect"


def _requires_iam(proxy: Resource) -> bool:
    if proxy.get("DefaultAuthScheme") == "IAM_AUTH":
        return True
    return any(isinstance(a, Mapping) and a.get("IAMAuth") == "REQUIRED" for a in proxy.get("Auth", default=[]) or [])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _documents(resource: Resource) -> Iterator[Mapping[str, Any]]:
    (key,) = POLICY_HOLDERS[resource.type]
    value = resource.get(key)
    if key == "Policies":
        for policy in value or []:
            if isinstance(policy, Mapping) and isinstance(policy.get("PolicyDocument"), Mapping):
                yield policy["PolicyDocument"]
    elif isinstance(value, Mapping):
        yield value


def _allows_connect(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return not any(isinstance(a, str) and fnmatch.fnmatchcase(ACTION, a.lower()) for a in _listed(statement["NotAction"]))
    return any(isinstance(a, str) and fnmatch.fnmatchcase(ACTION, a.lower()) for a in _listed(statement.get("Action")))


def _pattern(value: Any) -> str:
    """A literal rendering of an ARN, every intrinsic part replaced by ``*``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = (value["Fn::Join"] + ["", []])[:2]
        if isinstance(separator, str) and isinstance(parts, list):
            return separator.join(_pattern(p) for p in parts)
    if isinstance(value, Mapping) and isinstance(value.get("Fn::Sub"), (str, list)):
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        if isinstance(text, str):
            out, rest = "", text
            while "${" in rest:
                head, _, tail = rest.partition("${")
                out, rest = out + head + "*", tail.partition("}")[2]
            return out + rest
    return "*"


def _grants(templates: Templates, holder: Resource, resource: Any, proxy: Resource) -> bool:
    """Whether ``resource`` (of an Allow rds-db:connect statement) may cover ``proxy``."""
    targets = templates.named(holder.stack, resource)
    if proxy in targets:
        return True
    if any(t.type in DATABASES for t in targets):
        return False  # it names another proxy or a database
    text = _pattern(resource)
    if text == "*":
        return True
    user = text.split(":dbuser:", 1)[1] if ":dbuser:" in text else None
    # A proxy's resource id is known only after create: a prx- literal or a wildcard may be this one.
    return user is not None and (user.startswith("prx-") or user.startswith("*"))


def _granted(templates: Templates, proxy: Resource) -> bool:
    for holder in templates.resources(*POLICY_HOLDERS):
        for document in _documents(holder):
            for statement in _listed(document.get("Statement")):
                if not isinstance(statement, Mapping) or not _allows_connect(statement):
                    continue
                if "NotResource" in statement:
                    return True
                if any(_grants(templates, holder, r, proxy) for r in _listed(statement.get("Resource"))):
                    return True
    return False


def _check(templates: Templates) -> Iterator[tuple]:
    for proxy in templates.resources(PROXY):
        if _requires_iam(proxy) and not _granted(templates, proxy):
            yield proxy, (
                "requires IAM authentication, but no IAM policy in the app allows rds-db:connect on it "
                "(arn:<partition>:rds-db:<region>:<account>:dbuser:prx-<id>/<user>)"
            )


RULE = Rule(
    name="ProxyIamAuthWithoutConnect",
    trap=(
        "A client of an RDS Proxy whose authentication requires IAM (IAMAuth REQUIRED, or DefaultAuthScheme "
        "IAM_AUTH) signs in with an IAM token for a database user, which the proxy accepts only if the "
        "client's identity policy allows rds-db:connect on arn:aws:rds-db:<region>:<account>:dbuser:"
        "prx-<proxy resource id>/<user> (Amazon Aurora user guide, 'Connecting to a database through RDS "
        "Proxy'). With no such grant every sign-in fails: the proxy is billed and unusable, and clients are "
        "typically left on the cluster endpoint."
    ),
    fix=(
        "Grant the application's role rds-db:connect on the proxy for its database user (aws-cdk-lib: "
        "DatabaseProxy.grant_connect(role, db_user); the library: AuroraCluster.grant_connect(role)) and hand "
        "the application the proxy's endpoint. If the clients live in another account, acknowledge the rule "
        "on the proxy and grant there."
    ),
    check=_check,
)
