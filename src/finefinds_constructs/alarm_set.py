"""AlarmSet: alarms, an encrypted SNS topic and a dashboard for the library's constructs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import re

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct, IConstruct

from . import compliance
from ._internal.logs import rotating_key
from ._internal.tagging import apply_organisation_tags
from .aurora_cluster import AuroraCluster
from .auth_pool import AuthPool
from .cdn_bucket import CdnBucket
from ._internal.validation import require_profile
from .errors import ConfigurationError
from .fargate_web_service import FargateWebService
from .profiles import EnvironmentProfile
from .redis_cache import RedisCache
from .secure_vpc import SecureVpc
from .waf_protection import WafProtection

__all__ = [
    "AlarmSet",
    "AlarmSpec",
    "HANDLERS",
    "NAT_PACKET_DROP_PERCENT",
    "ACU_AT_MAX_PERCENT",
    "METRICS_IN_ANOTHER_REGION",
    "estimated_max_connections",
]

#: Share of a NAT gateway's packets dropped that alarms (AWS's recommended threshold).
NAT_PACKET_DROP_PERCENT = 0.01

#: Aurora Serverless v2 ``ACUUtilization`` (capacity as a share of the maximum ACU) that counts as
#: "at its ceiling": the cluster cannot scale further.
ACU_AT_MAX_PERCENT = 95.0

#: Id of the synth warning for a construct monitored from a region its metrics are not in
#: (acknowledge it with ``cdk.Annotations.of(scope).acknowledge_warning(id, reason)``).
METRICS_IN_ANOTHER_REGION = "@finefinds/alarm-set:metricsInAnotherRegion"

_Cmp = cloudwatch.ComparisonOperator
_Missing = cloudwatch.TreatMissingData


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm for :meth:`AlarmSet.add_alarms`: what :meth:`AlarmSet.monitor` asks for per metric.

    Use it to alarm a metric of your own next to the library's::

        alarm_set.add_alarms(service, "Orders", [
            AlarmSpec("OrdersFailing", failed_orders, 5, "More than 5 orders failed per period.", critical=True),
        ])

    Parameters
    ----------
    name : str
        The alarm's construct id, unique among the alarms of one monitored construct.
    metric : aws_cdk.aws_cloudwatch.IMetric
        What the alarm watches (a ``Metric`` or ``MathExpression``), with its own period and
        statistic (:attr:`AlarmSet.period` is the one the library's alarms use).
    threshold : float
        The value compared with the metric.
    description : str
        Why it alarms; the alarm description is ``"[critical] "`` (when critical), the profile
        name and the construct path, then this.
    critical : bool
        Whether the alarm joins the composite "service unavailable" alarm.
    comparison : aws_cdk.aws_cloudwatch.ComparisonOperator, optional
        How metric and threshold compare. Default: ``GREATER_THAN_THRESHOLD``.
    missing : aws_cdk.aws_cloudwatch.TreatMissingData, optional
        What missing datapoints count as. Default: ``NOT_BREACHING``.
    """

    name: str
    metric: cloudwatch.IMetric
    threshold: float
    description: str
    critical: bool
    comparison: cloudwatch.ComparisonOperator = _Cmp.GREATER_THAN_THRESHOLD
    missing: cloudwatch.TreatMissingData = _Missing.NOT_BREACHING


_Spec = AlarmSpec  # the name the handlers below use


@jsii.implements(cdk.IStringProducer)
class _AnyOf:
    """Renders ``AlarmRule.any_of`` over the critical alarms as they are at synthesis time."""

    def __init__(self, alarms: list[cloudwatch.Alarm]) -> None:
        self._alarms = alarms

    def produce(self, context: cdk.IResolveContext) -> str:
        return cloudwatch.AlarmRule.any_of(*self._alarms).render_alarm_rule()


