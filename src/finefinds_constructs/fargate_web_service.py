"""FargateWebService: a container web service on Fargate behind an ALB that only the CDN can reach."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from . import compliance
from ._internal.flags import ECS_NO_DEFAULT_DEPLOYMENT_ALARM, enable_flags
from ._internal.iam import ManagedPolicyRole
from ._internal.logs import log_encryption_key, removal_policy, retention
from ._internal.props import merge_props, replace_checked
from ._internal.regions import CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile, require_same_environment
from .errors import ConfigurationError
from .profiles import EnvironmentProfile
from .secure_bucket import SecureBucket
from .secure_vpc import SecureVpc

__all__ = ["CLOUDFRONT_ACCESS_MODES", "FargateWebService", "ORIGIN_HEADER_NAME", "cloudfront_prefix_list_id"]

#: The header CloudFront adds to origin requests in ``"origin-secret"`` mode; the listener
#: answers 403 without it.
ORIGIN_HEADER_NAME = "X-Origin-Verify"

#: How CloudFront reaches the load balancer (``cloudfront_access=``), the default first.
CLOUDFRONT_ACCESS_MODES = ("vpc-origin", "origin-secret")

# Keys of the `*_props` overrides the construct owns, each with why.
_TASK_DEFINITION_ENFORCED = {
    "execution_role": "the execution role is least-privilege and built by the construct (.execution_role)",
    "volumes": "use writable_paths= for scratch volumes; add others with .task_definition.add_volume()",
}
_SERVICE_ENFORCED = {
    "cluster": "the construct creates the cluster (.cluster)",
    "task_definition": "the construct creates the task definition (.task_definition)",
    "desired_count": "a DesiredCount resets the running task count on every deploy (aws-cdk #3919/#11299); "
    "autoscaling owns the count: use min_tasks= / max_tasks=",
    "circuit_breaker": "the deployment circuit breaker with rollback is always on",
    "deployment_controller": "the ECS rolling deployment controller is what the circuit breaker protects",
    "assign_public_ip": "tasks run in private subnets without public IPs",
    "vpc_subnets": "tasks run in the VPC's private-with-egress subnets",
    "security_groups": "use .service_security_group / .service.connections to add rules",
}
_LOAD_BALANCER_ENFORCED = {
    "vpc": "use the vpc= argument",
    "internet_facing": "the ALB is internal for a VPC origin and internet-facing otherwise: choose with cloudfront_access= "
    "or public_load_balancer_ingress=",
    "security_group": "ingress is set by cloudfront_access= / public_load_balancer_ingress=; use .load_balancer_security_group",
    "drop_invalid_header_fields": "invalid header fields are always dropped (request smuggling defence)",
}


def cloudfront_prefix_list_id(scope: Construct) -> str:
    """The id of the CloudFront origin-facing managed prefix list in ``scope``'s region.

    A literal from the library's table where the stack's region is known; for an
    environment-agnostic stack, a ``Fn::FindInMap`` on a ``CfnMapping`` of the same table keyed
    by ``AWS::Region``. Never a lookup.
    """
    stack = cdk.Stack.of(scope)
    if not cdk.Token.is_unresolved(stack.region):
        try:
            return CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS[stack.region]
        except KeyError:
            raise ConfigurationError(
                "region",
                stack.region,
                "a region with a known CloudFront origin-facing prefix list: " + ", ".join(CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS),
                fix="add the region's prefix list id to the library, or use public_load_balancer_ingress=True there (no CDN)",
            ) from None
    mapping = stack.node.try_find_child("CloudFrontOriginFacingPrefixLists")
    if mapping is None:
        mapping = cdk.CfnMapping(
            stack,
            "CloudFrontOriginFacingPrefixLists",
            mapping={region: {"PrefixListId": pl} for region, pl in CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS.items()},
        )
    return mapping.find_in_map(cdk.Aws.REGION, "PrefixListId")  # type: ignore[union-attr]


class FargateWebService(Construct):
    """A containerised web service on Fargate behind an Application Load Balancer.

    What it creates, per profile:

    * an ECS cluster with Container Insights and the Fargate / Fargate Spot capacity providers;
    * a Fargate service in the VPC's private subnets, without public IPs, with the deployment
      circuit breaker (rollback on), the profile's health-check grace period, and a minimum
      healthy percentage of 100 where the profile keeps two or more tasks (50 below that). The
      service has **no** ``DesiredCount``: autoscaling owns the task count, so a deploy never
      resets it (aws-cdk #3919 / #11299);
    * tasks on Graviton (``profile.compute.arm64``), a share on Fargate Spot
      (``profile.compute.spot_percent``), ECS Exec only where ``profile.compute.enable_exec``;
    * a container with a read-only root file system (scratch volumes at ``writable_paths``),
      never privileged, logging to a log group encrypted with a customer-managed KMS key with the
      profile's retention; secrets injected from Secrets Manager or SSM;
    * an ALB that drops invalid header fields, writes access logs to an encrypted, TLS-only,
      versioned, lifecycle-managed bucket, and has deletion protection where
      ``profile.protection.deletion_protection``;
    * with ``certificate``: an HTTPS listener with a TLS 1.3 policy and an HTTP listener that
      redirects to it; without: a plain HTTP listener where ``profile.compute.allow_http``;
    * how CloudFront reaches it, by ``cloudfront_access``:

      - ``"vpc-origin"`` (default): an **internal** ALB in the private subnets, for a CloudFront
        VPC origin (``CdnBucket.add_api_origin(service.load_balancer)``). It has no public
        address; its security group admits CloudFront's origin-facing managed prefix list on the
        serving port (the ingress AWS documents for VPC origins; the service-managed
        ``CloudFront-VPCOrigins-Service-SG`` exists only once the distribution's stack has
        created the VPC origin, and CloudFormation exposes no id for it). No shared secret, so
        nothing to rotate between two stacks;
      - ``"origin-secret"``: an internet-facing ALB in the public subnets admitting the same
        prefix list, plus a listener rule that forwards only requests carrying the secret header
        ``X-Origin-Verify`` (every other request gets a fixed 403). The secret is generated in
        Secrets Manager and referenced dynamically; the CDN reads :attr:`origin_header_name` and
        :attr:`origin_header_value` (or :meth:`origin_header_value_in` from another region).

      With ``public_load_balancer_ingress=True`` the ALB is internet-facing, open to everyone and
      forwards all (a service without a CDN);
    * target tracking on CPU, memory and (where ``profile.compute.requests_per_target``) ALB
      requests per target, between the profile's min and max tasks; scale to zero out of hours
      and back in the morning where ``profile.compute.auto_shutdown``.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id.
    profile : EnvironmentProfile
        The environment profile; required.
    vpc : aws_cdk.aws_ec2.IVpc or SecureVpc
        The VPC, with public and private-with-egress subnets (``SecureVpc.vpc``, or the
        ``SecureVpc`` itself).
    image : aws_cdk.aws_ecs.ContainerImage
        The container image.
    container_port : int, optional
        The port the container listens on, 1-65535. Default: ``8080``.
    certificate : aws_cdk.aws_certificatemanager.ICertificate, optional
        Serve HTTPS with this certificate (and redirect HTTP to HTTPS). Required where
        ``profile.compute.allow_http`` is false. Default: ``None`` (plain HTTP).
    public_load_balancer_ingress : bool, optional
        Open an internet-facing ALB to 0.0.0.0/0 instead of CloudFront only, without the
        origin-header rule (for services without a CDN). Default: ``False``.
    cloudfront_access : str, optional
        How CloudFront reaches the ALB: ``"vpc-origin"`` (an internal ALB) or ``"origin-secret"``
        (an internet-facing ALB checking a secret header); see above. Not allowed with
        ``public_load_balancer_ingress=True``. Default: ``"vpc-origin"``.
    origin_secret_replica_regions : Sequence[str], optional
        With ``cloudfront_access="origin-secret"``: regions the origin secret is replicated to
        (Secrets Manager replicas), so a CDN stack there — CloudFront's us-east-1 edge stack —
        can read the header value with :meth:`origin_header_value_in`. Default: ``()`` (no
        replicas).
    health_check_path : str, optional
        The target group's health-check path. Default: ``"/"``.
    environment : Mapping[str, str], optional
        Plain (non-secret) environment variables. Default: none.
    secrets : Mapping[str, aws_cdk.aws_ecs.Secret], optional
        Environment variables injected from Secrets Manager or SSM Parameter Store; the
        execution role is granted read on exactly these. Default: none.
    user : str, optional
        The non-root user (``"uid"``, ``"uid:gid"`` or a name) the container runs as; root
        (``0``, ``root``, ``0:<gid>``) is refused. Give the image's unprivileged user: AWS Control
        Tower's CT.ECS.PR.3 (in the gate) requires a non-root user on every container, so without
        it synthesis fails there. Default: ``None`` (the image's ``USER``).
    readonly_root_filesystem : bool, optional
        Mount the container's root file system read-only. Default: ``True``.
    writable_paths : Sequence[str], optional
        Absolute paths given a writable task-scoped scratch volume. Default: ``("/tmp",)``.
    cpu : int, optional
        Task CPU units. Default: ``profile.compute.cpu``.
    memory_mib : int, optional
        Task memory (MiB). Default: ``profile.compute.memory_mib``.
    min_tasks : int, optional
        Autoscaling floor. Default: ``profile.compute.min_tasks``.
    max_tasks : int, optional
        Autoscaling ceiling. Default: ``profile.compute.max_tasks``.
    task_definition_props : Mapping[str, Any], optional
        Extra ``ecs.FargateTaskDefinitionProps`` keyword arguments (e.g. ``task_role``,
        ``runtime_platform``, ``ephemeral_storage_gib``), except ``execution_role`` and
        ``volumes``. Default: ``None``.
    service_props : Mapping[str, Any], optional
        Extra ``ecs.FargateServiceProps`` keyword arguments, except what the construct enforces
        (``desired_count``, ``circuit_breaker``, subnets, public IPs, ...); ``enable_execute_command``
        can only be turned off. Default: ``None``.
    load_balancer_props : Mapping[str, Any], optional
        Extra ``elbv2.ApplicationLoadBalancerProps`` keyword arguments (e.g. ``vpc_subnets``:
        default the private subnets for a VPC origin, else the public ones), except ``vpc``,
        ``internet_facing``, ``security_group`` and ``drop_invalid_header_fields``;
        ``deletion_protection`` can only be turned on. Default: ``None``.

    Attributes
    ----------
    cluster : aws_cdk.aws_ecs.Cluster
    service : aws_cdk.aws_ecs.FargateService
    task_definition : aws_cdk.aws_ecs.FargateTaskDefinition
    container : aws_cdk.aws_ecs.ContainerDefinition
    execution_role, task_role : aws_cdk.aws_iam.Role
        The task's roles; the task role has no permissions unless you grant them.
    load_balancer : aws_cdk.aws_elasticloadbalancingv2.ApplicationLoadBalancer
    load_balancer_security_group, service_security_group : aws_cdk.aws_ec2.SecurityGroup
    listener : aws_cdk.aws_elasticloadbalancingv2.ApplicationListener
        The listener serving traffic (HTTPS with a certificate, else HTTP).
    redirect_listener : aws_cdk.aws_elasticloadbalancingv2.ApplicationListener or None
        The HTTP → HTTPS redirect (with a certificate only).
    target_group : aws_cdk.aws_elasticloadbalancingv2.ApplicationTargetGroup
    access_logs : SecureBucket
        The access-log bucket's construct (SSE-S3, TLS-only, versioned, expiring).
    access_log_bucket : aws_cdk.aws_s3.IBucket
        Where the ALB writes access logs (``access_logs.bucket``).
    key : aws_cdk.aws_kms.Key
        Encrypts the container log group (and the origin secret, where there is one).
    log_group : aws_cdk.aws_logs.LogGroup
    scaling : aws_cdk.aws_ecs.ScalableTaskCount
    cloudfront_access : str or None
        ``"vpc-origin"`` or ``"origin-secret"`` (``None`` with public ingress).
    internet_facing : bool
        Whether the ALB is internet-facing (``False`` for a VPC origin).
    origin_secret : aws_cdk.aws_secretsmanager.Secret or None
        The origin-verify secret (``"origin-secret"`` mode only).
    origin_header_name : str or None
        ``"X-Origin-Verify"`` (``"origin-secret"`` mode only).
    origin_header_value : str or None
        A CloudFormation dynamic reference to the secret's value (``"origin-secret"`` mode only).
    prefix_list_id : str or None
        The CloudFront origin-facing prefix list admitted (``None`` with public ingress).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        vpc: ec2.IVpc | SecureVpc,
        image: ecs.ContainerImage,
        container_port: int = 8080,
        certificate: acm.ICertificate | None = None,
        public_load_balancer_ingress: bool = False,
        cloudfront_access: str | None = None,
        origin_secret_replica_regions: Sequence[str] = (),
        health_check_path: str = "/",
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        user: str | None = None,
        readonly_root_filesystem: bool = True,
        writable_paths: Sequence[str] = ("/tmp",),
        cpu: int | None = None,
        memory_mib: int | None = None,
        min_tasks: int | None = None,
        max_tasks: int | None = None,
        task_definition_props: Mapping[str, Any] | None = None,
        service_props: Mapping[str, Any] | None = None,
        load_balancer_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        enable_flags(self, ECS_NO_DEFAULT_DEPLOYMENT_ALARM)  # the same template whatever cdk.json says
        try:
            self._validate(
                profile=profile,
                vpc=vpc,
                image=image,
                container_port=container_port,
                certificate=certificate,
                health_check_path=health_check_path,
                environment=environment,
                secrets=secrets,
                user=user,
                writable_paths=writable_paths,
            )
            compute = _compute_settings(profile, cpu=cpu, memory_mib=memory_mib, min_tasks=min_tasks, max_tasks=max_tasks)
            access = _cloudfront_access(cloudfront_access, public_load_balancer_ingress, origin_secret_replica_regions)
            _refuse_value(
                service_props, "service_props", "enable_execute_command", True,
                when=not profile.compute.enable_exec,
                reason="the profile turns ECS Exec off (profile.compute.enable_exec = false)",
            )
            _refuse_value(
                load_balancer_props, "load_balancer_props", "deletion_protection", False,
                when=profile.protection.deletion_protection,
                reason="the profile turns deletion protection on (profile.protection.deletion_protection = true)",
            )
        except ConfigurationError as exc:
            raise exc.with_source(self.node.path) from None
        require_same_environment(self, "vpc", vpc.vpc if isinstance(vpc, SecureVpc) else vpc)

        self.profile = profile
        self.vpc: ec2.IVpc = vpc.vpc if isinstance(vpc, SecureVpc) else vpc
        self.compute = compute
        self.container_port = container_port
        self.public_load_balancer_ingress = public_load_balancer_ingress
        self.cloudfront_access: str | None = access
        # Only a VPC origin reaches an internal ALB; every other mode needs a public address.
        self.internet_facing = access != "vpc-origin"
        self.origin_secret_replica_regions = tuple(origin_secret_replica_regions)

        self.key = log_encryption_key(
            self, "Key", description=f"Encrypts the container logs and origin secret of {self.node.path}",
            retain=profile.is_retained,
        )
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self.key,
            retention=retention(profile.protection.log_retention_days),
            removal_policy=removal_policy(profile.is_retained),
        )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=self.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=True,
            # ECS Exec sessions (where enabled) are encrypted with the service's key and their
            # transcripts logged to its log group, instead of anywhere ("*").
            execute_command_configuration=ecs.ExecuteCommandConfiguration(
                kms_key=self.key,
                logging=ecs.ExecuteCommandLogging.OVERRIDE,
                log_configuration=ecs.ExecuteCommandLogConfiguration(
                    cloud_watch_log_group=self.log_group, cloud_watch_encryption_enabled=True
                ),
            ),
        )
        self.task_definition, self.container = self._task_definition(
            image=image,
            environment=environment,
            secrets=secrets,
            user=user,
            readonly_root_filesystem=readonly_root_filesystem,
            writable_paths=writable_paths,
            overrides=task_definition_props,
        )
        self.execution_role: iam.Role = self.task_definition.execution_role  # type: ignore[assignment]
        self.task_role: iam.IRole = self.task_definition.task_role

        # SSE-S3 (all ALB access logs support), TLS-only, private, versioned, expiring after the
        # profile's log retention.
        self.access_logs = SecureBucket(self, "AccessLogs", profile=profile, purpose="logs")
        self.access_log_bucket: s3.IBucket = self.access_logs.bucket
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=self.vpc,
            description="ALB: "
            + ("HTTP(S) from anywhere" if public_load_balancer_ingress else "CloudFront origin-facing addresses only")
            + (" (internal, CloudFront VPC origin)" if access == "vpc-origin" else ""),
            allow_all_outbound=False,
        )
        self.load_balancer = self._load_balancer(load_balancer_props)

        self.service_security_group = ec2.SecurityGroup(
            self,
            "ServiceSecurityGroup",
            vpc=self.vpc,
            description="Fargate tasks: the container port from the ALB only",
            allow_all_outbound=True,  # image pulls, AWS APIs and the app's own dependencies
        )
        self.service = self._service(service_props)
        self._wait_for_capacity_providers()

        self.origin_secret: secretsmanager.Secret | None = None
        self.origin_header_name: str | None = None
        self.origin_header_value: str | None = None
        self.prefix_list_id: str | None = None
        self._listeners(certificate, health_check_path)

        self.scaling = self._scaling()

        apply_organisation_tags(self, profile)
        #: Variable names the container has (for connect()'s clash check).
        self._variables: list[str] = [*(environment or {}), *(secrets or {})]
        self._environment_acknowledged = bool(environment)
        self._acknowledge(certificate, environment)

    # ------------------------------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------------------------------
    @staticmethod
    def _validate(
        *,
        profile: Any,
        vpc: Any,
        image: Any,
        container_port: Any,
        certificate: Any,
        health_check_path: Any,
        environment: Any,
        secrets: Any,
        user: Any,
        writable_paths: Any,
    ) -> None:
        require_profile(profile)
        if not isinstance(vpc, SecureVpc) and not _looks_like(vpc, "vpc_id", "select_subnets"):
            raise ConfigurationError("vpc", type(vpc).__name__, "an ec2.IVpc or a SecureVpc", fix="pass network.vpc")
        if not isinstance(image, ecs.ContainerImage):
            raise ConfigurationError(
                "image", type(image).__name__, "an ecs.ContainerImage",
                fix="e.g. ecs.ContainerImage.from_registry('public.ecr.aws/nginx/nginx:stable')",
            )
        if not isinstance(container_port, int) or isinstance(container_port, bool) or not 1 <= container_port <= 65535:
            raise ConfigurationError("container_port", container_port, "an integer port 1..65535", fix="e.g. 8080")
        if certificate is not None and not _looks_like(certificate, "certificate_arn"):
            raise ConfigurationError(
                "certificate", type(certificate).__name__, "an acm.ICertificate",
                fix="e.g. acm.Certificate.from_certificate_arn(self, 'Cert', arn)",
            )
        if certificate is None and not profile.compute.allow_http:
            raise ConfigurationError(
                "certificate",
                None,
                f"an acm.ICertificate: the {profile.name!r} profile forbids a plain-HTTP listener "
                "(profile.compute.allow_http = false)",
                fix="pass certificate=acm.Certificate.from_certificate_arn(...) (an ACM certificate in the stack's region)",
            )
        if not isinstance(health_check_path, str) or not health_check_path.startswith("/"):
            raise ConfigurationError("health_check_path", health_check_path, "an absolute URL path", fix="e.g. '/health'")
        if environment is not None and (
            not isinstance(environment, Mapping)
            or not all(isinstance(k, str) and isinstance(v, str) for k, v in environment.items())
        ):
            raise ConfigurationError(
                "environment", environment, "a mapping of str to str", fix="quote numbers and booleans: {'PORT': '8080'}"
            )
        if secrets is not None and (
            not isinstance(secrets, Mapping) or not all(isinstance(v, ecs.Secret) for v in secrets.values())
        ):
            raise ConfigurationError(
                "secrets", secrets, "a mapping of variable name to ecs.Secret",
                fix="wrap values with ecs.Secret.from_secrets_manager(secret) or ecs.Secret.from_ssm_parameter(param)",
            )
        clash = sorted(set(environment or {}) & set(secrets or {}))
        if clash:
            raise ConfigurationError(
                "environment", clash, "names not also given in secrets", fix="define each variable once"
            )
        if user is not None and (not isinstance(user, str) or not user):
            raise ConfigurationError("user", user, "a user name, 'uid' or 'uid:gid'", fix="e.g. '1000:1000'")
        if isinstance(user, str) and user.split(":", 1)[0] in ("0", "root"):
            raise ConfigurationError(
                "user", user, "a non-root user name, 'uid' or 'uid:gid'",
                fix="run as the image's unprivileged user (e.g. '101' for nginx-unprivileged) and listen on a port above 1023",
            )
        if isinstance(writable_paths, str) or not all(
            isinstance(p, str) and p.startswith("/") and p != "/" for p in writable_paths
        ):
            raise ConfigurationError(
                "writable_paths", writable_paths, "a list of absolute paths other than '/'", fix="e.g. ['/tmp']"
            )

    # ------------------------------------------------------------------------------------------
    # building blocks
    # ------------------------------------------------------------------------------------------
    def _merge_props(self, **kwargs: Any) -> dict[str, Any]:
        """:func:`merge_props`, with errors naming this construct."""
        return merge_props(source=self.node.path, **kwargs)

    def _task_definition(
        self,
        *,
        image: ecs.ContainerImage,
        environment: Mapping[str, str] | None,
        secrets: Mapping[str, ecs.Secret] | None,
        user: str | None,
        readonly_root_filesystem: bool,
        writable_paths: Sequence[str],
        overrides: Mapping[str, Any] | None,
    ) -> tuple[ecs.FargateTaskDefinition, ecs.ContainerDefinition]:
        stack = cdk.Stack.of(self)
        execution_role = ManagedPolicyRole(
            self,
            "ExecutionRole",
            policy_description="ECS task execution: the image, the log group and the injected secrets only",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="ECS task execution: pull the image, write its logs, read its secrets",
        )
        task_role = ManagedPolicyRole(
            self,
            "TaskRole",
            policy_description="What the application is granted (ECS Exec channels where enabled)",
            assumed_by=iam.ServicePrincipal(
                "ecs-tasks.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:ecs:{stack.region}:{stack.account}:*"},
                },
            ),
            description="The application's own AWS permissions (none unless granted)",
        )
        paths = list(dict.fromkeys(writable_paths))
        if readonly_root_filesystem and self.profile.compute.enable_exec:
            # ECS Exec's agent writes under these; without them it crashes on a read-only root.
            paths += [p for p in ("/var/lib/amazon", "/var/log/amazon") if p not in paths]
        volumes = {f"scratch{i}": path for i, path in enumerate(paths)}
        c = self.compute
        defaults: dict[str, Any] = dict(
            cpu=c.cpu,
            memory_limit_mib=c.memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64 if c.arm64 else ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
            execution_role=execution_role,
            task_role=task_role,
            volumes=[ecs.Volume(name=name) for name in volumes],
        )
        props = self._merge_props(
            parameter="task_definition_props",
            defaults=defaults,
            overrides=overrides,
            props_class=ecs.FargateTaskDefinitionProps,
            enforced=_TASK_DEFINITION_ENFORCED,
        )
        task_definition = ecs.FargateTaskDefinition(self, "TaskDefinition", **props)
        container = task_definition.add_container(
            "App",
            image=image,
            essential=True,
            port_mappings=[ecs.PortMapping(container_port=self.container_port, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="app", log_group=self.log_group, mode=ecs.AwsLogDriverMode.NON_BLOCKING
            ),
            readonly_root_filesystem=readonly_root_filesystem,
            privileged=False,
            # A hard limit per container (Control Tower's CT.ECS.PR.7): the task's whole memory.
            memory_limit_mib=props["memory_limit_mib"],
            user=user,
            environment=dict(environment or {}) or None,
            secrets=dict(secrets or {}) or None,
        )
        container.add_mount_points(
            *(ecs.MountPoint(source_volume=name, container_path=path, read_only=False) for name, path in volumes.items())
        )
        return task_definition, container

    def _load_balancer(self, overrides: Mapping[str, Any] | None) -> elbv2.ApplicationLoadBalancer:
        subnets = ec2.SubnetType.PUBLIC if self.internet_facing else ec2.SubnetType.PRIVATE_WITH_EGRESS
        defaults: dict[str, Any] = dict(
            vpc=self.vpc,
            internet_facing=self.internet_facing,
            vpc_subnets=ec2.SubnetSelection(subnet_type=subnets),
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=self.profile.protection.deletion_protection,
            http2_enabled=True,
            desync_mitigation_mode=elbv2.DesyncMitigationMode.DEFENSIVE,
        )
        props = self._merge_props(
            parameter="load_balancer_props",
            defaults=defaults,
            overrides=overrides,
            props_class=elbv2.ApplicationLoadBalancerProps,
            enforced=_LOAD_BALANCER_ENFORCED,
        )
        lb = elbv2.ApplicationLoadBalancer(self, "LoadBalancer", **props)
        lb.log_access_logs(self.access_log_bucket, "alb")
        return lb

    def _service(self, overrides: Mapping[str, Any] | None) -> ecs.FargateService:
        c = self.compute
        defaults: dict[str, Any] = dict(
            cluster=self.cluster,
            task_definition=self.task_definition,
            # No desired_count: CloudFormation starts one task, autoscaling sets the rest, and a
            # deploy leaves the running count alone.
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            security_groups=[self.service_security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            # Explicit: with recent feature flags CDK omits it, and the breaker needs rolling ECS.
            deployment_controller=ecs.DeploymentController(type=ecs.DeploymentControllerType.ECS),
            health_check_grace_period=cdk.Duration.seconds(c.health_check_grace_seconds),
            min_healthy_percent=min_healthy_percent(c.min_tasks),
            max_healthy_percent=200,
            enable_execute_command=c.enable_exec,
            capacity_provider_strategies=capacity_provider_strategies(c.spot_percent),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
            platform_version=ecs.FargatePlatformVersion.LATEST,
        )
        props = self._merge_props(
            parameter="service_props",
            defaults=defaults,
            overrides=overrides,
            props_class=ecs.FargateServiceProps,
            enforced=_SERVICE_ENFORCED,
        )
        return ecs.FargateService(self, "Service", **props)

    def _wait_for_capacity_providers(self) -> None:
        """Make the service wait for (and outlive) the cluster's capacity-provider associations.

        The service's strategy names FARGATE / FARGATE_SPOT, which the cluster only offers once
        its ``ClusterCapacityProviderAssociations`` exist; CDK adds no dependency, so a create
        races them and a delete removes them first ("The capacity provider ... is in use",
        aws/containers-roadmap #631). CDK creates the associations in an aspect of the cluster,
        so the dependency is added by an aspect on the cluster too, which runs after it.
        """
        cdk.Aspects.of(self.cluster).add(_ServiceWaitsForCapacityProviders(self.service))

    def _listeners(self, certificate: acm.ICertificate | None, health_check_path: str) -> None:
        lb = self.load_balancer
        sg = self.load_balancer_security_group
        port = 443 if certificate else 80
        forbidden = elbv2.ListenerAction.fixed_response(403, content_type="text/plain", message_body="Forbidden")
        # Only the origin-secret mode turns away requests without the header; the others forward all.
        default_action = forbidden if self.cloudfront_access == "origin-secret" else None
        if certificate:
            self.listener = lb.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[certificate],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=False,
                default_action=default_action,
            )
            self.redirect_listener: elbv2.ApplicationListener | None = lb.add_listener(
                "HttpRedirect",
                port=80,
                protocol=elbv2.ApplicationProtocol.HTTP,
                open=False,
                default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
            )
        else:
            self.listener = lb.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=False, default_action=default_action
            )
            self.redirect_listener = None

        if self.public_load_balancer_ingress:
            for p in (80, 443) if certificate else (80,):
                sg.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(p), f"HTTP{'S' if p == 443 else ''} from anywhere")
            conditions: dict[str, Any] = {}
        else:
            # The prefix list weighs ~55 rules against the security group's rule quota (60), so
            # it is admitted on the serving port only; CloudFront never needs the redirect. For a
            # VPC origin it is one of the two ingress sources AWS documents (the other, the
            # service-managed security group, has no CloudFormation id to reference).
            self.prefix_list_id = cloudfront_prefix_list_id(self)
            sg.add_ingress_rule(
                ec2.Peer.prefix_list(self.prefix_list_id),
                ec2.Port.tcp(port),
                "CloudFront origin-facing addresses (com.amazonaws.global.cloudfront.origin-facing)",
            )
            conditions = self._origin_secret() if self.cloudfront_access == "origin-secret" else {}
        # A child of this construct, not of the listener: the service then depends on the listener
        # (or rule) alone, not also on the target group it already references (cfn-lint W3005).
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            vpc=self.vpc,
            port=self.container_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            targets=[self.service],
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=health_check_path,
                healthy_http_codes="200-399",
                interval=cdk.Duration.seconds(15),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        self.listener.add_target_groups("Service", target_groups=[self.target_group], **conditions)

    def _origin_secret(self) -> dict[str, Any]:
        """The origin-verify secret and the listener-rule condition that checks its header."""
        replicas = self.origin_secret_replica_regions
        # No fixed name: a retained secret under a fixed name would make the next create of this
        # stack fail with "already exists"; replicas are found by ARN (origin_header_value_in).
        self.origin_secret = secretsmanager.Secret(
            self,
            "OriginSecret",
            description=f"Value of the {ORIGIN_HEADER_NAME} header CloudFront sends to {self.node.path}",
            encryption_key=self.key,
            replica_regions=[secretsmanager.ReplicaRegion(region=r) for r in replicas] or None,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, include_space=False, password_length=48
            ),
        )
        # Kept with the environment's data (replacing it forces CloudFront and the ALB to agree
        # anew), except after a failed first create, which would otherwise leave it orphaned.
        self.origin_secret.apply_removal_policy(
            cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if self.profile.is_retained else cdk.RemovalPolicy.DESTROY
        )
        self.origin_header_name = ORIGIN_HEADER_NAME
        # A {{resolve:secretsmanager:...}} dynamic reference: resolved by CloudFormation, never
        # written into the template.
        self.origin_header_value = self.origin_secret.secret_value.unsafe_unwrap()
        return dict(
            priority=10,
            conditions=[elbv2.ListenerCondition.http_header(ORIGIN_HEADER_NAME, [self.origin_header_value])],
        )

    def _scaling(self) -> ecs.ScalableTaskCount:
        c = self.compute
        scaling = self.service.auto_scale_task_count(min_capacity=c.min_tasks, max_capacity=c.max_tasks)
        scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=c.cpu_target_percent)
        scaling.scale_on_memory_utilization("Memory", target_utilization_percent=c.memory_target_percent)
        if c.requests_per_target:
            scaling.scale_on_request_count(
                "Requests", requests_per_target=c.requests_per_target, target_group=self.target_group
            )
        if c.auto_shutdown:
            zone = cdk.TimeZone.of(c.schedule_time_zone)
            scaling.scale_on_schedule(
                "Shutdown",
                schedule=appscaling.Schedule.expression(c.shutdown_schedule),
                time_zone=zone,
                min_capacity=0,
                max_capacity=0,
            )
            scaling.scale_on_schedule(
                "Startup",
                schedule=appscaling.Schedule.expression(c.startup_schedule),
                time_zone=zone,
                min_capacity=c.min_tasks,
                max_capacity=c.max_tasks,
            )
        return scaling

    def _acknowledge(self, certificate: acm.ICertificate | None, environment: Mapping[str, str] | None) -> None:
        """Apply the registry's entries: the unconditional ones and each ``FargateWebService[<variant>]``
        that matches how this service was built."""
        variants = ["http" if certificate is None else "https"]
        variants.append("public" if self.public_load_balancer_ingress else str(self.cloudfront_access))
        if environment:
            variants.append("environment")
        # Disposable profiles only: a retained service's unprotected load balancer must be reported.
        if not self.load_balancer_deletion_protection and not self.profile.is_retained:
            variants.append("no-deletion-protection")
        if self.service_exec_enabled:
            variants.append("exec")
        stack = cdk.Stack.of(self)
        # The log group's logical id appears in a finding id (partition/region/account are filled in
        # by apply_acknowledgements).
        values = {"log_group": stack.get_logical_id(self.log_group.node.default_child)}  # type: ignore[arg-type]
        compliance.apply_acknowledgements(self, "FargateWebService")
        compliance.apply_log_retention_acknowledgements(self, "FargateWebService", self.profile.protection.log_retention_days)
        for variant in variants:
            compliance.apply_acknowledgements(self, f"FargateWebService[{variant}]", values)

    def connect(self, *targets: Any, prefix: str | None = None) -> None:
        """Connect the service to databases and caches: network path, grants, environment, secrets.

        For each target (an :class:`~finefinds_constructs.AuroraCluster`, a
        :class:`~finefinds_constructs.RedisCache`, or anything with a ``connection_for`` method)
        the target opens its security group to the service, grants the task what signing in
        needs, and the container gets the target's environment variables and secrets (e.g.
        ``DATABASE_HOST`` ... ``DATABASE_AUTH``; ``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_TLS`` and
        the secret ``REDIS_AUTH_TOKEN``). Works when the targets live in another stack of the same
        account and region: every rule and grant lands where it adds no dependency from the
        target's stack to this one.

        Parameters
        ----------
        *targets
            The databases and caches to connect to.
        prefix : str, optional
            Prefix of the variable names, for a second target of the same kind.
            Default: each target's own (``"DATABASE_"``, ``"REDIS_"``).
        """
        for target in targets:
            connection_for = getattr(target, "connection_for", None)
            if not callable(connection_for):
                raise ConfigurationError(
                    "targets", type(target).__name__, "an AuroraCluster or a RedisCache (anything with connection_for)",
                    fix="pass the library construct itself, e.g. service.connect(database, cache)",
                    source=self.node.path,
                )
            connection = connection_for(self, **({"prefix": prefix} if prefix is not None else {}))
            taken = set(self._variables)
            clash = sorted(taken & (set(connection.environment) | set(connection.secrets)))
            if clash:
                raise ConfigurationError(
                    "prefix", prefix, f"a prefix whose variables are not taken already ({', '.join(clash)})",
                    fix="connect the second database or cache with its own prefix, e.g. prefix='ORDERS_DB_'",
                    source=self.node.path,
                )
            for name, value in connection.environment.items():
                self.container.add_environment(name, value)
            for name, secret in connection.secrets.items():
                self.container.add_secret(name, secret)
            self._variables.extend([*connection.environment, *connection.secrets])
            if connection.environment and not self._environment_acknowledged:
                compliance.apply_acknowledgements(self, "FargateWebService[environment]")
                self._environment_acknowledged = True

    def cdn_origin(self, region: str) -> dict[str, Any]:
        """What ``CdnBucket.add_api_origin(service)`` needs to reach this service from ``region``.

        The load balancer; for ``cloudfront_access="origin-secret"`` the header name and the
        secret's value resolvable in ``region`` (:meth:`origin_header_value_in`); the protocol
        the listener speaks (HTTPS with a certificate, else HTTP).

        Parameters
        ----------
        region : str
            The distribution's stack's region.
        """
        if self.cloudfront_access is None:
            raise ConfigurationError(
                "origin", self.node.path, "a service built for CloudFront (cloudfront_access='vpc-origin' or 'origin-secret')",
                fix="this service has public_load_balancer_ingress=True: build it with the default cloudfront_access "
                "to put it behind CloudFront",
                source=self.node.path,
            )
        settings: dict[str, Any] = {
            "load_balancer": self.load_balancer,
            "protocol": cloudfront.OriginProtocolPolicy.HTTP_ONLY
            if self.redirect_listener is None
            else cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        }
        if self.cloudfront_access == "origin-secret":
            settings["origin_header_name"] = self.origin_header_name
            settings["origin_header_value"] = self.origin_header_value_in(region)
        return settings

    def origin_header_value_in(self, region: str) -> str:
        """The origin-verify header value as a dynamic reference a stack in ``region`` can resolve.

        In the service's own region this is :attr:`origin_header_value`; in a region listed in
        ``origin_secret_replica_regions`` it references that region's replica by its ARN (the
        primary's ARN with the region replaced: a replica keeps the name and suffix). A plain
        cross-region reference cannot carry a secret's value: CloudFormation resolves dynamic
        references only in the template that holds them.

        Parameters
        ----------
        region : str
            The consuming stack's region.
        """
        if self.origin_secret is None or self.origin_header_value is None:
            raise ConfigurationError(
                "origin_header_value_in", region, "a service with cloudfront_access='origin-secret'",
                fix="this service has no origin secret: with the default VPC origin, call "
                "CdnBucket.add_api_origin(service.load_balancer) without a header",
                source=self.node.path,
            )
        if region == cdk.Stack.of(self).region:
            return self.origin_header_value
        if region not in self.origin_secret_replica_regions:
            raise ConfigurationError(
                "origin_header_value_in", region,
                f"the service's region or one of origin_secret_replica_regions {list(self.origin_secret_replica_regions)}",
                fix=f"pass origin_secret_replica_regions=[{region!r}] to FargateWebService",
                source=self.node.path,
            )
        parts = cdk.Arn.split(self.origin_secret.secret_arn, cdk.ArnFormat.COLON_RESOURCE_NAME)
        replica_arn = cdk.Fn.join(
            ":", ["arn", parts.partition, "secretsmanager", region, parts.account, "secret", parts.resource_name]
        )
        return cdk.SecretValue.secrets_manager(replica_arn).unsafe_unwrap()

    @property
    def load_balancer_deletion_protection(self) -> bool:
        """Whether the synthesized ALB has deletion protection on."""
        cfn = self.load_balancer.node.default_child
        attrs = cdk.Stack.of(self).resolve(cfn.load_balancer_attributes) or []  # type: ignore[union-attr]
        return any(a.get("key") == "deletion_protection.enabled" and a.get("value") == "true" for a in attrs)

    @property
    def service_exec_enabled(self) -> bool:
        """Whether ECS Exec is on for the service."""
        cfn = self.service.node.default_child
        return bool(cdk.Stack.of(self).resolve(cfn.enable_execute_command))  # type: ignore[union-attr]


