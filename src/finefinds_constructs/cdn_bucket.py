"""CdnBucket: a private S3 bucket served through CloudFront, with an optional API origin."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import compliance
from ._internal.jsii import describe, jsii_types
from ._internal.props import merge_props
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .profiles import EnvironmentProfile
from .secure_bucket import SecureBucket

__all__ = ["CdnBucket", "HSTS_MAX_AGE_SECONDS", "SPA_REWRITE_FUNCTION"]

#: HSTS max-age sent with every response: two years, as the HSTS preload list requires (>= 1 year).
HSTS_MAX_AGE_SECONDS = 63_072_000

_PRICE_CLASSES = {
    "PriceClass_100": cloudfront.PriceClass.PRICE_CLASS_100,
    "PriceClass_200": cloudfront.PriceClass.PRICE_CLASS_200,
    "PriceClass_All": cloudfront.PriceClass.PRICE_CLASS_ALL,
}

# Keys of `distribution_props` the construct owns: changing them would undo a guarantee it makes.
_ENFORCED = {
    "default_behavior": "the private S3 origin behind Origin Access Control is the construct's contract; "
    "use .distribution.add_behavior for more paths",
    "enable_logging": "standard logging to .log_bucket is always on",
    "log_bucket": "standard logs go to .log_bucket",
    "certificate": "use the certificate= argument",
    "domain_names": "use the domain_names= argument",
    "minimum_protocol_version": "viewers need TLS 1.2 or later (TLSv1.2_2021)",
    "ssl_support_method": "SNI is the only method that passes the TLS checks",
    "web_acl_id": "use the web_acl_arn= argument",
    "geo_restriction": "use the geo_restriction= argument or profile.cdn.blocked_countries",
}

#: The viewer-request CloudFront Function of ``spa=True``: a path whose last segment has no file
#: extension is a client-side route and gets ``/index.html``; asset paths pass unchanged. It runs on
#: the default behaviour only, so other behaviours' responses (``/api/*``) keep their status.
SPA_REWRITE_FUNCTION = """\
function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""

_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_WEB_ACL_ARN = re.compile(r"arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[\w-]+/[\w-]+")
#: Shortest literal origin secret accepted (tokens, e.g. from Secrets Manager, are not checked).
MIN_ORIGIN_SECRET_LENGTH = 32