class AlarmSet(Construct):
    """Alarms, notifications and a dashboard for constructs of this library.

    Create one per environment (or per stack), then hand it what to watch::

        alarms = AlarmSet(stack, "Alarms", profile=profile)
        alarms.monitor(network, waf, web)

    What it creates:

    * an SNS topic encrypted with a customer-managed KMS key (rotation on) that refuses
      non-TLS publishing (``enforce_ssl``) and admits CloudWatch alarms of this account only;
      ``profile.alarms.emails`` are subscribed (a ``topic=`` you bring is used as it is); a topic
      nobody subscribes to fails the deploy-readiness check (``UnsubscribedNotificationTopic``):
      give the profile its on-call addresses, or subscribe ``.topic`` yourself;
    * per monitored construct, the alarms that fit it (see :meth:`monitor`), each notifying the
      topic on ALARM and on OK, with ``treat_missing_data`` set explicitly, and thresholds,
      evaluation periods and datapoints-to-alarm from ``profile.alarms`` (periods are at least
      60 seconds: AWS service metrics have one-minute resolution);
    * a composite "service unavailable" alarm over the critical alarms, once there is one;
    * a CloudWatch dashboard with the monitored resources' key metrics and alarm states.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    topic : aws_cdk.aws_sns.ITopic, optional
        Notify this topic instead of creating one; its encryption, policy and subscriptions are
        the caller's. Default: ``None`` (an encrypted topic is created).
    dashboard_name : str, optional
        The dashboard's name (unique per account). Default: ``None`` (CloudFormation names it).

    Attributes
    ----------
    topic : aws_cdk.aws_sns.ITopic
        Where alarms notify.
    key : aws_cdk.aws_kms.Key or None
        The key encrypting the topic (``None`` when ``topic=`` was given).
    dashboard : aws_cdk.aws_cloudwatch.Dashboard
        The dashboard.
    alarms : dict[str, aws_cdk.aws_cloudwatch.Alarm]
        Every alarm, keyed ``"<monitored construct path>/<alarm name>"``.
    critical_alarms : list[aws_cdk.aws_cloudwatch.Alarm]
        The alarms the composite alarm combines.
    service_unavailable : aws_cdk.aws_cloudwatch.CompositeAlarm or None
        The composite alarm (``None`` until a critical alarm exists).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        topic: sns.ITopic | None = None,
        dashboard_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        self.profile = profile
        settings = profile.alarms
        self._period = cdk.Duration.seconds(max(60, settings.period_seconds))
        self.key: kms.Key | None = None
        self.topic: sns.ITopic = topic if topic is not None else self._topic(profile)
        self._action = cloudwatch_actions.SnsAction(self.topic)

        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.critical_alarms: list[cloudwatch.Alarm] = []
        self.service_unavailable: cloudwatch.CompositeAlarm | None = None
        self._monitored: set[str] = set()
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=dashboard_name, default_interval=cdk.Duration.hours(3)
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# {profile.name}: alarms and key metrics\nThresholds come from the environment profile "
                f"(`alarms`): evaluation {settings.datapoints_to_alarm} of {settings.evaluation_periods} periods "
                f"of {self._period.to_seconds()} s.",
                width=24,
                height=2,
            )
        )

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "AlarmSet")

    # ------------------------------------------------------------------------------------------
    def monitor(self, *constructs: Any) -> "AlarmSet":
        """Add the alarms and dashboard widgets that fit each construct.

        Supported (see :data:`HANDLERS`):

        * :class:`SecureVpc` (or an ``ec2.Vpc``) — per NAT gateway: port-allocation errors
          (critical) and the share of packets dropped above 0.01 %;
        * :class:`WafProtection` — the share of requests blocked above
          ``profile.alarms.waf_blocked_percent`` (with at least ``min_requests`` requests);
        * ``FargateWebService`` — CPU and memory above ``cpu_percent`` / ``memory_percent``,
          running tasks below desired (critical), ALB and target 5xx as a percentage of
          requests above ``error_rate_percent`` (critical), p99 target response time above
          ``latency_p99_ms``, unhealthy targets (critical), rejected connections (critical);
        * :class:`AuroraCluster` — for any instance of the cluster (``DBClusterIdentifier``
          dimension, ``Maximum``/``Minimum`` statistics): CPU above ``cpu_percent``; freeable
          memory below ``100 - memory_percent`` % of the instance memory; connections above
          ``connections_percent`` % of :func:`estimated_max_connections`; with readers,
          ``AuroraReplicaLag`` above ``replica_lag_ms``; for Serverless v2, ``ACUUtilization`` at
          or above :data:`ACU_AT_MAX_PERCENT` (at its ceiling). None is critical: they warn of
          saturation before clients fail (which the web service's critical alarms then report);
        * :class:`RedisCache` — over the replication group's member clusters
          (``<replication-group-id>-001`` .. ``-00N``, the names ElastiCache gives the members of a
          cluster-mode-disabled group; ElastiCache host and engine metrics only have the
          ``CacheClusterId`` dimension), combined with ``MAX``/``SUM`` metric math:
          ``EngineCPUUtilization`` above ``cpu_percent``, ``DatabaseMemoryUsagePercentage`` above
          ``memory_percent``, evictions in ``datapoints_to_alarm`` periods, and with replicas
          ``ReplicationLag`` above ``replica_lag_ms``. None is critical (a degraded cache, not an
          outage);
        * :class:`CdnBucket` — ``5xxErrorRate`` above ``error_rate_percent`` (with at least
          ``min_requests`` requests; critical) and p99 ``OriginLatency`` above ``latency_p99_ms``.
          CloudFront publishes in us-east-1 (dimension ``Region=Global``); ``OriginLatency`` is an
          additional metric, so an ``AWS::CloudFront::MonitoringSubscription`` is added next to the
          distribution (in the CdnBucket's stack; billed as CloudWatch custom metrics). Alarms are
          created only when this AlarmSet's stack is in us-east-1; elsewhere only dashboard widgets
          and a warning (alarms cannot watch another region's metrics);
        * :class:`AuthPool` — for its web client (``UserPool`` and ``UserPoolClient`` dimensions):
          throttled sign-ins, token refreshes and sign-ups (``SignInThrottles`` +
          ``TokenRefreshThrottles`` + ``SignUpThrottles`` above 0; critical: users are turned
          away) and the share of failed sign-ins (``SignInSuccesses``: ``SampleCount`` attempts,
          ``Sum`` successes) above ``sign_in_failure_percent`` with at least ``min_requests``
          attempts.

        Constructs whose metrics are in another region than this AlarmSet's stack get dashboard
        widgets only, and a synth warning (:data:`METRICS_IN_ANOTHER_REGION`) that says where to
        monitor them instead: the construct would otherwise look monitored while nothing alarms.

        Parameters
        ----------
        *constructs
            Constructs of this library. Each may be monitored once per AlarmSet.

        Returns
        -------
        AlarmSet
            ``self``, so calls chain.
        """
        for target in constructs:
            handler = _handler_for(target)
            if handler is None:
                raise ConfigurationError(
                    "monitor(...)",
                    type(target).__name__,
                    "one of " + ", ".join(t.__name__ for t in HANDLERS),
                    fix="pass the library construct itself (e.g. the SecureVpc, not its .vpc); other types are not supported yet",
                    source=self.node.path,
                )
            path = target.node.path
            if path in self._monitored:
                raise ConfigurationError(
                    "monitor(...)", path, "a construct this AlarmSet does not monitor yet", fix="monitor each construct once",
                    source=self.node.path,
                )
            self._monitored.add(path)
            handler(self, target)
        return self

    # -- helpers for the handlers ---------------------------------------------------------------
    @property
    def period(self) -> cdk.Duration:
        """The metric period of every alarm (``profile.alarms.period_seconds``, at least 60 s)."""
        return self._period

    def add_alarms(self, target: IConstruct, title: str, specs: Sequence[AlarmSpec]) -> list[cloudwatch.Alarm]:
        """Create an alarm per spec for ``target`` and a dashboard row with their states.

        Each alarm notifies the topic on ALARM and OK and evaluates ``profile.alarms``'
        ``datapoints_to_alarm`` of ``evaluation_periods`` periods; critical ones join the composite
        alarm. Works for any construct, also one :meth:`monitor` has alarmed already.

        Parameters
        ----------
        target : constructs.IConstruct
            The construct the alarms are about; keys :attr:`alarms` as ``"<path>/<spec name>"``.
        title : str
            The dashboard row's title.
        specs : Sequence[AlarmSpec]
            The alarms.

        Returns
        -------
        list[aws_cdk.aws_cloudwatch.Alarm]
            The alarms created, in the order of ``specs``.
        """
        settings = self.profile.alarms
        scope_id = cdk.Names.node_unique_id(target.node)
        # A second call for the same target (a team's alarm on a construct monitor() covers) shares its scope.
        scope = self.node.try_find_child(scope_id) or Construct(self, scope_id)
        created = []
        for spec in specs:
            if f"{target.node.path}/{spec.name}" in self.alarms:
                raise ConfigurationError(
                    "AlarmSpec.name", spec.name, f"a name no other alarm of {target.node.path} has",
                    fix="give the alarm another name", source=self.node.path,
                )
            alarm = cloudwatch.Alarm(
                scope,
                spec.name,
                metric=spec.metric,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                evaluation_periods=settings.evaluation_periods,
                datapoints_to_alarm=settings.datapoints_to_alarm,
                treat_missing_data=spec.missing,
                alarm_description=f"{'[critical] ' if spec.critical else ''}{self.profile.name} {target.node.path}: {spec.description}",
            )
            alarm.add_alarm_action(self._action)
            alarm.add_ok_action(self._action)
            self.alarms[f"{target.node.path}/{spec.name}"] = alarm
            if spec.critical:
                self.critical_alarms.append(alarm)
            created.append(alarm)
        if created:
            self.dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(alarms=created, title=f"{title}: alarms", width=24, height=3)
            )
        if self.critical_alarms and self.service_unavailable is None:
            self.service_unavailable = self._composite()
        return created

    def graph(self, title: str, left: Sequence[cloudwatch.IMetric], right: Sequence[cloudwatch.IMetric] = (), *, width: int = 8) -> cloudwatch.GraphWidget:
        """A graph widget with the set's period."""
        return cloudwatch.GraphWidget(title=title, left=list(left), right=list(right), width=width, height=6, period=self._period)

    # ------------------------------------------------------------------------------------------
    def _topic(self, profile: EnvironmentProfile) -> sns.Topic:
        stack = cdk.Stack.of(self)
        self.key = rotating_key(
            self, "TopicKey", description=f"Encrypts the alarm notifications of {self.node.path}", retain=profile.is_retained
        )
        # CloudWatch publishes to an encrypted topic only if the key lets it create data keys.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        topic = sns.Topic(
            self,
            "Topic",
            display_name=f"{profile.name} alarms"[:100],
            master_key=self.key,
            enforce_ssl=True,
            signature_version="2",
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"},
                },
            )
        )
        for email in profile.alarms.emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def _composite(self) -> cloudwatch.CompositeAlarm:
        composite = cloudwatch.CompositeAlarm(
            self,
            "ServiceUnavailable",
            alarm_rule=cloudwatch.AlarmRule.from_string(cdk.Lazy.uncached_string(_AnyOf(self.critical_alarms))),
            alarm_description=f"[critical] {self.profile.name}: service unavailable - at least one critical alarm "
            f"of {self.node.path} is in ALARM",
        )
        composite.add_alarm_action(self._action)
        composite.add_ok_action(self._action)
        return composite