# ----------------------------------------------------------------------------------------------
# profile-derived settings
# ----------------------------------------------------------------------------------------------


@jsii.implements(cdk.IAspect)
class _ServiceWaitsForCapacityProviders:
    """On the cluster: the service depends on the associations CDK's own aspect just created there."""

    def __init__(self, service: ecs.FargateService) -> None:
        self._service = service

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, ecs.Cluster):
            return
        for child in node.node.children:
            if isinstance(child, ecs.CfnClusterCapacityProviderAssociations):
                self._service.node.add_dependency(child)


def min_healthy_percent(min_tasks: int) -> int:
    """100 where the service keeps two or more tasks (a deploy never drops below the floor), else 50."""
    return 100 if min_tasks >= 2 else 50


def capacity_provider_strategies(spot_percent: int) -> list[ecs.CapacityProviderStrategy]:
    """FARGATE / FARGATE_SPOT weights for ``spot_percent`` percent of tasks on Spot.

    A mix keeps the first task on regular Fargate (``base=1``) so Spot interruptions never take
    the whole service down.
    """
    if spot_percent <= 0:
        return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1)]
    if spot_percent >= 100:
        return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1)]
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=1, weight=100 - spot_percent),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=spot_percent),
    ]


def _cloudfront_access(value: Any, public: bool, replica_regions: Sequence[str]) -> str | None:
    """The checked ``cloudfront_access`` mode (``None`` for a public ALB without a CDN)."""
    if public:
        if value is not None:
            raise ConfigurationError(
                "cloudfront_access", value, "None with public_load_balancer_ingress=True",
                fix="a public ALB has no CDN in front: drop cloudfront_access, or public_load_balancer_ingress",
            )
        return None
    access = "vpc-origin" if value is None else value
    if access not in CLOUDFRONT_ACCESS_MODES:
        raise ConfigurationError(
            "cloudfront_access", value, " | ".join(repr(m) for m in CLOUDFRONT_ACCESS_MODES),
            fix="'vpc-origin' (an internal ALB, the default) or 'origin-secret' (a public ALB checking a header)",
        )
    if replica_regions and access != "origin-secret":
        raise ConfigurationError(
            "origin_secret_replica_regions", list(replica_regions), "() unless cloudfront_access='origin-secret'",
            fix="a VPC origin needs no shared secret: drop origin_secret_replica_regions",
        )
    return access