class CdnBucket(Construct):
    """A private S3 bucket behind a CloudFront distribution, secured by default.

    What it creates, per profile:

    * the content bucket (a :class:`~finefinds_constructs.secure_bucket.SecureBucket`, purpose
      ``"media"``: KMS-encrypted, versioned, TLS-only, never public) that only this distribution
      can read, through Origin Access Control;
    * a log bucket (SecureBucket, purpose ``"logs"``: SSE-S3, ACLs enabled for CloudFront
      standard logging, logs expiring after ``profile.protection.log_retention_days``) receiving
      the content bucket's server access logs (``s3/content/``) and the distribution's standard
      logs (``cloudfront/``);
    * a CloudFront distribution: HTTP redirected to HTTPS, HTTP/2 and HTTP/3, IPv6, TLS 1.2
      (``TLSv1.2_2021``) minimum with a custom certificate, the price class from
      ``profile.cdn.price_class``, a geo-restriction denylist from ``profile.cdn.blocked_countries``,
      ``index.html`` as root object, the web ACL ``web_acl_arn`` (required where
      ``profile.waf.enabled``);
    * with ``spa=True``: a viewer-request CloudFront Function on the default behaviour that
      serves ``/index.html`` for client-side routes (paths without a file extension), and no
      distribution-wide error responses, so API errors keep their status and body;
    * a response-headers policy adding HSTS (two years, subdomains, preload),
      ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
      strict-origin-when-cross-origin``, ``X-XSS-Protection: 1; mode=block`` and, if given, a
      Content-Security-Policy.

    :meth:`add_api_origin` routes a path (``/api/*``) to a load balancer, uncached: by default an
    internal ALB through a CloudFront VPC origin; with ``origin_header_value=`` an internet-facing
    one that checks a secret origin header.

    The stack may be in any region; the certificate and a CLOUDFRONT-scope web ACL must be in
    us-east-1.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the buckets and the distribution (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    web_acl_arn : str, optional
        ARN of a CLOUDFRONT-scope WAFv2 web ACL (in us-east-1), e.g. ``WafProtection(...)``'s.
        Required where ``profile.waf.enabled``. Default: ``None`` (no web ACL).
    certificate : aws_cdk.aws_certificatemanager.ICertificate, optional
        A us-east-1 ACM certificate for ``domain_names``; give both or neither.
        Default: ``None`` (the ``*.cloudfront.net`` certificate and domain).
    domain_names : Sequence[str], optional
        Alternate domain names the certificate covers. Default: ``None``.
    spa : bool, optional
        Serve ``/index.html`` for client-side routes of a single-page app (extension-less paths
        of the default behaviour, rewritten by a CloudFront Function; missing assets still get
        the bucket's error). Default: ``False``.
    default_root_object : str, optional
        Object served for ``/``. Default: ``"index.html"``.
    geo_restriction : aws_cdk.aws_cloudfront.GeoRestriction, optional
        Where content may be served. Default: a denylist of ``profile.cdn.blocked_countries``
        (none when that is empty).
    content_security_policy : str, optional
        A Content-Security-Policy header value for every response. Default: ``None`` (not sent).
    bucket_props : Mapping[str, Any], optional
        Extra ``s3.BucketProps`` for the content bucket (see SecureBucket). Default: ``None``.
    distribution_props : Mapping[str, Any], optional
        Extra ``cloudfront.DistributionProps`` keyword arguments, applied over everything else
        except what the construct enforces (default behaviour, logging, certificate, TLS, WAF,
        geo restriction). Default: ``None``.

    Attributes
    ----------
    bucket : aws_cdk.aws_s3.Bucket
        The content bucket.
    log_bucket : aws_cdk.aws_s3.Bucket
        The bucket receiving server access logs and CloudFront standard logs.
    distribution : aws_cdk.aws_cloudfront.Distribution
        The distribution.
    response_headers_policy : aws_cdk.aws_cloudfront.ResponseHeadersPolicy
        The security response-headers policy used by every behaviour.
    content : SecureBucket
        The construct around the content bucket (its key is ``content.key``).
    logs : SecureBucket
        The construct around the log bucket.
    spa_function : aws_cdk.aws_cloudfront.Function or None
        The SPA rewrite function (``spa=True`` only).
    api_origins : dict[str, aws_cdk.aws_cloudfront.IOrigin]
        Origins added with :meth:`add_api_origin`, by path pattern (``VpcOrigin`` or
        ``LoadBalancerV2Origin``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        web_acl_arn: str | None = None,
        certificate: acm.ICertificate | None = None,
        domain_names: Sequence[str] | None = None,
        spa: bool = False,
        default_root_object: str = "index.html",
        geo_restriction: cloudfront.GeoRestriction | None = None,
        content_security_policy: str | None = None,
        bucket_props: Mapping[str, Any] | None = None,
        distribution_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        domains = self._check_domain(certificate, domain_names)
        self._check_web_acl(profile, web_acl_arn)
        if geo_restriction is None and profile.cdn.blocked_countries:
            geo_restriction = cloudfront.GeoRestriction.denylist(*profile.cdn.blocked_countries)

        self.logs = SecureBucket(self, "Logs", profile=profile, purpose="logs")
        self.log_bucket: s3.Bucket = self.logs.bucket
        self.content = SecureBucket(
            self,
            "Content",
            profile=profile,
            purpose="media",
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix="s3/content/",
            bucket_props=bucket_props,
        )
        self.bucket: s3.Bucket = self.content.bucket

        self.response_headers_policy = self._security_headers(content_security_policy)
        self.spa_function: cloudfront.Function | None = None
        associations = None
        if spa:
            self.spa_function = cloudfront.Function(
                self,
                "SpaRewrite",
                code=cloudfront.FunctionCode.from_inline(SPA_REWRITE_FUNCTION),
                runtime=cloudfront.FunctionRuntime.JS_2_0,
                comment="Single-page app: extension-less paths get /index.html",
            )
            associations = [
                cloudfront.FunctionAssociation(
                    function=self.spa_function, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                )
            ]
        defaults: dict[str, Any] = dict(
            comment=f"{profile.name}: {self.node.path}"[:128],
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.response_headers_policy,
                compress=True,
                function_associations=associations,
            ),
            default_root_object=default_root_object,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_ipv6=True,
            price_class=_PRICE_CLASSES[profile.cdn.price_class],
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,
            geo_restriction=geo_restriction,
        )
        if certificate is not None:
            defaults.update(
                certificate=certificate,
                domain_names=domains,
                minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
                ssl_support_method=cloudfront.SSLMethod.SNI,
            )
        props = merge_props(
            parameter="distribution_props",
            defaults=defaults,
            overrides=distribution_props,
            props_class=cloudfront.DistributionProps,
            enforced=_ENFORCED,
            source=self.node.path,
        )
        self.distribution = cloudfront.Distribution(self, "Distribution", **props)
        self.api_origins: dict[str, cloudfront.IOrigin] = {}

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "CdnBucket")
        # Findings that only a missing input causes, each accepted by its own registry entry.
        if certificate is None:
            compliance.apply_acknowledgements(self, "CdnBucket[default-certificate]")
        elif cdk.Token.is_unresolved(certificate.certificate_arn) and cdk.Stack.of(certificate) is not cdk.Stack.of(self):
            compliance.apply_acknowledgements(self, "CdnBucket[certificate-from-another-stack]")
        if web_acl_arn is None:
            compliance.apply_acknowledgements(self, "CdnBucket[without-web-acl]")
        if geo_restriction is None:
            compliance.apply_acknowledgements(self, "CdnBucket[worldwide]")

    # ------------------------------------------------------------------------------------------
    def add_api_origin(
        self,
        load_balancer: Any,
        *,
        origin_header_value: str | None = None,
        path_pattern: str = "/api/*",
        origin_header_name: str | None = None,
        protocol: cloudfront.OriginProtocolPolicy | None = None,
        origin_request_policy: cloudfront.IOriginRequestPolicy = cloudfront.OriginRequestPolicy.ALL_VIEWER,
    ) -> cloudfront.IOrigin:
        """Route ``path_pattern`` to a service (or a load balancer), uncached.

        Pass the service itself — ``add_api_origin(service)`` with a
        :class:`~finefinds_constructs.FargateWebService` — and everything else follows from how it
        was built: its load balancer, the header and the secret's value where it checks one
        (resolvable in this stack's region), HTTPS or HTTP as its listener speaks.

        Without ``origin_header_value`` (the default) the load balancer is reached through a
        CloudFront **VPC origin**: it must be an internal ALB (``FargateWebService``'s default),
        which CloudFront reaches privately; nothing is shared between the two stacks but its
        ARN and DNS name. The ``AWS::CloudFront::VpcOrigin`` is created in this construct's stack
        (CloudFront's API is global; the ALB may be in another region of the same account, handed
        over with ``cross_region_references``). With ``origin_header_value`` the load balancer is
        internet-facing and CloudFront adds the secret header it checks.

        Parameters
        ----------
        load_balancer : FargateWebService or aws_cdk.aws_elasticloadbalancingv2.ILoadBalancerV2
            The origin: a service (anything with a ``cdn_origin(region)`` method), or a load
            balancer — an application load balancer for a VPC origin.
        origin_header_value : str, optional
            The secret CloudFront sends in ``origin_header_name`` to an internet-facing load
            balancer, which must reject requests without it. A literal must have at least 32
            characters; prefer a token from Secrets Manager shared with the service
            (``FargateWebService(cloudfront_access="origin-secret")``).
            Default: ``None`` (a VPC origin, no header).
        path_pattern : str, optional
            The path routed to the load balancer. Default: ``"/api/*"``.
        origin_header_name : str, optional
            The header carrying the secret (with ``origin_header_value`` only).
            Default: the service's; ``"X-Origin-Verify"`` (what ``FargateWebService`` checks).
        protocol : aws_cdk.aws_cloudfront.OriginProtocolPolicy, optional
            ``HTTPS_ONLY`` (TLS 1.2 to the origin), or ``HTTP_ONLY`` for a load balancer without a
            certificate, allowed only where ``profile.compute.allow_http``.
            Default: what the service's listener speaks; ``HTTPS_ONLY`` for a load balancer.
        origin_request_policy : aws_cdk.aws_cloudfront.IOriginRequestPolicy, optional
            What is forwarded to the origin. ``ALL_VIEWER`` forwards the viewer's ``Host``
            header too, so with ``HTTPS_ONLY`` the load balancer's certificate must cover the
            distribution's domain names; use ``ALL_VIEWER_EXCEPT_HOST_HEADER`` otherwise.
            Default: ``OriginRequestPolicy.ALL_VIEWER``.

        Returns
        -------
        aws_cdk.aws_cloudfront.IOrigin
            The origin, a ``VpcOrigin`` or a ``LoadBalancerV2Origin`` (also in ``.api_origins``).
        """
        if callable(getattr(load_balancer, "cdn_origin", None)):
            if origin_header_value is not None or origin_header_name is not None:
                raise ConfigurationError(
                    "origin_header_value", "<given>", "nothing when the origin is a service (it knows its header)",
                    fix="pass only the service: add_api_origin(service)", source=self.node.path,
                )
            settings = load_balancer.cdn_origin(cdk.Stack.of(self).region)
            load_balancer = settings["load_balancer"]
            origin_header_name = settings.get("origin_header_name")
            origin_header_value = settings.get("origin_header_value")
            protocol = protocol or settings["protocol"]
        origin_header_name = origin_header_name or "X-Origin-Verify"
        protocol = protocol or cloudfront.OriginProtocolPolicy.HTTPS_ONLY
        self._check_api_origin(path_pattern, origin_header_name, origin_header_value, protocol)
        ssl = [cloudfront.OriginSslPolicy.TLS_V1_2] if protocol == cloudfront.OriginProtocolPolicy.HTTPS_ONLY else None
        origin: cloudfront.IOrigin
        if origin_header_value is None:
            alb = self._check_vpc_origin_target(load_balancer)
            origin = origins.VpcOrigin.with_application_load_balancer(
                alb, protocol_policy=protocol, origin_ssl_protocols=ssl, read_timeout=cdk.Duration.seconds(30)
            )
        else:
            origin_props: dict[str, Any] = dict(
                protocol_policy=protocol,
                custom_headers={origin_header_name: origin_header_value},
                read_timeout=cdk.Duration.seconds(30),
            )
            if ssl:
                origin_props["origin_ssl_protocols"] = ssl
            origin = origins.LoadBalancerV2Origin(load_balancer, **origin_props)
        self.distribution.add_behavior(
            path_pattern,
            origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=origin_request_policy,
            response_headers_policy=self.response_headers_policy,
            compress=True,
        )
        self.api_origins[path_pattern] = origin
        if protocol == cloudfront.OriginProtocolPolicy.HTTP_ONLY:
            compliance.apply_acknowledgements(self, "CdnBucket[http-api-origin]")
        return origin

    def _check_vpc_origin_target(self, load_balancer: Any) -> elbv2.IApplicationLoadBalancer:
        """``load_balancer`` as an ALB fit for a VPC origin: an application load balancer, internal where known."""
        if "aws-cdk-lib.aws_elasticloadbalancingv2.IApplicationLoadBalancer" not in jsii_types(load_balancer):
            raise ConfigurationError(
                "load_balancer", describe(load_balancer), "an elbv2.IApplicationLoadBalancer (for a VPC origin)",
                fix="pass FargateWebService(...).load_balancer, or origin_header_value= for another kind of origin",
                source=self.node.path,
            )
        cfn = load_balancer.node.default_child
        # An internet-facing ALB would stay reachable around CloudFront; an imported one can't be checked.
        if isinstance(cfn, elbv2.CfnLoadBalancer) and cfn.scheme != "internal":
            raise ConfigurationError(
                "load_balancer",
                f"{load_balancer.node.path} (internet-facing)",
                "an internal ALB for a VPC origin (origin_header_value=None)",
                fix="build the service with the default cloudfront_access='vpc-origin' (an internal ALB), or pass "
                "origin_header_value= for an internet-facing ALB that checks a secret header",
                source=self.node.path,
            )
        return load_balancer

    # ------------------------------------------------------------------------------------------
    def _check_domain(self, certificate: acm.ICertificate | None, domain_names: Sequence[str] | None) -> list[str]:
        domains = [domain_names] if isinstance(domain_names, str) else list(domain_names or [])
        if (certificate is None) != (not domains):
            raise ConfigurationError(
                "certificate / domain_names",
                f"certificate={'given' if certificate else None}, domain_names={domains or None}",
                "both (a custom domain) or neither (the *.cloudfront.net domain)",
                fix="pass the us-east-1 ACM certificate together with the domain names it covers",
                source=self.node.path,
            )
        if certificate is None:
            return domains
        arn = certificate.certificate_arn
        if not cdk.Token.is_unresolved(arn):
            parts = arn.split(":")
            region = parts[3] if len(parts) > 5 and parts[2] == "acm" else None
            if region != "us-east-1":
                raise ConfigurationError(
                    "certificate",
                    arn,
                    "an ACM certificate in us-east-1 (arn:aws:acm:us-east-1:...)",
                    fix="CloudFront only uses certificates from us-east-1; request one there (e.g. in the edge stack)",
                    source=self.node.path,
                )
        else:
            region = cdk.Stack.of(certificate).region
            if not cdk.Token.is_unresolved(region) and region != "us-east-1":
                raise ConfigurationError(
                    "certificate",
                    f"a certificate of a stack in {region}",
                    "an ACM certificate in us-east-1",
                    fix="create the certificate in a us-east-1 stack (the edge stack)",
                    source=self.node.path,
                )
        return domains

    def _check_web_acl(self, profile: EnvironmentProfile, web_acl_arn: str | None) -> None:
        if web_acl_arn is None:
            if profile.waf.enabled:
                raise ConfigurationError(
                    "web_acl_arn",
                    None,
                    "the ARN of a CLOUDFRONT-scope web ACL (profile.waf.enabled is true)",
                    fix="pass web_acl_arn= of a WafProtection with scope CLOUDFRONT in us-east-1",
                    source=self.node.path,
                )
            return
        if not cdk.Token.is_unresolved(web_acl_arn) and not _WEB_ACL_ARN.fullmatch(web_acl_arn):
            raise ConfigurationError(
                "web_acl_arn",
                web_acl_arn,
                "a CLOUDFRONT-scope WAFv2 web ACL ARN: arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>",
                fix="CloudFront only uses web ACLs of scope CLOUDFRONT, which live in us-east-1",
                source=self.node.path,
            )

    def _check_api_origin(self, path_pattern: str, header_name: str, header_value: str | None, protocol: Any) -> None:
        if not isinstance(path_pattern, str) or not path_pattern or path_pattern in ("*", "/*"):
            raise ConfigurationError(
                "path_pattern", path_pattern, "a path pattern other than the default, e.g. '/api/*'", source=self.node.path
            )
        if path_pattern in self.api_origins:
            raise ConfigurationError(
                "path_pattern", path_pattern, "a path not yet routed", fix="each path can have one origin", source=self.node.path
            )
        if not isinstance(header_name, str) or not _HEADER_NAME.fullmatch(header_name):
            raise ConfigurationError(
                "origin_header_name", header_name, "an HTTP header name (letters, digits, '-')", source=self.node.path
            )
        if header_value is not None and (
            not isinstance(header_value, str)
            or (not cdk.Token.is_unresolved(header_value) and len(header_value) < MIN_ORIGIN_SECRET_LENGTH)
        ):
            raise ConfigurationError(
                "origin_header_value",
                "<secret>" if isinstance(header_value, str) and header_value else header_value,
                f"a secret of at least {MIN_ORIGIN_SECRET_LENGTH} characters, or a token (e.g. from Secrets Manager)",
                fix="share one generated secret between CdnBucket.add_api_origin and the service's header check",
                source=self.node.path,
            )
        if protocol == cloudfront.OriginProtocolPolicy.HTTPS_ONLY:
            return
        if protocol == cloudfront.OriginProtocolPolicy.HTTP_ONLY and self.profile.compute.allow_http:
            return
        raise ConfigurationError(
            "protocol",
            getattr(protocol, "name", protocol),
            "HTTPS_ONLY" + (", or HTTP_ONLY (profile.compute.allow_http is true)" if self.profile.compute.allow_http else ""),
            fix="give the load balancer a certificate and an HTTPS listener",
            source=self.node.path,
        )

    def _security_headers(self, content_security_policy: str | None) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="HSTS, nosniff, frame DENY, strict referrer, XSS protection",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.seconds(HSTS_MAX_AGE_SECONDS),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=True, mode_block=True, override=True),
                content_security_policy=(
                    cloudfront.ResponseHeadersContentSecurityPolicy(
                        content_security_policy=content_security_policy, override=True
                    )
                    if content_security_policy
                    else None
                ),
            ),
        )