# ----------------------------------------------------------------------------------------------
# Handlers: one function per supported type. Add a construct type here and only here.
# ----------------------------------------------------------------------------------------------


def _percent(
    key: str, expression_label: str, numerator: cloudwatch.IMetric, denominator: cloudwatch.IMetric, *, minimum: int, period: cdk.Duration
) -> cloudwatch.MathExpression:
    """``100 * numerator / denominator`` where the denominator reaches ``minimum``, else 0.

    ``key`` prefixes the metric ids, so several percentages can share a graph.
    """
    n, d = f"{key}Num", f"{key}Den"
    return cloudwatch.MathExpression(
        expression=f"IF({d} >= {minimum}, 100 * FILL({n}, 0) / {d}, 0)",
        using_metrics={n: numerator, d: denominator},
        label=expression_label,
        period=period,
    )


def _alarms_possible(alarm_set: AlarmSet, target: IConstruct, kind: str, metric_region: str) -> bool:
    """False (and a synth warning) when ``metric_region`` is definitely not the AlarmSet's region."""
    own_region = cdk.Stack.of(alarm_set).region
    if not cdk.Token.is_unresolved(own_region) and not cdk.Token.is_unresolved(metric_region) and metric_region != own_region:
        # CloudWatch alarms cannot watch another region's metrics; the dashboard can. A warning,
        # not a note in the metadata: nothing would ever page anyone about this construct.
        cdk.Annotations.of(alarm_set).add_warning_v2(
            METRICS_IN_ANOTHER_REGION,
            f"{target.node.path} is not alarmed: {kind} metrics are in {metric_region} and alarms of this "
            f"AlarmSet ({own_region}) cannot watch them; only dashboard widgets were added. Monitor it from an "
            f"AlarmSet in a {metric_region} stack.",
        )
        return False
    return True