def _compute_settings(profile: EnvironmentProfile, **explicit: Any) -> Any:
    """The profile's compute settings with explicit arguments applied, checked like profile values."""
    c = profile.compute
    given = {k: v for k, v in explicit.items() if v is not None}
    if not given:
        return c
    c = replace_checked(c, **given)
    if c.min_tasks > c.max_tasks:
        raise ConfigurationError(
            "min_tasks" if "min_tasks" in given else "max_tasks",
            given.get("min_tasks", given.get("max_tasks")),
            f"min_tasks ({c.min_tasks}) <= max_tasks ({c.max_tasks})",
            fix="raise max_tasks or lower min_tasks",
        )
    return c


def _refuse_value(
    overrides: Mapping[str, Any] | None, parameter: str, key: str, refused: Any, *, when: bool, reason: str
) -> None:
    """Raise when ``overrides[key]`` is ``refused`` while ``when`` holds (a value the construct enforces)."""
    if when and overrides and key in overrides and overrides[key] == refused:
        raise ConfigurationError(f"{parameter}[{key!r}]", refused, f"{not refused!r} or omitted", fix=f"remove it: {reason}")


def _looks_like(value: Any, *attributes: str) -> bool:
    """Duck-typed interface check: jsii interfaces are not runtime-checkable, and imported
    resources (``Vpc.from_vpc_attributes``, ``Certificate.from_certificate_arn``) are proxies."""
    return value is not None and all(hasattr(value, a) for a in attributes)
