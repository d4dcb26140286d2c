"""WafProtection: an AWS WAF web ACL with managed rules, rate limiting, geo/IP lists and logging."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from . import compliance
from ._internal.catalog import WAF_MANAGED_RULE_GROUPS
from ._internal.logs import log_encryption_key, retention
from ._internal.jsii import describe, jsii_types
from ._internal.props import closest, merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["WafProtection", "MANAGED_RULE_GROUPS", "RULE_PRIORITIES", "REDACTED_HEADERS"]

#: AWS managed rule groups, in evaluation order (cheap IP-reputation checks before request
#: inspection), mapped to their priority. The Linux group is added where ``profile.waf.linux_rules``.
MANAGED_RULE_GROUPS: dict[str, int] = WAF_MANAGED_RULE_GROUPS

#: Priorities of the construct's own rules; a rule that is switched off leaves its slot empty,
#: so priorities never shift when a list is added or removed.
RULE_PRIORITIES: dict[str, int] = {
    "AllowListedIps": 0,
    "BlockListedIps": 1,
    "GeoBlock": 2,
    "RateLimitPerIp": 3,
    **MANAGED_RULE_GROUPS,
}

#: Request headers replaced by "REDACTED" in the WAF logs.
REDACTED_HEADERS = ("authorization", "cookie")

#: The smallest rate-based limit AWS WAF accepts (requests per evaluation window).
MIN_RATE_LIMIT = 10

_SCOPES = ("REGIONAL", "CLOUDFRONT")

# Keys of `web_acl_props` the construct owns.
_ENFORCED = {
    "scope": "use the web_acl_scope= argument",
    "rules": "the rules are the construct's contract; use allowed_ips=, blocked_ips= and the profile's waf settings",
    "visibility_config": "CloudWatch metrics and sampled requests are always on",
}


class WafProtection(Construct):
    """An AWS WAF (v2) web ACL with the organisation's rules, logging and metrics.

    Rules, in priority order (fixed slots, see :data:`RULE_PRIORITIES`; a rule that is off
    leaves its slot empty so the others never move):

    * 0 ``AllowListedIps``: allow ``allowed_ips`` (skips every later rule, rate limit included);
    * 1 ``BlockListedIps``: block ``blocked_ips``;
    * 2 ``GeoBlock``: block ``profile.waf.blocked_countries``;
    * 3 ``RateLimitPerIp``: block a client IP above ``profile.waf.rate_limit`` requests per
      5-minute window (AWS minimum: 10);

      (2 and 3 are left to the CLOUDFRONT-scope ACL with ``behind_cloudfront=True``, see below);
    * 10 to 15, AWS managed rule groups: Amazon IP reputation list, anonymous IP list, core rule
      set, known bad inputs, SQL injection, and the Linux OS group where
      ``profile.waf.linux_rules``. Groups named in ``profile.waf.count_only_rules`` run in COUNT
      mode (to stage them); ``rule_action_overrides`` puts single rules of a group in COUNT mode.

    Everything together stays below 1,500 WCU, the web ACL capacity included in the base price.

    Every rule and the web ACL publish CloudWatch metrics (namespace ``AWS/WAFV2``; the web
    ACL's metric name equals its name) and sampled requests. Full request logs go to a
    CloudWatch log group named ``aws-waf-logs-...`` (the prefix WAF requires), encrypted with a
    customer-managed KMS key (rotation on), kept ``profile.protection.log_retention_days``; the
    ``authorization`` and ``cookie`` headers are redacted.

    **Which environments get a WAF** is profile data: the construct always builds when it is
    instantiated, and the platform instantiates it where :meth:`enabled_for` (that is,
    ``profile.waf.enabled``) is true::

        if WafProtection.enabled_for(profile):
            waf = WafProtection(stack, "Waf", profile=profile)
            waf.associate(service.load_balancer)

    **Behind CloudFront.** A REGIONAL web ACL on an ALB that only CloudFront can reach sees
    CloudFront's addresses as the source IP, so a per-IP rate limit would throttle whole edge
    locations, and geo matching would place every viewer where the edge is. Reading the viewer
    from ``X-Forwarded-For`` does not help: AWS WAF's forwarded-IP configuration of rate-based and
    geo statements evaluates only the *first* address of the header, which the client writes
    (CloudFront appends the viewer's address at the end). Pass ``behind_cloudfront=True`` there:
    the regional ACL then leaves the rate limit and geo block to the distribution's CLOUDFRONT-
    scope ACL (where the source IP is the viewer's), and matches the IP lists against the *last*
    ``X-Forwarded-For`` address, the one CloudFront wrote. ``client_ip_header="X-Forwarded-For"``
    is refused for that reason.

    **CLOUDFRONT scope** web ACLs must be created in us-east-1, whatever region the rest of the
    environment uses. Put the WafProtection in its own us-east-1 stack and hand the ARN to the
    CDN stack with cross-region references::

        edge_waf_stack = EnvironmentStack(
            app, "FineFinds-Production-EdgeWaf", profile=profile,
            env=cdk.Environment(account=profile.account, region="us-east-1"),
            cross_region_references=True,
        )
        edge_waf = WafProtection(edge_waf_stack, "Waf", profile=profile, web_acl_scope="CLOUDFRONT")
        cdn_stack = EnvironmentStack(app, "FineFinds-Production-Cdn", profile=profile,
                                     cross_region_references=True)
        # ... cloudfront.Distribution(cdn_stack, ..., web_acl_id=edge_waf.web_acl_arn)

    (EnvironmentStack pins availability zones only when the stack's region is the profile's;
    WAF needs no zones, so the us-east-1 stack synthesizes offline too.) A CLOUDFRONT web ACL in
    a stack with a concrete region other than us-east-1 raises :class:`ConfigurationError`; in
    an environment-agnostic stack a CloudFormation rule refuses deployment outside us-east-1.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the web ACL.
    profile : EnvironmentProfile
        The environment profile; required.
    web_acl_scope : str, optional
        ``"REGIONAL"`` (ALB, API Gateway, AppSync, Cognito) or ``"CLOUDFRONT"``.
        Default: ``"REGIONAL"``.
    allowed_ips : Sequence[str], optional
        IPv4/IPv6 CIDRs always allowed (monitoring probes, office egress). Default: none.
    blocked_ips : Sequence[str], optional
        IPv4/IPv6 CIDRs always blocked. Default: none.
    rate_limit : int, optional
        Requests per client IP per 5 minutes before blocking; at least 10.
        Default: ``profile.waf.rate_limit``.
    count_only_rules : Sequence[str], optional
        Managed rule group names (from :data:`MANAGED_RULE_GROUPS`) to run in COUNT mode.
        Default: ``profile.waf.count_only_rules``.
    rule_action_overrides : Mapping[str, Sequence[str]], optional
        Individual rules of a managed group to run in COUNT mode while the rest of the group
        blocks, e.g. ``{"AWSManagedRulesCommonRuleSet": ["SizeRestrictions_BODY"]}`` for an API
        that accepts large bodies. Default: none.
    client_ip_header : str, optional
        Take the client address from this header instead of the connection's source address: a
        header a trusted proxy *sets* to the viewer's address alone (e.g. ``True-Client-IP``
        written by a CloudFront Function). Not ``X-Forwarded-For``, whose first address (the one
        WAF evaluates) the client controls. Default: ``None`` (source address).
    behind_cloudfront : bool, optional
        A REGIONAL web ACL on a resource only CloudFront reaches: no per-IP rate limit and no geo
        block here (the CLOUDFRONT-scope ACL has them), IP lists matched against the last
        ``X-Forwarded-For`` address (unless ``client_ip_header`` names a header to use).
        Default: ``False``.
    web_acl_props : Mapping[str, Any], optional
        Extra ``wafv2.CfnWebACLProps`` keyword arguments (``name``, ``description``,
        ``default_action``, ``custom_response_bodies``, ``token_domains``, ...), applied over
        the construct's values except ``scope``, ``rules`` and ``visibility_config``.
        Default: ``None``.

    Attributes
    ----------
    web_acl : aws_cdk.aws_wafv2.CfnWebACL
        The web ACL.
    web_acl_arn : str
        Its ARN (for ``cloudfront.Distribution(web_acl_id=...)``).
    web_acl_name : str
        Its name, which is also its CloudWatch metric name (the ``WebACL`` dimension).
    web_acl_scope : str
        ``"REGIONAL"`` or ``"CLOUDFRONT"``.
    behind_cloudfront : bool
        Whether the ACL guards a resource only CloudFront reaches.
    log_group : aws_cdk.aws_logs.LogGroup
        The ``aws-waf-logs-`` log group receiving full request logs.
    key : aws_cdk.aws_kms.Key
        The key encrypting the log group.
    logging_configuration : aws_cdk.aws_wafv2.CfnLoggingConfiguration
        The web ACL's logging configuration.
    ip_sets : dict[str, aws_cdk.aws_wafv2.CfnIPSet]
        The allow/deny IP sets by construct id (empty when no lists are given).
    rule_names : list[str]
        The web ACL's rule names in priority order.
    associations : list[aws_cdk.aws_wafv2.CfnWebACLAssociation]
        Associations made with :meth:`associate`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        web_acl_scope: str = "REGIONAL",
        allowed_ips: Sequence[str] | None = None,
        blocked_ips: Sequence[str] | None = None,
        rate_limit: int | None = None,
        count_only_rules: Sequence[str] | None = None,
        rule_action_overrides: Mapping[str, Sequence[str]] | None = None,
        client_ip_header: str | None = None,
        behind_cloudfront: bool = False,
        web_acl_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        self.web_acl_scope = self._check_scope(web_acl_scope)
        waf = profile.waf
        limit = self._check_rate_limit(waf.rate_limit if rate_limit is None else rate_limit)
        counted = self._check_count_only(
            waf.count_only_rules if count_only_rules is None else count_only_rules,
            waf.linux_rules,
            parameter="waf.count_only_rules" if count_only_rules is None else "count_only_rules",
        )
        overrides = self._check_rule_overrides(rule_action_overrides, waf.linux_rules)
        self._forwarded = self._check_header(client_ip_header)
        self.behind_cloudfront = self._check_behind_cloudfront(behind_cloudfront, rate_limit)
        # Rate limit and geo block need the viewer's address; behind CloudFront without a header
        # set by a trusted proxy, only the CLOUDFRONT-scope ACL has it.
        per_viewer = not self.behind_cloudfront or self._forwarded is not None
        allowed = self._check_cidrs("allowed_ips", allowed_ips)
        blocked = self._check_cidrs("blocked_ips", blocked_ips)

        self.ip_sets: dict[str, wafv2.CfnIPSet] = {}
        rules: list[wafv2.CfnWebACL.RuleProperty] = []
        if allowed:
            rules.append(self._ip_rule("AllowListedIps", "AllowList", allowed, allow=True))
        if blocked:
            rules.append(self._ip_rule("BlockListedIps", "DenyList", blocked, allow=False))
        if waf.blocked_countries and per_viewer:
            geo = wafv2.CfnWebACL.GeoMatchStatementProperty(
                country_codes=list(waf.blocked_countries),
                forwarded_ip_config=self._forwarded_config("MATCH"),
            )
            rules.append(_rule("GeoBlock", wafv2.CfnWebACL.StatementProperty(geo_match_statement=geo), action="block"))
        if per_viewer:
            rate = wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit,
                evaluation_window_sec=300,
                aggregate_key_type="FORWARDED_IP" if self._forwarded else "IP",
                forwarded_ip_config=self._forwarded_config("NO_MATCH"),
            )
            rules.append(_rule("RateLimitPerIp", wafv2.CfnWebACL.StatementProperty(rate_based_statement=rate), action="block"))
        for group in MANAGED_RULE_GROUPS:
            if group == "AWSManagedRulesLinuxRuleSet" and not waf.linux_rules:
                continue
            statement = wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS",
                    name=group,
                    rule_action_overrides=[
                        wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                        )
                        for rule in overrides.get(group, ())
                    ]
                    or None,
                )
            )
            rules.append(_rule(group, statement, override="count" if group in counted else "none"))
        self.rule_names = [r.name for r in rules]

        stack = cdk.Stack.of(self)
        defaults: dict[str, Any] = dict(
            name=cdk.Names.unique_resource_name(self, max_length=128, separator="-"),
            # WAF descriptions allow letters, digits, spaces and =:#@/-,.+ only.
            description=re.sub(r"[^a-zA-Z0-9=:#@/\-,.+ ]", "-", f"{profile.name} - managed rules, rate limit, IP and geo lists - {self.node.path}")[:256],
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        )
        props = merge_props(
            parameter="web_acl_props", defaults=defaults, overrides=web_acl_props, props_class=wafv2.CfnWebACLProps, enforced=_ENFORCED,
            source=self.node.path,
        )
        self.web_acl_name: str = props["name"]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope=self.web_acl_scope,
            rules=rules,
            visibility_config=_visibility(self.web_acl_name),
            **props,
        )
        self.web_acl_arn: str = self.web_acl.attr_arn
        if self.web_acl_scope == "CLOUDFRONT" and cdk.Token.is_unresolved(stack.region):
            cdk.CfnRule(
                self,
                "CloudFrontScopeInUsEast1",
                assertions=[
                    cdk.CfnRuleAssertion(
                        assert_=cdk.Fn.condition_equals(cdk.Aws.REGION, "us-east-1"),
                        assert_description="A CLOUDFRONT-scope web ACL must be deployed in us-east-1.",
                    )
                ],
            )

        self.key, self.log_group, self.logging_configuration = self._logging(profile)
        self.associations: list[wafv2.CfnWebACLAssociation] = []

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "WafProtection")
        compliance.apply_log_retention_acknowledgements(self, "WafProtection", profile.protection.log_retention_days)

    # ------------------------------------------------------------------------------------------
    @staticmethod
    def enabled_for(profile: EnvironmentProfile) -> bool:
        """Whether ``profile`` wants a WAF (``profile.waf.enabled``); platforms check this."""
        return profile.waf.enabled

    def associate(self, resource: Any) -> wafv2.CfnWebACLAssociation:
        """Protect ``resource`` with this web ACL (REGIONAL scope only).

        Parameters
        ----------
        resource : ApplicationLoadBalancer | apigateway.Stage | appsync.IGraphqlApi | cognito.IUserPool
            An application load balancer (``elbv2.IApplicationLoadBalancer``), an API Gateway
            REST API stage, an AppSync GraphQL API or a Cognito user pool. For CloudFront, pass
            :attr:`web_acl_arn` as the distribution's ``web_acl_id`` instead.

        Returns
        -------
        aws_cdk.aws_wafv2.CfnWebACLAssociation
            The association.
        """
        if self.web_acl_scope != "REGIONAL":
            raise ConfigurationError(
                "associate(resource)",
                describe(resource),
                "nothing: a CLOUDFRONT web ACL is not associated, the distribution references it",
                fix="pass web_acl_id=waf.web_acl_arn to cloudfront.Distribution",
                source=self.node.path,
            )
        arn = _resource_arn(resource)
        if arn is None:
            raise ConfigurationError(
                "associate(resource)",
                describe(resource),
                "an elbv2.IApplicationLoadBalancer, apigateway.Stage, appsync.IGraphqlApi or cognito.IUserPool",
                fix="WAF protects only those resource types (CloudFront: use web_acl_arn on the distribution)",
                source=self.node.path,
            )
        # Named after the resource (not a counter), so the order of associate() calls never matters.
        association_id = "Association" + cdk.Names.node_unique_id(resource.node)
        if self.node.try_find_child(association_id) is not None:
            raise ConfigurationError(
                "associate(resource)", resource.node.path, "a resource not yet associated with this web ACL",
                fix="call associate() once per resource", source=self.node.path,
            )
        association = wafv2.CfnWebACLAssociation(self, association_id, resource_arn=arn, web_acl_arn=self.web_acl_arn)
        self.associations.append(association)
        return association

    def metric(self, metric_name: str = "BlockedRequests", *, rule: str = "ALL", **props: Any) -> cloudwatch.Metric:
        """A CloudWatch metric of this web ACL (``AllowedRequests``, ``BlockedRequests``, ``CountedRequests``...).

        Parameters
        ----------
        metric_name : str, optional
            The ``AWS/WAFV2`` metric. Default: ``"BlockedRequests"``.
        rule : str, optional
            A rule name from :attr:`rule_names`, or ``"ALL"``. Default: ``"ALL"``.
        **props
            Further ``cloudwatch.MetricOptions`` (``period``, ``statistic``, ``label``...).
            Default: sum over 5 minutes.
        """
        dimensions = {"WebACL": self.web_acl_name, "Rule": rule}
        if self.web_acl_scope == "REGIONAL":
            dimensions["Region"] = cdk.Stack.of(self).region
        props.setdefault("statistic", "Sum")
        if self.web_acl_scope == "CLOUDFRONT":
            props.setdefault("region", "us-east-1")
        return cloudwatch.Metric(namespace="AWS/WAFV2", metric_name=metric_name, dimensions_map=dimensions, **props)

    # ------------------------------------------------------------------------------------------
    def _check_scope(self, value: Any) -> str:
        if value not in _SCOPES:
            hint = closest(str(value).upper(), _SCOPES)
            raise ConfigurationError(
                "web_acl_scope", value, " | ".join(repr(s) for s in _SCOPES),
                fix=f"did you mean {hint!r}?" if hint else "REGIONAL for ALB/API Gateway/AppSync/Cognito, CLOUDFRONT for distributions",
                source=self.node.path,
            )
        region = cdk.Stack.of(self).region
        if value == "CLOUDFRONT" and not cdk.Token.is_unresolved(region) and region != "us-east-1":
            raise ConfigurationError(
                "web_acl_scope",
                f"CLOUDFRONT in stack {cdk.Stack.of(self).stack_name} ({region})",
                "a CLOUDFRONT web ACL only in a us-east-1 stack",
                fix=(
                    "create the WafProtection in its own us-east-1 stack, e.g. EnvironmentStack(app, id, profile=profile, "
                    "env=cdk.Environment(account=profile.account, region=\"us-east-1\"), cross_region_references=True), "
                    "and pass its web_acl_arn to the CDN stack (created with cross_region_references=True) as the "
                    "distribution's web_acl_id"
                ),
                source=self.node.path,
            )
        return value

    def _check_rate_limit(self, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not MIN_RATE_LIMIT <= value <= 2_000_000_000:
            raise ConfigurationError(
                "rate_limit", value, f"an integer from {MIN_RATE_LIMIT} to 2000000000 (requests per IP per 5 minutes)",
                fix=f"AWS WAF rejects rate-based limits below {MIN_RATE_LIMIT}; use at least {MIN_RATE_LIMIT}",
                source=self.node.path,
            )
        return value

    def _check_count_only(self, names: Iterable[str], linux_rules: bool, parameter: str = "waf.count_only_rules") -> set[str]:
        result = set()
        for name in names:
            if name not in MANAGED_RULE_GROUPS:
                hint = closest(str(name), MANAGED_RULE_GROUPS)
                raise ConfigurationError(
                    parameter, name, "managed rule group names: " + ", ".join(MANAGED_RULE_GROUPS),
                    fix=f"did you mean {hint!r}?" if hint else "name one of the managed rule groups",
                    source=self.node.path,
                )
            if name == "AWSManagedRulesLinuxRuleSet" and not linux_rules:
                raise ConfigurationError(
                    parameter, name, "groups this web ACL uses",
                    fix=f"turn waf.linux_rules on to add the Linux group, or remove it from {parameter}",
                    source=self.node.path,
                )
            result.add(name)
        return result

    def _check_rule_overrides(self, overrides: Mapping[str, Sequence[str]] | None, linux_rules: bool) -> dict[str, list[str]]:
        if not overrides:
            return {}
        self._check_count_only(overrides, linux_rules, parameter="rule_action_overrides")
        result: dict[str, list[str]] = {}
        for group, rules in overrides.items():
            if isinstance(rules, str) or not all(isinstance(r, str) and re.fullmatch(r"[\w\-]{1,128}", r) for r in rules):
                raise ConfigurationError(
                    f"rule_action_overrides[{group!r}]", rules, "a list of rule names of that group",
                    fix="e.g. ['SizeRestrictions_BODY'] (see the group's rule list in the AWS WAF documentation)",
                    source=self.node.path,
                )
            result[group] = list(rules)
        return result

    def _check_header(self, header: Any) -> str | None:
        if header is None:
            return None
        if not isinstance(header, str) or not header or any(c in header for c in " :\t\r\n"):
            raise ConfigurationError(
                "client_ip_header", header, "an HTTP header name such as 'True-Client-IP'", source=self.node.path
            )
        if header.lower() == "x-forwarded-for":
            raise ConfigurationError(
                "client_ip_header",
                header,
                "a header a trusted proxy sets to the viewer's address alone",
                fix="AWS WAF evaluates the first X-Forwarded-For address, which the client writes (CloudFront "
                "appends the viewer last), so a forged header defeats the rate limit and geo block. Behind "
                "CloudFront pass behind_cloudfront=True and rate-limit in the CLOUDFRONT-scope web ACL",
                source=self.node.path,
            )
        return header

    def _check_behind_cloudfront(self, value: Any, rate_limit: Any) -> bool:
        if not isinstance(value, bool):
            raise ConfigurationError("behind_cloudfront", value, "True or False", source=self.node.path)
        if value and self.web_acl_scope != "REGIONAL":
            raise ConfigurationError(
                "behind_cloudfront", value, "False for a CLOUDFRONT-scope web ACL",
                fix="behind_cloudfront describes a REGIONAL web ACL on CloudFront's origin", source=self.node.path,
            )
        if value and rate_limit is not None and self._forwarded is None:
            raise ConfigurationError(
                "rate_limit", rate_limit, "None with behind_cloudfront=True",
                fix="behind CloudFront the source IP is CloudFront's: set the rate limit on the CLOUDFRONT-scope "
                "WafProtection, or pass client_ip_header= naming a header your CloudFront sets to the viewer's address",
                source=self.node.path,
            )
        return value

    def _check_cidrs(self, parameter: str, values: Sequence[str] | None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        if values is None:
            return []
        if isinstance(values, str):
            raise ConfigurationError(parameter, values, "a list of CIDRs", fix=f"write {parameter}=[{values!r}]", source=self.node.path)
        networks = []
        for value in values:
            try:
                net = ipaddress.ip_network(value, strict=True)
            except (TypeError, ValueError) as exc:
                fix = f"write it as network/prefix, e.g. '203.0.113.0/24' ({exc})"
                if isinstance(value, str):
                    try:
                        fix = f"use {str(ipaddress.ip_network(value, strict=False))!r} (host bits must be zero)"
                    except ValueError:
                        pass
                raise ConfigurationError(parameter, value, "IPv4 or IPv6 CIDRs", fix=fix, source=self.node.path) from None
            if net.prefixlen == 0:
                raise ConfigurationError(parameter, value, "CIDRs with a prefix of /1 or longer (WAF rejects /0)", source=self.node.path)
            networks.append(net)
        return networks

    def _ip_set_header(self) -> str | None:
        """The header IP lists read the viewer from: ``client_ip_header``, else X-Forwarded-For behind CloudFront."""
        return self._forwarded or ("X-Forwarded-For" if self.behind_cloudfront else None)

    def _forwarded_config(self, fallback: str) -> wafv2.CfnWebACL.ForwardedIPConfigurationProperty | None:
        if not self._forwarded:
            return None
        return wafv2.CfnWebACL.ForwardedIPConfigurationProperty(header_name=self._forwarded, fallback_behavior=fallback)

    def _ip_rule(self, name: str, set_id: str, networks: list[Any], *, allow: bool) -> wafv2.CfnWebACL.RuleProperty:
        statements = []
        for version in (4, 6):
            addresses = [str(n) for n in networks if n.version == version]
            if not addresses:
                continue
            ip_set = wafv2.CfnIPSet(
                self,
                f"{set_id}V{version}",
                scope=self.web_acl_scope,
                ip_address_version=f"IPV{version}",
                addresses=addresses,
                description=f"{'Allowed' if allow else 'Blocked'} IPv{version} ranges of {self.node.path}",
            )
            self.ip_sets[f"{set_id}V{version}"] = ip_set
            forwarded = None
            header = self._ip_set_header()
            if header:
                # CloudFront appends the viewer address last; earlier entries are client-supplied.
                forwarded = wafv2.CfnWebACL.IPSetForwardedIPConfigurationProperty(
                    header_name=header, fallback_behavior="MATCH" if not allow else "NO_MATCH", position="LAST"
                )
            statements.append(
                wafv2.CfnWebACL.StatementProperty(
                    ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                        arn=ip_set.attr_arn, ip_set_forwarded_ip_config=forwarded
                    )
                )
            )
        statement = (
            statements[0]
            if len(statements) == 1
            else wafv2.CfnWebACL.StatementProperty(or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=statements))
        )
        return _rule(name, statement, action="allow" if allow else "block")

    def _logging(self, profile: EnvironmentProfile) -> tuple[kms.Key, logs.LogGroup, wafv2.CfnLoggingConfiguration]:
        stack = cdk.Stack.of(self)
        key = log_encryption_key(
            self, "LogKey", description=f"Encrypts the WAF logs of {self.node.path}", retain=profile.is_retained
        )
        group = logs.LogGroup(
            self,
            "LogGroup",
            # WAF only delivers to log groups whose name starts with "aws-waf-logs-". The rest need
            # not be fixed: a piece of the stack id (new on every create) keeps a group retained by
            # a deleted stack from blocking the next create ("already exists").
            log_group_name=cdk.Fn.join(
                "-",
                [
                    "aws-waf-logs-" + cdk.Names.unique_resource_name(self, max_length=200, separator="-"),
                    cdk.Fn.select(0, cdk.Fn.split("-", cdk.Fn.select(2, cdk.Fn.split("/", cdk.Aws.STACK_ID)))),
                ],
            ),
            encryption_key=key,
            retention=retention(profile.protection.log_retention_days),
            # Kept with the environment's data, except after a failed first create.
            removal_policy=(
                cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if profile.is_retained else cdk.RemovalPolicy.DESTROY
            ),
        )
        config = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            # WAF wants the log group ARN without the ":*" suffix of LogGroup.log_group_arn.
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=group.log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header}) for header in REDACTED_HEADERS
            ],
        )
        return key, group, config


# ----------------------------------------------------------------------------------------------
def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, sampled_requests_enabled=True, metric_name=metric_name
    )


def _rule(
    name: str, statement: wafv2.CfnWebACL.StatementProperty, *, action: str | None = None, override: str | None = None
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=RULE_PRIORITIES[name],
        statement=statement,
        visibility_config=_visibility(name),
        action=wafv2.CfnWebACL.RuleActionProperty(**{action: {}}) if action else None,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(**{override: {}}) if override else None,
    )


def _resource_arn(resource: Any) -> str | None:
    if isinstance(resource, apigateway.Stage):
        return resource.stage_arn
    types = jsii_types(resource)
    if "aws-cdk-lib.aws_elasticloadbalancingv2.IApplicationLoadBalancer" in types:
        return resource.load_balancer_arn
    if "aws-cdk-lib.aws_appsync.IGraphqlApi" in types:
        return resource.arn
    if "aws-cdk-lib.aws_cognito.IUserPool" in types:
        return resource.user_pool_arn
    return None