def _region_of(alarm_set: AlarmSet, target: IConstruct) -> str | None:
    """The target stack's region for ``Metric(region=...)`` when it differs from the AlarmSet's, else None."""
    region = cdk.Stack.of(target).region
    own_region = cdk.Stack.of(alarm_set).region
    if cdk.Token.is_unresolved(region) or region == own_region:
        return None
    return region


def _rows(alarm_set: AlarmSet, widgets: Sequence[cloudwatch.IWidget]) -> None:
    for start in range(0, len(widgets), 3):
        alarm_set.dashboard.add_widgets(*widgets[start : start + 3])


def _monitor_vpc(alarm_set: AlarmSet, target: SecureVpc | ec2.Vpc) -> None:
    vpc = target.vpc if isinstance(target, SecureVpc) else target
    period = alarm_set.period
    nat_gateways = [
        child
        for subnet in vpc.public_subnets
        for child in subnet.node.find_all()
        if isinstance(child, ec2.CfnNatGateway)
    ]
    specs: list[_Spec] = []
    widgets: list[cloudwatch.IWidget] = []
    for index, nat in enumerate(nat_gateways, start=1):
        def metric(name: str, statistic: str = "Sum", _nat: ec2.CfnNatGateway = nat) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/NATGateway", metric_name=name, dimensions_map={"NatGatewayId": _nat.ref},
                statistic=statistic, period=period,
            )

        packets = cloudwatch.MathExpression(
            expression="FILL(a, 0) + FILL(b, 0)",
            using_metrics={"a": metric("PacketsInFromSource"), "b": metric("PacketsInFromDestination")},
            label="packets",
            period=period,
        )
        drop = _percent("drop", "dropped %", metric("PacketsDropCount"), packets, minimum=1, period=period)
        specs += [
            _Spec(
                f"NatGateway{index}PortAllocationErrors",
                metric("ErrorPortAllocation"),
                0,
                f"NAT gateway {index} could not allocate source ports: outbound connections from private subnets fail "
                "(too many concurrent connections to one destination; spread traffic or add NAT gateways).",
                critical=True,
            ),
            _Spec(
                f"NatGateway{index}PacketsDropped",
                drop,
                NAT_PACKET_DROP_PERCENT,
                f"NAT gateway {index} drops more than {NAT_PACKET_DROP_PERCENT} % of packets; check the AWS Health "
                "dashboard and the NAT gateway's bandwidth.",
                critical=False,
            ),
        ]
        widgets += [
            alarm_set.graph(
                f"NAT gateway {index}: traffic",
                [metric("BytesOutToDestination"), metric("BytesInFromDestination")],
                [metric("ActiveConnectionCount", "Maximum")],
            ),
            alarm_set.graph(f"NAT gateway {index}: errors", [metric("ErrorPortAllocation"), metric("PacketsDropCount")]),
        ]
    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(markdown=f"## Network {target.node.path}: {len(nat_gateways)} NAT gateway(s)", width=24, height=1)
    )
    for start in range(0, len(widgets), 3):
        alarm_set.dashboard.add_widgets(*widgets[start : start + 3])
    alarm_set.add_alarms(target, f"Network {target.node.id}", specs)


def _monitor_waf(alarm_set: AlarmSet, target: WafProtection) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    blocked = target.metric("BlockedRequests", period=period)
    allowed = target.metric("AllowedRequests", period=period)
    counted = target.metric("CountedRequests", period=period)
    total = cloudwatch.MathExpression(
        expression="FILL(a, 0) + FILL(b, 0)", using_metrics={"a": allowed, "b": blocked}, label="requests", period=period
    )
    blocked_percent = _percent("blocked", "blocked %", blocked, total, minimum=settings.min_requests, period=period)
    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(markdown=f"## WAF {target.node.path} ({target.web_acl_scope})", width=24, height=1)
    )
    alarm_set.dashboard.add_widgets(
        alarm_set.graph("WAF: requests", [allowed, blocked, counted], width=12),
        alarm_set.graph("WAF: blocked share (%)", [blocked_percent], width=12),
    )
    target_region = cdk.Stack.of(target).region if target.web_acl_scope == "REGIONAL" else "us-east-1"
    if not _alarms_possible(alarm_set, target, "WAF", target_region):
        return
    alarm_set.add_alarms(
        target,
        f"WAF {target.node.id}",
        [
            _Spec(
                "BlockedRequestsSpike",
                blocked_percent,
                settings.waf_blocked_percent,
                f"The WAF blocks more than {settings.waf_blocked_percent:g} % of requests: an attack under way, or a "
                "rule blocking real users (check the sampled requests and the aws-waf-logs- log group).",
                critical=False,
            )
        ],
    )


