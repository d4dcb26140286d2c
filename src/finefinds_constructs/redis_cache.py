"""RedisCache: an ElastiCache (Valkey) replication group in isolated subnets, secured by default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Union

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from . import compliance
from ._internal.connection import Connection, connectable_and_grantee
from ._internal.network import allow_from
from ._internal.logs import log_encryption_key, removal_policy, retention
from ._internal.props import merge_props
from ._internal.secrets import ReaderSideSecret
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile, require_same_environment
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["RedisCache", "DEFAULT_ENGINE_VERSION", "DEFAULT_PORT", "SUPPORTED_ENGINE_VERSIONS"]

#: Valkey versions ElastiCache offers (and cfn-lint accepts); the default is the first.
SUPPORTED_ENGINE_VERSIONS = ("8.0", "8.1", "8.2", "7.2")
DEFAULT_ENGINE_VERSION = SUPPORTED_ENGINE_VERSIONS[0]

#: The Valkey/Redis port.
DEFAULT_PORT = 6379

_NODE_TYPE = re.compile(r"cache\.[a-z0-9]+\.[a-z0-9]+")

#: Logs delivered to CloudWatch Logs: construct id of the group → ElastiCache log type.
LOG_TYPES = {"SlowLog": "slow-log", "EngineLog": "engine-log"}

# Keys of `cache_props` the construct owns: changing them would undo a guarantee it makes.
_ENFORCED = {
    "at_rest_encryption_enabled": "data at rest is always encrypted with the construct's key",
    "kms_key_id": "data at rest is encrypted with the construct's key (.key)",
    "transit_encryption_enabled": "clients always connect with TLS",
    "transit_encryption_mode": "clients always connect with TLS",
    "auth_token": "the AUTH token is generated in Secrets Manager (.auth_token)",
    "cache_subnet_group_name": "the cache always lives in the isolated subnets",
    "security_group_ids": "use .allow_from(peer) to admit clients",
    "cache_security_group_names": "use .allow_from(peer) to admit clients",
    "engine": "the engine is Valkey; use engine_version=",
    "engine_version": "use the engine_version= argument",
    "cache_node_type": "use node_type= or profile.cache.node_type",
    "num_cache_clusters": "use replicas= or profile.cache.replicas",
    "replicas_per_node_group": "use replicas= or profile.cache.replicas",
    "multi_az_enabled": "Multi-AZ follows the replica count (on with one replica or more)",
    "automatic_failover_enabled": "automatic failover follows the replica count (on with one replica or more)",
    "snapshot_retention_limit": "set profile.cache.snapshot_retention_days",
    "log_delivery_configurations": "slow and engine logs go to the construct's log groups; use .log_groups",
    "port": "use the port= argument",
}


class RedisCache(Construct):
    """A Valkey replication group in isolated subnets, encrypted, TLS-only, AUTH-protected.

    What it creates, per profile:

    * an ElastiCache replication group running Valkey (``DEFAULT_ENGINE_VERSION``) in the VPC's
      isolated subnets, with a security group that admits nobody until ``allow_from`` is called;
    * ``profile.cache.node_type`` nodes: a primary plus ``profile.cache.replicas`` replicas, with
      Multi-AZ and automatic failover whenever there is a replica;
    * encryption at rest with a customer-managed KMS key (rotation on) and in transit (TLS);
    * an AUTH token generated in Secrets Manager (encrypted with the key) and passed by dynamic
      reference, so it never appears in the template;
    * daily snapshots kept ``profile.cache.snapshot_retention_days``; a final snapshot on deletion
      where ``profile.is_retained``;
    * slow-log and engine-log delivery to KMS-encrypted CloudWatch log groups with the profile's
      retention.

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the cache (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    vpc : aws_cdk.aws_ec2.IVpc
        The VPC; it needs isolated subnets.
    node_type : str, optional
        Node type such as ``"cache.t4g.small"``. Default: ``profile.cache.node_type``.
    replicas : int, optional
        Read replicas besides the primary, 0 to 5. Default: ``profile.cache.replicas``.
    engine_version : str, optional
        Valkey version, one of ``SUPPORTED_ENGINE_VERSIONS``. Default: ``DEFAULT_ENGINE_VERSION``.
    port : int, optional
        The port clients connect to. Default: ``DEFAULT_PORT`` (6379).
    snapshot_window : str, optional
        Daily snapshot window, UTC. Default: ``"03:00-05:00"``.
    preferred_maintenance_window : str, optional
        Weekly maintenance window, UTC. Default: ``"sun:05:30-sun:06:30"``.
    cache_props : Mapping[str, Any], optional
        Extra ``elasticache.CfnReplicationGroupProps`` keyword arguments, applied over everything
        else except what the construct enforces (encryption, AUTH, placement, sizing).
        Default: ``None``.

    Attributes
    ----------
    replication_group : aws_cdk.aws_elasticache.CfnReplicationGroup
        The replication group.
    security_group : aws_cdk.aws_ec2.SecurityGroup
        The cache's security group.
    subnet_group : aws_cdk.aws_elasticache.CfnSubnetGroup
        The isolated-subnet group.
    key : aws_cdk.aws_kms.Key
        The key encrypting the cache, the AUTH token and the log groups.
    auth_token : aws_cdk.aws_secretsmanager.Secret
        The AUTH token clients present (secret string, alphanumeric).
    log_groups : dict[str, aws_cdk.aws_logs.LogGroup]
        The log groups by log type (``"slow-log"``, ``"engine-log"``).
    endpoint_address : str
        The primary endpoint's address (a token).
    reader_endpoint_address : str
        The reader endpoint's address (a token).
    port : int
        The port clients connect to.
    replicas : int
        The number of read replicas besides the primary.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        vpc: ec2.IVpc,
        node_type: str | None = None,
        replicas: int | None = None,
        engine_version: str = DEFAULT_ENGINE_VERSION,
        port: int = DEFAULT_PORT,
        snapshot_window: str = "03:00-05:00",
        preferred_maintenance_window: str = "sun:05:30-sun:06:30",
        cache_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        require_profile(profile)
        require_same_environment(self, "vpc", vpc)
        self.profile = profile
        settings = profile.cache
        retained = profile.is_retained
        node = settings.node_type if node_type is None else node_type
        replica_count = settings.replicas if replicas is None else replicas
        self._validate(node_type=node, replicas=replica_count, engine_version=engine_version, port=port)
        subnet_ids = self._isolated_subnet_ids(vpc)
        self.port = port
        self.replicas: int = replica_count

        self.key = log_encryption_key(
            self, "Key", retain=retained,
            description=f"Encrypts the Valkey cache, its AUTH token and logs of {self.node.path}",
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"Valkey {self.node.path}: clients admitted with allow_from only",
            allow_all_outbound=False,
        )
        self.subnet_group = elasticache.CfnSubnetGroup(
            self,
            "SubnetGroup",
            description=f"Isolated subnets of {self.node.path}",
            subnet_ids=subnet_ids,
        )
        # Reads from another stack are granted in the reader's policy (no cross-stack cycle).
        self.auth_token: secretsmanager.Secret = ReaderSideSecret(
            self,
            "AuthToken",
            description=f"AUTH token of the Valkey cache {self.node.path}",
            encryption_key=self.key,
            # ElastiCache accepts 16-128 printable characters except / " @; letters and digits
            # only avoid every quoting problem in clients and URLs.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=removal_policy(retained),
        )
        self.log_groups: dict[str, logs.LogGroup] = {
            log_type: logs.LogGroup(
                self,
                construct_id,
                encryption_key=self.key,
                retention=retention(profile.protection.log_retention_days),
                removal_policy=removal_policy(retained),
            )
            for construct_id, log_type in LOG_TYPES.items()
        }

        multi_az = replica_count >= 1
        defaults: dict[str, Any] = dict(
            replication_group_description=f"Valkey cache {self.node.path}",
            engine="valkey",
            engine_version=engine_version,
            cache_node_type=node,
            num_cache_clusters=replica_count + 1,
            multi_az_enabled=multi_az,
            automatic_failover_enabled=multi_az,
            port=port,
            cache_subnet_group_name=self.subnet_group.ref,
            security_group_ids=[self.security_group.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=self.key.key_arn,
            transit_encryption_enabled=True,
            auth_token=self.auth_token.secret_value.unsafe_unwrap(),  # a dynamic reference, resolved by CloudFormation
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=settings.snapshot_retention_days,
            snapshot_window=snapshot_window,
            preferred_maintenance_window=preferred_maintenance_window,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=group.log_group_name
                        )
                    ),
                    log_format="json",
                    log_type=log_type,
                )
                for log_type, group in self.log_groups.items()
            ],
        )
        props = merge_props(
            parameter="cache_props",
            defaults=defaults,
            overrides=cache_props,
            props_class=elasticache.CfnReplicationGroupProps,
            enforced=_ENFORCED,
            source=self.node.path,
        )

        self.replication_group = elasticache.CfnReplicationGroup(self, "ReplicationGroup", **props)
        self.replication_group.apply_removal_policy(
            cdk.RemovalPolicy.SNAPSHOT if retained else cdk.RemovalPolicy.DESTROY
        )
        self.endpoint_address = self.replication_group.attr_primary_end_point_address
        self.reader_endpoint_address = self.replication_group.attr_reader_end_point_address

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "RedisCache")
        if not multi_az and not retained:  # a retained profile's single node must be reported
            compliance.apply_acknowledgements(self, "RedisCache[single-node]")
        compliance.apply_log_retention_acknowledgements(self, "RedisCache", profile.protection.log_retention_days)

    # ------------------------------------------------------------------------------------------
    @property
    def connections(self) -> ec2.Connections:
        """The cache's connections (its security group and port), for ``allow_to`` on clients."""
        return ec2.Connections(security_groups=[self.security_group], default_port=ec2.Port.tcp(self.port))

    def allow_from(self, peer: Union[ec2.IConnectable, ec2.IPeer], description: str | None = None) -> None:
        """Let ``peer`` connect to the cache port.

        Parameters
        ----------
        peer : aws_cdk.aws_ec2.IConnectable or aws_cdk.aws_ec2.IPeer
            A security-group holder (service, function, security group) — preferred, as it makes
            security-group-to-security-group rules — or a CIDR peer.
        description : str, optional
            The rule's description. Default: ``"Valkey from <peer>"``.
        """
        if hasattr(peer, "connections"):
            where = peer.node.path if hasattr(peer, "node") else "a connectable"
        elif hasattr(peer, "to_ingress_rule_config"):
            where = peer.unique_id
        else:
            raise ConfigurationError(
                "peer",
                type(peer).__name__,
                "an ec2.IConnectable (service, function, security group) or an ec2.IPeer",
                fix="pass e.g. service.service or ec2.Peer.ipv4('10.0.0.0/16')",
                source=self.node.path,
            )
        allow_from(self, self.connections, peer, ec2.Port.tcp(self.port), description or f"Valkey from {where}")

    def connection_for(self, consumer: Any, *, prefix: str = "REDIS_") -> Connection:
        """Let ``consumer`` reach the cache; return the settings it needs.

        :meth:`allow_from` for its security group; the environment ``<prefix>HOST`` (the primary
        endpoint), ``<prefix>READER_HOST`` (the reader endpoint, where there are replicas),
        ``<prefix>PORT`` and ``<prefix>TLS`` (``"true"``: the cache accepts only TLS), and the
        AUTH token as the secret ``<prefix>AUTH_TOKEN`` (read at task start by the consumer's
        execution role; across stacks the grant lands in the consumer's stack). Usually called
        through ``FargateWebService.connect(cache)``.

        Parameters
        ----------
        consumer : FargateWebService or an ec2.IConnectable
            The application (a service's ``service`` is used).
        prefix : str, optional
            Prefix of the variable names. Default: ``"REDIS_"``.
        """
        connectable, _ = connectable_and_grantee(consumer)
        self.allow_from(connectable)
        environment = {f"{prefix}HOST": self.endpoint_address, f"{prefix}PORT": str(self.port), f"{prefix}TLS": "true"}
        if self.replicas:
            environment[f"{prefix}READER_HOST"] = self.reader_endpoint_address
        return Connection(environment=environment, secrets={f"{prefix}AUTH_TOKEN": ecs.Secret.from_secrets_manager(self.auth_token)})

    # ------------------------------------------------------------------------------------------
    def _validate(self, *, node_type: Any, replicas: Any, engine_version: Any, port: Any) -> None:
        src = self.node.path
        if not isinstance(node_type, str) or not _NODE_TYPE.fullmatch(node_type):
            raise ConfigurationError(
                "node_type", node_type, "a node type like 'cache.t4g.small'", fix="prefix the type with 'cache.'", source=src
            )
        if not _is_int(replicas) or not 0 <= replicas <= 5:
            raise ConfigurationError(
                "replicas", replicas, "0..5 (ElastiCache allows five replicas per shard)", fix="lower the replica count", source=src
            )
        if engine_version not in SUPPORTED_ENGINE_VERSIONS:
            raise ConfigurationError(
                "engine_version",
                engine_version,
                " | ".join(repr(v) for v in SUPPORTED_ENGINE_VERSIONS),
                fix=f"e.g. {DEFAULT_ENGINE_VERSION!r} (Valkey; versions as strings)",
                source=src,
            )
        if not _is_int(port) or not 1024 <= port <= 65535:
            raise ConfigurationError("port", port, "1024..65535", fix=f"e.g. {DEFAULT_PORT}", source=src)

    def _isolated_subnet_ids(self, vpc: ec2.IVpc) -> list[str]:
        try:
            selected = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        except RuntimeError:  # jsii: the VPC has no isolated subnets
            selected = None
        if selected is None or not selected.subnet_ids:
            raise ConfigurationError(
                "vpc",
                "a VPC without isolated subnets",
                "a VPC with PRIVATE_ISOLATED subnets",
                fix="use SecureVpc, or add isolated subnets",
                source=self.node.path,
            )
        return list(selected.subnet_ids)

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