def _monitor_fargate_web_service(alarm_set: AlarmSet, target: FargateWebService) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    service = target.service
    load_balancer: elbv2.ApplicationLoadBalancer = target.load_balancer
    target_group: elbv2.ApplicationTargetGroup = target.target_group
    cpu = service.metric_cpu_utilization(period=period, statistic="Average")
    memory = service.metric_memory_utilization(period=period, statistic="Average")

    def insights(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name=name,
            dimensions_map={"ClusterName": service.cluster.cluster_name, "ServiceName": service.service_name},
            statistic="Average",
            period=period,
        )

    running, desired = insights("RunningTaskCount"), insights("DesiredTaskCount")
    missing_tasks = cloudwatch.MathExpression(
        expression="desired - running", using_metrics={"desired": desired, "running": running}, label="tasks missing", period=period
    )
    requests = load_balancer.metrics.request_count(period=period, statistic="Sum")
    elb_5xx = load_balancer.metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=period, statistic="Sum")
    tg_requests = target_group.metrics.request_count(period=period, statistic="Sum")
    target_5xx = target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period, statistic="Sum")
    p99 = target_group.metrics.target_response_time(period=period, statistic="p99")
    unhealthy = target_group.metrics.unhealthy_host_count(period=period, statistic="Maximum")
    healthy = target_group.metrics.healthy_host_count(period=period, statistic="Minimum")
    rejected = load_balancer.metrics.rejected_connection_count(period=period, statistic="Sum")
    minimum = settings.min_requests
    elb_rate = _percent("elb", "ALB 5xx %", elb_5xx, requests, minimum=minimum, period=period)
    target_rate = _percent("target", "target 5xx %", target_5xx, tg_requests, minimum=minimum, period=period)

    alarm_set.dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## Web service {target.node.path}", width=24, height=1))
    alarm_set.dashboard.add_widgets(
        alarm_set.graph("Requests and 5xx", [requests], [elb_5xx, target_5xx]),
        alarm_set.graph("5xx share (%)", [elb_rate, target_rate]),
        alarm_set.graph(
            "Target response time", [target_group.metrics.target_response_time(period=period, statistic="p50"), p99]
        ),
    )
    alarm_set.dashboard.add_widgets(
        alarm_set.graph("CPU and memory (%)", [cpu, memory]),
        alarm_set.graph("Tasks", [running, desired]),
        alarm_set.graph("Targets", [healthy, unhealthy], [rejected]),
    )
    error_rate = settings.error_rate_percent
    alarm_set.add_alarms(
        target,
        f"Web service {target.node.id}",
        [
            _Spec("CpuHigh", cpu, settings.cpu_percent, f"Service CPU above {settings.cpu_percent} %; autoscaling may be at its ceiling.", critical=False),
            _Spec("MemoryHigh", memory, settings.memory_percent, f"Service memory above {settings.memory_percent} %; tasks risk OOM kills.", critical=False),
            _Spec(
                "RunningTasksBelowDesired", missing_tasks, 0,
                "Fewer tasks run than ECS wants: tasks fail to start or keep stopping (check stopped-task reasons).",
                critical=True,
            ),
            _Spec(
                "LoadBalancer5xxRate", elb_rate, error_rate,
                f"More than {error_rate:g} % of requests get a 5xx from the load balancer itself (no healthy targets, timeouts).",
                critical=True,
            ),
            _Spec(
                "Target5xxRate", target_rate, error_rate,
                f"More than {error_rate:g} % of requests get a 5xx from the application.",
                critical=True,
            ),
            _Spec(
                "LatencyP99High", p99, settings.latency_p99_ms / 1000,
                f"p99 target response time above {settings.latency_p99_ms} ms.",
                critical=False,
            ),
            _Spec(
                "UnhealthyTargets", unhealthy, 0,
                "Targets fail the load balancer's health check.",
                critical=True,
            ),
            _Spec(
                "RejectedConnections", rejected, 0,
                "The load balancer rejects connections (it reached its connection limit).",
                critical=True,
            ),
        ],
    )


# -- AuroraCluster ------------------------------------------------------------------------------

#: GiB of memory per vCPU of the instance families Aurora PostgreSQL offers (r: memory optimised,
#: x: extra memory, m: general purpose); burstable (t) classes by size.
_GIB_PER_VCPU = {"r": 8, "x": 16, "m": 4}
_BURSTABLE_GIB = {"medium": 4, "large": 8}
_INSTANCE_CLASS = re.compile(r"(?:db\.)?([a-z]+)\d+[a-z-]*\.([a-z0-9]+)")
#: Aurora PostgreSQL's default ``max_connections`` is ``LEAST(DBInstanceClassMemory / 9531392, 5000)``.
_BYTES_PER_CONNECTION = 9_531_392
#: Serverless v2 with a minimum of 0 or 0.5 ACU caps ``max_connections`` at 2000.
_LOW_MINIMUM_CONNECTION_CAP = 2000
_CONNECTION_CAP = 5000


def estimated_max_connections(memory_gib: float, *, cap: int = _CONNECTION_CAP) -> int:
    """Aurora PostgreSQL's default ``max_connections`` for an instance with ``memory_gib`` of memory.

    ``LEAST(DBInstanceClassMemory / 9531392, cap)``, taking the class's nominal memory for
    ``DBInstanceClassMemory`` (the real value is a little lower, so the estimate errs high by a few
    percent). Serverless v2 instances count ``2 GiB × max ACU``; their ``cap`` is 2000 with a
    minimum capacity of 0 or 0.5 ACU.
    """
    return max(1, min(int(memory_gib * 2**30) // _BYTES_PER_CONNECTION, cap))


def _instance_memory_gib(instance_class: str) -> float | None:
    """Nominal memory of a provisioned class like ``db.r7g.large``; ``None`` when not known."""
    match = _INSTANCE_CLASS.fullmatch(instance_class)
    if not match:
        return None
    family, size = match.group(1), match.group(2)
    if family == "t":
        return _BURSTABLE_GIB.get(size)
    sized = re.fullmatch(r"(\d*)xlarge", size)
    vcpus = 2 if size == "large" else (4 * int(sized.group(1) or 1) if sized else None)
    per_vcpu = _GIB_PER_VCPU.get(family)
    return None if vcpus is None or per_vcpu is None else float(vcpus * per_vcpu)


def _aurora_capacity(target: AuroraCluster) -> tuple[float | None, int, int, bool]:
    """(memory GiB per instance or None, max_connections cap, readers, serverless) from the synthesized resources."""
    instances = [c for c in target.cluster.node.find_all() if isinstance(c, rds.CfnDBInstance)]
    classes = {c.db_instance_class for c in instances}
    readers = max(0, len(instances) - 1)
    serverless = "db.serverless" in classes
    if serverless:
        # The capacity range is the cluster's profile's (AuroraCluster enforces it).
        db = target.profile.database
        cap = _LOW_MINIMUM_CONNECTION_CAP if db.min_acu <= 0.5 else _CONNECTION_CAP
        return 2.0 * db.max_acu, cap, readers, serverless
    memories = {_instance_memory_gib(c) if isinstance(c, str) else None for c in classes}
    if len(memories) != 1 or None in memories:
        return None, _CONNECTION_CAP, readers, serverless
    return memories.pop(), _CONNECTION_CAP, readers, serverless


def _monitor_aurora(alarm_set: AlarmSet, target: AuroraCluster) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    region = _region_of(alarm_set, target)
    cluster = target.cluster
    memory_gib, cap, readers, serverless = _aurora_capacity(target)

    def metric(name: str, statistic: str) -> cloudwatch.Metric:
        # The DBClusterIdentifier dimension aggregates the cluster's instances: Maximum/Minimum
        # catch the busiest instance.
        return cluster.metric(name, statistic=statistic, period=period, region=region)

    cpu = metric("CPUUtilization", "Maximum")
    freeable = metric("FreeableMemory", "Minimum")
    connections = metric("DatabaseConnections", "Maximum")
    lag = metric("AuroraReplicaLag", "Maximum")
    acu = metric("ACUUtilization", "Maximum")
    specs = [
        _Spec(
            "DbCpuHigh", cpu, settings.cpu_percent,
            f"CPU of a database instance above {settings.cpu_percent} %; queries slow down (check Performance Insights).",
            critical=False, missing=_Missing.NOT_BREACHING,
        )
    ]
    if memory_gib is None:
        cdk.Annotations.of(alarm_set).add_info(
            f"{target.node.path}: the instance memory is unknown (instance class not recognised); no freeable-memory "
            "or connection alarms were added."
        )
    else:
        free_percent = 100 - settings.memory_percent
        free_bytes = round(memory_gib * 2**30 * free_percent / 100)
        max_connections = estimated_max_connections(memory_gib, cap=cap)
        connection_limit = max(1, round(max_connections * settings.connections_percent / 100))
        specs += [
            _Spec(
                "DbFreeableMemoryLow", freeable, free_bytes,
                f"Freeable memory of a database instance below {free_percent} % of its {memory_gib:g} GiB"
                f"{' (at maximum capacity)' if serverless else ''}; the cache shrinks and queries spill to disk.",
                critical=False, comparison=_Cmp.LESS_THAN_THRESHOLD, missing=_Missing.NOT_BREACHING,
            ),
            _Spec(
                "DbConnectionsHigh", connections, connection_limit,
                f"More than {connection_limit} connections to a database instance ({settings.connections_percent} % of "
                f"the estimated max_connections {max_connections}); new connections will soon be refused "
                "(use the RDS Proxy or a connection pool).",
                critical=False, missing=_Missing.NOT_BREACHING,
            ),
        ]
    if readers:
        specs.append(
            _Spec(
                "DbReplicaLagHigh", lag, settings.replica_lag_ms,
                f"A reader lags the writer by more than {settings.replica_lag_ms} ms; reads return stale data.",
                critical=False, missing=_Missing.NOT_BREACHING,
            )
        )
    if serverless:
        specs.append(
            _Spec(
                "DbCapacityAtMaximum", acu, ACU_AT_MAX_PERCENT,
                f"Serverless v2 capacity at {ACU_AT_MAX_PERCENT:g} % or more of the maximum ACU: the cluster cannot "
                "scale further (raise profile.database.max_acu).",
                critical=False, comparison=_Cmp.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, missing=_Missing.NOT_BREACHING,
            )
        )

    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(
            markdown=f"## Database {target.node.path} ({'serverless v2' if serverless else 'provisioned'}, {readers} reader(s))",
            width=24,
            height=1,
        )
    )
    widgets: list[cloudwatch.IWidget] = [
        alarm_set.graph("Database: CPU (%)", [cpu, metric("CPUUtilization", "Average")]),
        alarm_set.graph("Database: freeable memory", [freeable]),
        alarm_set.graph("Database: connections", [connections]),
        alarm_set.graph("Database: latency", [metric("ReadLatency", "Average"), metric("WriteLatency", "Average")]),
    ]
    if readers:
        widgets.append(alarm_set.graph("Database: replica lag (ms)", [lag]))
    if serverless:
        widgets.append(alarm_set.graph("Database: capacity", [metric("ServerlessDatabaseCapacity", "Maximum")], [acu]))
    _rows(alarm_set, widgets)
    if not _alarms_possible(alarm_set, target, "Aurora", cdk.Stack.of(target).region):
        return
    alarm_set.add_alarms(target, f"Database {target.node.id}", specs)


# -- RedisCache ---------------------------------------------------------------------------------


def _redis_members(target: RedisCache) -> list[str]:
    """The member cache clusters: ``<replication-group-id>-001`` .. ``-00N`` (cluster mode disabled)."""
    group = target.replication_group
    count = group.num_cache_clusters if isinstance(group.num_cache_clusters, int) else 1
    return [f"{group.ref}-{index:03d}" for index in range(1, count + 1)]


def _monitor_redis(alarm_set: AlarmSet, target: RedisCache) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    region = _region_of(alarm_set, target)
    members = _redis_members(target)
    has_replicas = len(members) > 1

    def member_metric(name: str, statistic: str, member: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ElastiCache", metric_name=name, dimensions_map={"CacheClusterId": member},
            statistic=statistic, period=period, region=region,
        )

    def combined(key: str, name: str, statistic: str, function: str, label: str) -> cloudwatch.IMetric:
        """``function([...])`` of the metric over all members (MAX or SUM): one alarm covers the group."""
        using = {f"{key}{index}": member_metric(name, statistic, m) for index, m in enumerate(members, start=1)}
        return cloudwatch.MathExpression(
            expression=f"{function}([{', '.join(using)}])", using_metrics=using, label=label, period=period
        )

    engine_cpu = combined("enginecpu", "EngineCPUUtilization", "Maximum", "MAX", "engine CPU % (busiest node)")
    memory = combined("memory", "DatabaseMemoryUsagePercentage", "Maximum", "MAX", "memory used % (fullest node)")
    evictions = combined("evictions", "Evictions", "Sum", "SUM", "evictions")
    lag = combined("lag", "ReplicationLag", "Maximum", "MAX", "replication lag (s)")
    specs = [
        _Spec(
            "CacheEngineCpuHigh", engine_cpu, settings.cpu_percent,
            f"The cache engine thread of a node is above {settings.cpu_percent} % CPU; commands queue up "
            "(look for slow commands in the slow log, or scale the node type).",
            critical=False, missing=_Missing.NOT_BREACHING,
        ),
        _Spec(
            "CacheMemoryHigh", memory, settings.memory_percent,
            f"A node uses more than {settings.memory_percent} % of its memory for data; keys will be evicted "
            "or writes refused.",
            critical=False, missing=_Missing.NOT_BREACHING,
        ),
        _Spec(
            "CacheEvictions", evictions, 0,
            f"The cache evicts keys in {settings.datapoints_to_alarm} of {settings.evaluation_periods} periods: "
            "it is too small for the working set (or keys lack TTLs).",
            critical=False, missing=_Missing.NOT_BREACHING,
        ),
    ]
    if has_replicas:
        specs.append(
            _Spec(
                "CacheReplicationLagHigh", lag, settings.replica_lag_ms / 1000,
                f"A replica lags the primary by more than {settings.replica_lag_ms} ms; reads from replicas are stale.",
                critical=False, missing=_Missing.NOT_BREACHING,
            )
        )
    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(markdown=f"## Cache {target.node.path}: {len(members)} node(s)", width=24, height=1)
    )
    widgets: list[cloudwatch.IWidget] = [
        alarm_set.graph(
            "Cache: CPU (%)",
            [member_metric("EngineCPUUtilization", "Average", m) for m in members]
            + [member_metric("CPUUtilization", "Average", m) for m in members],
        ),
        alarm_set.graph("Cache: memory used (%)", [member_metric("DatabaseMemoryUsagePercentage", "Maximum", m) for m in members]),
        alarm_set.graph(
            "Cache: evictions and connections",
            [member_metric("Evictions", "Sum", m) for m in members],
            [member_metric("CurrConnections", "Maximum", m) for m in members],
        ),
    ]
    if has_replicas:
        widgets.append(alarm_set.graph("Cache: replication lag (s)", [member_metric("ReplicationLag", "Maximum", m) for m in members]))
    _rows(alarm_set, widgets)
    if not _alarms_possible(alarm_set, target, "ElastiCache", cdk.Stack.of(target).region):
        return
    alarm_set.add_alarms(target, f"Cache {target.node.id}", specs)


# -- CdnBucket ----------------------------------------------------------------------------------

#: The id of the monitoring subscription added next to a monitored CdnBucket's distribution.
_MONITORING_SUBSCRIPTION_ID = "AdditionalMetrics"


def _monitor_cdn(alarm_set: AlarmSet, target: CdnBucket) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    distribution = target.distribution
    if not any(isinstance(child, cloudfront.CfnMonitoringSubscription) for child in target.node.find_all()):
        # OriginLatency is one of the distribution's additional metrics: off unless subscribed
        # (by this, by another AlarmSet, or by distribution_props={"publish_additional_metrics": True}).
        cloudfront.CfnMonitoringSubscription(
            target,
            _MONITORING_SUBSCRIPTION_ID,
            distribution_id=distribution.distribution_id,
            monitoring_subscription=cloudfront.CfnMonitoringSubscription.MonitoringSubscriptionProperty(
                realtime_metrics_subscription_config=cloudfront.CfnMonitoringSubscription.RealtimeMetricsSubscriptionConfigProperty(
                    realtime_metrics_subscription_status="Enabled"
                )
            ),
        )

    def metric(name: str, statistic: str) -> cloudwatch.Metric:
        # CloudFront publishes every distribution metric in us-east-1, dimension Region=Global.
        return cloudwatch.Metric(
            namespace="AWS/CloudFront",
            metric_name=name,
            dimensions_map={"DistributionId": distribution.distribution_id, "Region": "Global"},
            statistic=statistic,
            period=period,
            region="us-east-1",
        )

    requests = metric("Requests", "Sum")
    rate_5xx = metric("5xxErrorRate", "Average")
    error_rate = cloudwatch.MathExpression(
        expression=f"IF(cdnRequests >= {settings.min_requests}, FILL(cdnRate, 0), 0)",
        using_metrics={"cdnRequests": requests, "cdnRate": rate_5xx},
        label="5xx %",
        period=period,
    )
    origin_p99 = metric("OriginLatency", "p99")
    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(markdown=f"## CDN {target.node.path} (CloudFront metrics: us-east-1)", width=24, height=1)
    )
    alarm_set.dashboard.add_widgets(
        alarm_set.graph("CDN: requests", [requests], [metric("CacheHitRate", "Average")]),
        alarm_set.graph("CDN: error rate (%)", [metric("4xxErrorRate", "Average"), rate_5xx]),
        alarm_set.graph("CDN: origin latency (ms)", [metric("OriginLatency", "p50"), origin_p99]),
    )
    if not _alarms_possible(alarm_set, target, "CloudFront", "us-east-1"):
        return
    alarm_set.add_alarms(
        target,
        f"CDN {target.node.id}",
        [
            _Spec(
                "Cdn5xxRate", error_rate, settings.error_rate_percent,
                f"More than {settings.error_rate_percent:g} % of CloudFront responses are 5xx (origin unreachable or "
                "failing).",
                critical=True, missing=_Missing.NOT_BREACHING,
            ),
            _Spec(
                "CdnOriginLatencyP99High", origin_p99, settings.latency_p99_ms,
                f"p99 origin latency (first byte from the origin) above {settings.latency_p99_ms} ms.",
                critical=False, missing=_Missing.NOT_BREACHING,
            ),
        ],
    )


# -- AuthPool -----------------------------------------------------------------------------------


def _monitor_auth(alarm_set: AlarmSet, target: AuthPool) -> None:
    settings = alarm_set.profile.alarms
    period = alarm_set.period
    region = _region_of(alarm_set, target)

    def metric(name: str, statistic: str) -> cloudwatch.Metric:
        # Cognito publishes user-activity metrics per user pool and app client only.
        return cloudwatch.Metric(
            namespace="AWS/Cognito",
            metric_name=name,
            dimensions_map={"UserPool": target.user_pool.user_pool_id, "UserPoolClient": target.client.user_pool_client_id},
            statistic=statistic,
            period=period,
            region=region,
        )

    throttles = cloudwatch.MathExpression(
        expression="FILL(signIn, 0) + FILL(refresh, 0) + FILL(signUp, 0)",
        using_metrics={
            "signIn": metric("SignInThrottles", "Sum"),
            "refresh": metric("TokenRefreshThrottles", "Sum"),
            "signUp": metric("SignUpThrottles", "Sum"),
        },
        label="throttled requests",
        period=period,
    )
    attempts = metric("SignInSuccesses", "SampleCount")
    successes = metric("SignInSuccesses", "Sum")
    failures = cloudwatch.MathExpression(
        expression=f"IF(attempts >= {max(1, settings.min_requests)}, 100 * (attempts - FILL(successes, 0)) / attempts, 0)",
        using_metrics={"attempts": attempts, "successes": successes},
        label="failed sign-ins %",
        period=period,
    )
    alarm_set.dashboard.add_widgets(
        cloudwatch.TextWidget(markdown=f"## Sign-in {target.node.path} (web client)", width=24, height=1)
    )
    alarm_set.dashboard.add_widgets(
        alarm_set.graph("Sign-in: attempts and successes", [attempts, successes, metric("TokenRefreshSuccesses", "Sum")]),
        alarm_set.graph("Sign-in: failed (%)", [failures]),
        alarm_set.graph("Sign-in: throttled", [throttles]),
    )
    if not _alarms_possible(alarm_set, target, "Cognito", cdk.Stack.of(target).region):
        return
    alarm_set.add_alarms(
        target,
        f"Sign-in {target.node.id}",
        [
            _Spec(
                "AuthThrottled", throttles, 0,
                "Cognito throttles sign-ins, token refreshes or sign-ups of the web client: users are turned away "
                "(request a quota increase).",
                critical=True, missing=_Missing.NOT_BREACHING,
            ),
            _Spec(
                "SignInFailuresHigh", failures, settings.sign_in_failure_percent,
                f"More than {settings.sign_in_failure_percent:g} % of sign-in attempts fail (a broken login page, or "
                "credential stuffing: check the user-activity log).",
                critical=False, missing=_Missing.NOT_BREACHING,
            ),
        ],
    )


#: The dispatch table of :meth:`AlarmSet.monitor`: supported type → handler. A new construct
#: type adds one line here and one handler above.
HANDLERS: dict[type, Callable[[AlarmSet, Any], None]] = {
    SecureVpc: _monitor_vpc,
    ec2.Vpc: _monitor_vpc,
    WafProtection: _monitor_waf,
    FargateWebService: _monitor_fargate_web_service,
    AuroraCluster: _monitor_aurora,
    RedisCache: _monitor_redis,
    CdnBucket: _monitor_cdn,
    AuthPool: _monitor_auth,
}


def _handler_for(target: Any) -> Callable[[AlarmSet, Any], None] | None:
    for klass in type(target).__mro__:
        if klass in HANDLERS:
            return HANDLERS[klass]
    return None
