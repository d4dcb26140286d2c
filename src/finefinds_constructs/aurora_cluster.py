"""AuroraCluster: Aurora PostgreSQL, serverless v2 or provisioned per profile, secured by default."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Union

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from . import compliance
from ._internal.connection import Connection, connectable_and_grantee
from ._internal.database_user import iam_database_user
from ._internal.flags import SECRET_ATTACHMENT_POLICY_ON_SECRET, enable_flags
from ._internal.network import allow_from
from ._internal.logs import log_encryption_key, removal_policy, retention
from ._internal.props import merge_props
from ._internal.secrets import ReaderSideDatabaseSecret
from ._internal.tagging import apply_organisation_tags
from ._internal.validation import require_profile, require_same_environment
from .errors import ConfigurationError
from .profiles import EnvironmentProfile

__all__ = ["AuroraCluster", "DEFAULT_ENGINE_VERSION", "DEFAULT_PORT", "POSTGRES_PROXY_PORT"]

#: Aurora PostgreSQL 17.7: current (not deprecated) and able to scale serverless v2 to 0 ACU.
DEFAULT_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_17_7

#: The cluster's port. Not PostgreSQL's well-known 5432, which non-targeted scans probe first
#: (AwsSolutions-RDS11); clients read the port from the secret.
DEFAULT_PORT = 5433

#: RDS Proxy always listens on the engine's default port.
POSTGRES_PROXY_PORT = 5432

#: Aurora allows at most 15 replicas per cluster.
MAX_READERS = 15

# Characters left out of generated passwords (the set aws-cdk-lib uses for database secrets):
# they break connection strings, shells or the rotation function.
_PASSWORD_EXCLUDE = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"

_DATABASE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_RESERVED_DATABASE_NAMES = {"postgres", "template0", "template1", "rdsadmin"}
# Aurora master user names: 1-16 letters or digits, starting with a letter; RDS keeps some.
_MASTER_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")
_RESERVED_USERNAMES = {"rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser", "public", "user"}
# The application user: an unquoted PostgreSQL identifier (folded to lower case, at most 63),
# which the user-creating SQL embeds and the IAM token names with exactly that case.
_APP_USERNAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_INSTANCE_CLASS = re.compile(r"(?:db\.)?([a-z][a-z0-9-]*\.[a-z0-9]+)")
# The oldest minor version of each major that the RDS Data API supports for Aurora PostgreSQL
# Serverless v2 and provisioned clusters (Aurora user guide, "Supported Regions and Aurora DB
# engines for RDS Data API"); the application's user is created through it at deploy time.
_DATA_API_MINIMUM = {13: (13, 11), 14: (14, 8), 15: (15, 3), 16: (16, 1), 17: (17, 4), 18: (18, 3)}

# Keys of `cluster_props` the construct owns: changing them would undo a guarantee it makes.
_ENFORCED = {
    "storage_encrypted": "storage is always encrypted with the construct's customer-managed key",
    "storage_encryption_key": "storage is encrypted with the construct's key (.key)",
    "performance_insight_encryption_key": "Performance Insights data is encrypted with the construct's key",
    "enable_performance_insights": "Performance Insights is always on",
    "iam_authentication": "IAM database authentication is always on (the application signs in with IAM)",
    "enable_data_api": "the Data API is always on: the application's database user is created through it at deploy time",
    "credentials": "credentials are generated in Secrets Manager, encrypted with .key and rotated",
    "manage_master_user_password": "credentials are generated in Secrets Manager and rotated by the construct",
    "parameter_group": "the cluster parameter group enforces TLS (rds.force_ssl = 1)",
    "cloudwatch_logs_exports": "PostgreSQL logs are always exported to CloudWatch Logs",
    "cloudwatch_logs_retention": "the log group is created by the construct with the profile's retention; use .log_group",
    "cloudwatch_logs_retention_role": "the log group is created by the construct; no retention Lambda is used",
    "vpc": "use the vpc= argument",
    "vpc_subnets": "the cluster always lives in the isolated subnets",
    "subnet_group": "the cluster always lives in the isolated subnets",
    "security_groups": "use .allow_from(peer) to admit clients",
    "writer": "the writer follows profile.database (serverless or instance_class)",
    "readers": "use the readers= argument or profile.database.readers",
    "engine": "use the engine_version= argument",
    "port": "use the port= argument",
    "default_database_name": "use the database_name= argument",
    "deletion_protection": "set profile.protection.deletion_protection",
    "removal_policy": "set profile.protection.retain_data",
    "backup": "use backup_retention_days= or profile.database.backup_retention_days",
    "serverless_v2_min_capacity": "set profile.database.min_acu",
    "serverless_v2_max_capacity": "set profile.database.max_acu",
    "serverless_v2_auto_pause_duration": "set profile.database.auto_pause_seconds",
    "monitoring_role": "the construct's enhanced-monitoring role is least-privilege; use .monitoring_role",
}


class AuroraCluster(Construct):
    """An Aurora PostgreSQL cluster in isolated subnets, encrypted, TLS-only and rotated.

    What it creates, per profile:

    * an Aurora PostgreSQL cluster (``DEFAULT_ENGINE_VERSION``) in the VPC's isolated subnets, on
      a non-default port, with a security group that admits nobody until ``allow_from`` is called;
    * capacity from ``profile.database``: Aurora Serverless v2 (``min_acu`` .. ``max_acu``, a 0-ACU
      minimum pausing after ``auto_pause_seconds`` idle) or a provisioned Graviton writer
      (``instance_class``); ``readers`` reader instances spread over the isolated subnets' zones;
    * one customer-managed KMS key (rotation on) for storage, Performance Insights, the secret and
      the log groups;
    * a cluster parameter group with ``rds.force_ssl = 1``; IAM database authentication;
    * master credentials generated in Secrets Manager and rotated every 30 days (single user);
      only administrators and the Data API call below use them, never an application;
    * the application's own database user, ``app_username``, which signs in with **IAM** only:
      it has no password, so there is no application secret to inject or rotate (ECS injects
      secrets only when a task starts, so a rotated password would break running tasks). The
      user is created at deploy time, once the writer exists, by one idempotent SQL statement
      sent through the RDS Data API (the cluster's HTTP endpoint is on) as the master user:
      ``CREATE ROLE <user> LOGIN`` if missing, ``GRANT rds_iam``, and ``CONNECT``, ``TEMPORARY``,
      ``CREATE`` on the database and ``USAGE``, ``CREATE`` on its ``public`` schema;
      :meth:`grant_connect` gives the application's role ``rds-db:connect`` for that user;
    * automated backups for ``backup_retention_days`` in a fixed window, tags copied to snapshots;
      PostgreSQL logs exported to a KMS-encrypted log group with the profile's retention;
      enhanced monitoring every 60 seconds; Performance Insights;
    * where ``profile.is_retained``: a final snapshot on deletion, key, secret and the Data API
      call's log group retained, the PostgreSQL log group retained except after a failed first
      create (its name is the one RDS writes to, so an orphan would block the retry), and
      deletion protection per ``profile.protection.deletion_protection``; otherwise everything
      is destroyed with the stack;
    * optionally an RDS Proxy with end-to-end IAM authentication (``DefaultAuthScheme
      IAM_AUTH``) and TLS required, ``.proxy``: clients sign in to it with an IAM token for
      ``app_username`` and the proxy signs in to the cluster with IAM as well, so it reads no
      secret. The application then connects to the proxy's endpoint (``.endpoint``), never to
      the cluster's.

    The application authenticates with a token from ``rds.generate_db_auth_token`` (boto3) or
    ``@aws-sdk/rds-signer`` for ``.endpoint``, ``.endpoint_port`` and ``app_username``, over
    TLS; :meth:`connection_environment` hands it those. AWS advises IAM authentication below
    about 200 new connections per second; use a pool (or the proxy).

    Deploy-time caveat (0-ACU profiles only): a Data API call to a paused writer resumes it but
    itself fails with ``DatabaseResumingException``, which neither the AWS SDK nor aws-cdk-lib's
    ``AwsCustomResource`` retries. A new cluster cannot be paused when the call runs (pausing
    needs ``auto_pause_seconds``, at least 300, without connections), so a first deploy is not
    affected. A stack update that creates or changes the user (adding it to an environment
    deployed before, or changing ``app_username``) while the cluster is paused fails and rolls
    back: resume the cluster first (any connection, or ``aws rds-data execute-statement ...
    --sql "SELECT 1"``) and deploy within ``auto_pause_seconds``. The Data API is not offered in
    every region (the Aurora user guide's Data API region table).

    Parameters
    ----------
    scope : constructs.Construct
        The parent construct.
    id : str
        The construct id. Changing it replaces the cluster (a breaking change).
    profile : EnvironmentProfile
        The environment profile; required.
    vpc : aws_cdk.aws_ec2.IVpc
        The VPC; it needs isolated subnets in at least two availability zones.
    database_name : str, optional
        Name of the database created in the cluster; a PostgreSQL identifier (a letter, then
        letters, digits or underscores, at most 63). Default: ``"app"``.
    master_username : str, optional
        The master user's name (1-16 letters or digits), stored in the secret.
        Default: ``"clusteradmin"``.
    app_username : str, optional
        The application's database user (IAM authentication only): lower-case letters, digits
        and underscores, starting with a letter, at most 63 characters, not ``pg_*`` or ``rds*``,
        other than the master user. Default: ``"app"``.
    port : int, optional
        The cluster's port. Default: ``DEFAULT_PORT`` (5433).
    engine_version : aws_cdk.aws_rds.AuroraPostgresEngineVersion, optional
        The Aurora PostgreSQL version; one the Data API supports (13.11, 14.8, 15.3, 16.1, 17.4,
        18.3 or later in its major). Default: ``DEFAULT_ENGINE_VERSION`` (17.7).
    readers : int, optional
        Reader instances besides the writer, 0 to 15. Default: ``profile.database.readers``.
    instance_class : str, optional
        Provisioned instance class such as ``"r7g.large"`` (ignored for serverless); not a T
        class, which the Data API does not support. Default: ``profile.database.instance_class``.
    backup_retention_days : int, optional
        Automated backup retention, 1 to 35 days.
        Default: ``profile.database.backup_retention_days``.
    preferred_backup_window : str, optional
        Daily backup window, UTC. Default: ``"02:00-03:00"``.
    preferred_maintenance_window : str, optional
        Weekly maintenance window, UTC. Default: ``"sun:03:30-sun:04:30"``.
    proxy : bool, optional
        Put an RDS Proxy in front of the cluster. Default: ``profile.database.rds_proxy``.
    rotation_days : int, optional
        Rotate the master password every so many days, 1 to 365. Default: ``30``.
    cluster_props : Mapping[str, Any], optional
        Extra ``rds.DatabaseClusterProps`` keyword arguments, applied over everything else except
        what the construct enforces (encryption, credentials, TLS, placement, protection).
        Default: ``None``.

    Attributes
    ----------
    cluster : aws_cdk.aws_rds.DatabaseCluster
        The cluster.
    secret : aws_cdk.aws_secretsmanager.ISecret
        The master credentials (attached to the cluster: host, port, dbname, username, password).
        For administration, the rotation function and the Data API call only; never hand it to
        an application.
    app_username : str
        The application's database user, created at deploy time (IAM authentication only).
    app_user : aws_cdk.custom_resources.AwsCustomResource
        The Data API call that creates it; depend on it to run after the user exists.
    app_auth : str
        How the application authenticates: always ``"iam"`` (an RDS IAM token for
        ``app_username``).
    endpoint : str
        The host the application connects to: the proxy's endpoint when there is a proxy, else
        the cluster's writer endpoint.
    endpoint_port : int
        The port at ``.endpoint``: ``POSTGRES_PROXY_PORT`` with a proxy, else ``.port``.
    database_name : str
        The database the cluster creates.
    security_group : aws_cdk.aws_ec2.SecurityGroup
        The cluster's security group.
    key : aws_cdk.aws_kms.Key
        The key encrypting storage, Performance Insights, the secret and the log groups.
    parameter_group : aws_cdk.aws_rds.ParameterGroup
        The cluster parameter group.
    log_group : aws_cdk.aws_logs.LogGroup
        Where PostgreSQL logs go.
    monitoring_role : aws_cdk.aws_iam.Role
        The enhanced-monitoring role.
    rotation : aws_cdk.aws_secretsmanager.SecretRotation
        The rotation of the master password (single user: no application logs in with it).
    proxy : aws_cdk.aws_rds.DatabaseProxy or None
        The RDS Proxy (end-to-end IAM authentication), or ``None`` when off.
    port : int
        The cluster's port.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: EnvironmentProfile,
        vpc: ec2.IVpc,
        database_name: str = "app",
        master_username: str = "clusteradmin",
        app_username: str = "app",
        port: int = DEFAULT_PORT,
        engine_version: rds.AuroraPostgresEngineVersion | None = None,
        readers: int | None = None,
        instance_class: str | None = None,
        backup_retention_days: int | None = None,
        preferred_backup_window: str = "02:00-03:00",
        preferred_maintenance_window: str = "sun:03:30-sun:04:30",
        proxy: bool | None = None,
        rotation_days: int = 30,
        cluster_props: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, id)
        enable_flags(self, SECRET_ATTACHMENT_POLICY_ON_SECRET)  # the same template whatever cdk.json says
        require_profile(profile)
        require_same_environment(self, "vpc", vpc)
        self.profile = profile
        db = profile.database
        retained = profile.is_retained
        reader_count = db.readers if readers is None else readers
        klass = db.instance_class if instance_class is None else instance_class
        retention_days = db.backup_retention_days if backup_retention_days is None else backup_retention_days
        with_proxy = db.rds_proxy if proxy is None else proxy
        engine_version = engine_version or DEFAULT_ENGINE_VERSION
        self._validate(
            database_name=database_name,
            master_username=master_username,
            app_username=app_username,
            engine_version=engine_version,
            port=port,
            readers=reader_count,
            serverless=db.serverless,
            instance_class=klass,
            backup_retention_days=retention_days,
            proxy=with_proxy,
            min_acu=db.min_acu,
            rotation_days=rotation_days,
        )
        instance_type = None if db.serverless else ec2.InstanceType(_INSTANCE_CLASS.fullmatch(klass).group(1))  # type: ignore[arg-type,union-attr]
        self.port = port
        self.database_name = database_name
        self.app_username = app_username
        engine = rds.DatabaseClusterEngine.aurora_postgres(version=engine_version)
        subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        zones = self._zones(vpc, subnets)

        self.key = log_encryption_key(
            self, "Key", retain=profile.is_retained,
            description=f"Encrypts Aurora storage, Performance Insights, credentials and logs of {self.node.path}",
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"Aurora PostgreSQL {self.node.path}: clients admitted with allow_from only",
            allow_all_outbound=False,
        )
        self.parameter_group = rds.ParameterGroup(
            self,
            "ParameterGroup",
            engine=engine,
            description=f"Aurora PostgreSQL {self.node.path}: TLS required",
            parameters={"rds.force_ssl": "1"},
        )
        self.monitoring_role = self._monitoring_role()
        # Reads from another stack are granted in the reader's policy (no cross-stack cycle).
        db_secret = ReaderSideDatabaseSecret(
            self, "Secret", username=master_username, encryption_key=self.key, exclude_characters=_PASSWORD_EXCLUDE
        )
        db_secret.apply_removal_policy(removal_policy(retained))

        writer, reader_instances = self._instances(db.serverless, instance_type, reader_count, zones, self.key)
        identifier = self._cluster_identifier()
        defaults: dict[str, Any] = dict(
            engine=engine,
            cluster_identifier=identifier,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[self.security_group],
            port=port,
            default_database_name=database_name,
            credentials=rds.Credentials.from_secret(db_secret),
            storage_encrypted=True,
            storage_encryption_key=self.key,
            iam_authentication=True,
            enable_data_api=True,
            parameter_group=self.parameter_group,
            writer=writer,
            readers=reader_instances,
            backup=rds.BackupProps(retention=cdk.Duration.days(retention_days), preferred_window=preferred_backup_window),
            preferred_maintenance_window=preferred_maintenance_window,
            copy_tags_to_snapshot=True,
            cloudwatch_logs_exports=["postgresql"],
            monitoring_interval=cdk.Duration.seconds(60),
            monitoring_role=self.monitoring_role,
            enable_performance_insights=True,
            performance_insight_encryption_key=self.key,
            performance_insight_retention=rds.PerformanceInsightRetention.DEFAULT,
            deletion_protection=profile.protection.deletion_protection if retained else False,
            removal_policy=cdk.RemovalPolicy.SNAPSHOT if retained else cdk.RemovalPolicy.DESTROY,
        )
        if db.serverless:
            defaults.update(
                serverless_v2_min_capacity=db.min_acu,
                serverless_v2_max_capacity=db.max_acu,
            )
            if db.min_acu == 0:
                defaults["serverless_v2_auto_pause_duration"] = cdk.Duration.seconds(db.auto_pause_seconds)
        props = merge_props(
            parameter="cluster_props",
            defaults=defaults,
            overrides=cluster_props,
            props_class=rds.DatabaseClusterProps,
            enforced=_ENFORCED,
            source=self.node.path,
        )
        if props.get("cluster_identifier"):
            # RDS stores identifiers in lower case and names the log group after the stored one.
            props["cluster_identifier"] = identifier = str(props["cluster_identifier"]).lower()

        # The log group exists before the cluster, so RDS never creates an unencrypted,
        # never-expiring one first.
        self.log_group = logs.LogGroup(
            self,
            "PostgresqlLogs",
            log_group_name=f"/aws/rds/cluster/{identifier}/postgresql",
            encryption_key=self.key,
            retention=retention(profile.protection.log_retention_days),
            # RDS writes to exactly this name, so it stays fixed; Retain would keep the group
            # when a first create rolls back and the retry would fail with "already exists".
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if retained else cdk.RemovalPolicy.DESTROY,
        )
        self.cluster = rds.DatabaseCluster(self, "Cluster", **props)
        self.cluster.node.default_child.add_resource_dependency(self.log_group.node.default_child)  # type: ignore[union-attr]
        self.secret = self.cluster.secret
        # Security-group rules name the port literally (the cluster's own default port is a
        # token, which rule checkers can't evaluate).
        self._db_port = ec2.Port.tcp(port)
        self.rotation = self._rotation(vpc, engine, rotation_days)
        # The application's user signs in with IAM only: no password exists to inject or rotate.
        self.app_auth = "iam"
        self.app_user = iam_database_user(
            self,
            "AppUser",
            cluster=self.cluster,
            master_secret=self.secret,  # type: ignore[arg-type]
            key=self.key,
            database_name=database_name,
            username=app_username,
            log_retention_days=profile.protection.log_retention_days,
            retain=retained,
        )
        # The first rotation of the master password starts at deploy time; while it runs the
        # secret's current value no longer signs in, so it starts only after the Data API call.
        schedule = self.secret.node.try_find_child("RotationSchedule")
        if isinstance(schedule, secretsmanager.RotationSchedule):
            schedule.node.add_dependency(self.app_user)
        self.proxy: rds.DatabaseProxy | None = self._proxy(vpc, subnets) if with_proxy else None
        if self.proxy is None:
            self.endpoint: str = self.cluster.cluster_endpoint.hostname
            self.endpoint_port = port
        else:
            self.endpoint = self.proxy.endpoint
            self.endpoint_port = POSTGRES_PROXY_PORT

        apply_organisation_tags(self, profile)
        compliance.apply_acknowledgements(self, "AuroraCluster")
        # Disposable profiles only: a retained cluster without deletion protection must be reported.
        if not retained and not defaults["deletion_protection"]:
            compliance.apply_acknowledgements(self, "AuroraCluster[no-deletion-protection]")
        compliance.apply_log_retention_acknowledgements(self, "AuroraCluster", profile.protection.log_retention_days)

    # ------------------------------------------------------------------------------------------
    def allow_from(self, peer: Union[ec2.IConnectable, ec2.IPeer], description: str | None = None) -> None:
        """Let ``peer`` reach the database (and the proxy, when there is one) over the network.

        Signing in needs :meth:`grant_connect` for the peer's role too.

        Parameters
        ----------
        peer : aws_cdk.aws_ec2.IConnectable or aws_cdk.aws_ec2.IPeer
            A security-group holder (service, function, security group) — preferred, as it makes
            security-group-to-security-group rules — or a CIDR peer.
        description : str, optional
            The rule's description. Default: ``"PostgreSQL from <peer>"``.
        """
        if hasattr(peer, "connections"):  # an ec2.IConnectable: security-group-to-security-group rules
            where = peer.node.path if hasattr(peer, "node") else "a connectable"
        elif hasattr(peer, "to_ingress_rule_config"):  # an ec2.IPeer (CIDR, prefix list, security group)
            where = peer.unique_id
        else:
            where = None
        if where is not None:
            label = description or f"PostgreSQL from {where}"
            allow_from(self, self.cluster.connections, peer, self._db_port, label)
            if self.proxy is not None:
                allow_from(self, self.proxy.connections, peer, ec2.Port.tcp(POSTGRES_PROXY_PORT), label)
            return
        raise ConfigurationError(
            "peer",
            type(peer).__name__,
            "an ec2.IConnectable (service, function, security group) or an ec2.IPeer",
            fix="pass e.g. service.service or ec2.Peer.ipv4('10.0.0.0/16')",
            source=self.node.path,
        )

    def grant_connect(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``grantee`` (an application's task or function role) ``rds-db:connect`` as ``app_username``.

        On ``.endpoint``'s resource: the proxy
        (``arn:<partition>:rds-db:<region>:<account>:dbuser:prx-<id>/<app_username>``) when there
        is one, else the cluster (``...:dbuser:cluster-<id>/<app_username>``). That is what an
        IAM authentication token for the user needs; there is no password to read. The statement
        goes into the grantee's own policy, so granting across stacks adds no dependency from
        this stack to the grantee's.

        Parameters
        ----------
        grantee : aws_cdk.aws_iam.IGrantable
            The principal the application runs as (e.g. ``FargateWebService.task_role``).

        Returns
        -------
        aws_cdk.aws_iam.Grant
            The grant.
        """
        if self.proxy is not None:
            return self.proxy.grant_connect(grantee, self.app_username)
        return self.cluster.grant_connect(grantee, self.app_username)

    def connection_for(self, consumer: Any, *, prefix: str = "DATABASE_") -> Connection:
        """Let ``consumer`` reach the database and sign in; return the settings it needs.

        :meth:`allow_from` for its security group, :meth:`grant_connect` for its role, and
        :meth:`connection_environment` as the environment (IAM authentication: no secret). Usually
        called through ``FargateWebService.connect(database)``. Works across stacks: every rule
        and grant lands where it adds no dependency from this stack to the consumer's.

        Parameters
        ----------
        consumer : FargateWebService or an object that is both ec2.IConnectable and iam.IGrantable
            The application (a service's ``service`` and ``task_role`` are used).
        prefix : str, optional
            Prefix of the variable names. Default: ``"DATABASE_"``.
        """
        connectable, grantee = connectable_and_grantee(consumer)
        self.allow_from(connectable)
        self.grant_connect(grantee)
        return Connection(environment=self.connection_environment(prefix))

    def connection_environment(self, prefix: str = "DATABASE_") -> dict[str, str]:
        """Environment variables telling an application where and how to connect.

        ``<prefix>HOST`` (``.endpoint``), ``<prefix>PORT`` (``.endpoint_port``), ``<prefix>NAME``
        (the database), ``<prefix>USER`` (``app_username``) and ``<prefix>AUTH`` (``"iam"``: sign
        in with an RDS IAM authentication token, over TLS). No secret is needed.

        Parameters
        ----------
        prefix : str, optional
            Prefix of the variable names. Default: ``"DATABASE_"``.
        """
        return {
            f"{prefix}HOST": self.endpoint,
            f"{prefix}PORT": str(self.endpoint_port),
            f"{prefix}NAME": self.database_name,
            f"{prefix}USER": self.app_username,
            f"{prefix}AUTH": self.app_auth,
        }

    # ------------------------------------------------------------------------------------------
    def _validate(
        self,
        *,
        database_name: Any,
        master_username: Any,
        app_username: Any,
        engine_version: rds.AuroraPostgresEngineVersion,
        port: Any,
        readers: Any,
        serverless: bool,
        instance_class: Any,
        backup_retention_days: Any,
        proxy: bool,
        min_acu: float,
        rotation_days: Any,
    ) -> None:
        src = self.node.path

        def bad(parameter: str, value: Any, allowed: str, fix: str) -> ConfigurationError:
            return ConfigurationError(parameter, value, allowed, fix=fix, source=src)

        if not isinstance(database_name, str) or not _DATABASE_NAME.fullmatch(database_name):
            raise bad(
                "database_name",
                database_name,
                "a PostgreSQL identifier: a letter, then letters, digits or underscores, 1-63 characters",
                "e.g. 'app' or 'finefinds_shop'",
            )
        if database_name.lower() in _RESERVED_DATABASE_NAMES:
            raise bad("database_name", database_name, "a name other than " + ", ".join(sorted(_RESERVED_DATABASE_NAMES)), "e.g. 'app'")
        if (
            not isinstance(master_username, str)
            or not _MASTER_USERNAME.fullmatch(master_username)
            or master_username.lower() in _RESERVED_USERNAMES
        ):
            raise bad(
                "master_username",
                master_username,
                "1-16 letters or digits starting with a letter, other than " + ", ".join(sorted(_RESERVED_USERNAMES)),
                "e.g. 'clusteradmin'",
            )
        if (
            not isinstance(app_username, str)
            or not _APP_USERNAME.fullmatch(app_username)
            or app_username.startswith(("pg_", "rds"))
            or app_username in _RESERVED_USERNAMES
            or app_username == str(master_username).lower()
        ):
            raise bad(
                "app_username",
                app_username,
                "1-63 lower-case letters, digits or underscores starting with a letter; not pg_* or rds*, "
                "other than the master user and " + ", ".join(sorted(_RESERVED_USERNAMES)),
                "e.g. 'app' or 'shop_app'",
            )
        version = engine_version.aurora_postgres_full_version
        parts = tuple(int(p) for p in version.split(".")[:2]) if re.fullmatch(r"\d+\.\d+(\.\d+)?", version) else None
        minimum = _DATA_API_MINIMUM.get(parts[0]) if parts else None
        if parts and (parts[0] < min(_DATA_API_MINIMUM) or (minimum and parts < minimum)):
            raise bad(
                "engine_version",
                version,
                "a version the RDS Data API supports: 13.11, 14.8, 15.3, 16.1, 17.4, 18.3 or later in its major",
                "the application's user is created through the Data API at deploy time; "
                f"use e.g. {DEFAULT_ENGINE_VERSION.aurora_postgres_full_version}",
            )
        if not _is_int(port) or not 1150 <= port <= 65535:
            raise bad("port", port, "1150..65535", f"e.g. {DEFAULT_PORT}")
        if not _is_int(readers) or not 0 <= readers <= MAX_READERS:
            raise bad("readers", readers, f"0..{MAX_READERS} (Aurora allows at most 15 replicas)", "lower the reader count")
        if not serverless and (not isinstance(instance_class, str) or not _INSTANCE_CLASS.fullmatch(instance_class)):
            raise bad(
                "instance_class",
                instance_class,
                "an instance class such as 'r7g.large' (a provisioned cluster needs one)",
                "set instance_class= or profile.database.instance_class, or use serverless",
            )
        if not serverless and _INSTANCE_CLASS.fullmatch(instance_class).group(1).startswith("t"):  # type: ignore[union-attr]
            raise bad(
                "instance_class",
                instance_class,
                "a non-T instance class (the RDS Data API, which creates the application's user, does not support T classes)",
                "use e.g. 'r7g.large', or serverless",
            )
        if not _is_int(backup_retention_days) or not 1 <= backup_retention_days <= 35:
            raise bad("backup_retention_days", backup_retention_days, "1..35 days", "automated backups can't be off; use 1 to 35")
        if not _is_int(rotation_days) or not 1 <= rotation_days <= 365:
            raise bad("rotation_days", rotation_days, "1..365 days", "e.g. 30")
        if proxy and serverless and min_acu == 0:
            raise bad(
                "proxy",
                proxy,
                "no RDS Proxy while profile.database.min_acu is 0",
                "an RDS Proxy keeps connections open, so a 0-ACU cluster would never pause; "
                "set min_acu to 0.5 or more, or proxy=False",
            )

    def _monitoring_role(self) -> iam.Role:
        role = iam.Role(
            self,
            "MonitoringRole",
            assumed_by=iam.ServicePrincipal(
                "monitoring.rds.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
            ),
            description="Lets RDS enhanced monitoring publish OS metrics",
        )
        # The AWS-managed AmazonRDSEnhancedMonitoringRole, narrowed to this account and region and
        # the RDSOSMetrics group, as a customer-managed policy (no inline policy).
        group = f"arn:{cdk.Aws.PARTITION}:logs:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:log-group:RDSOSMetrics"
        iam.ManagedPolicy(
            self,
            "MonitoringPolicy",
            description="RDS enhanced monitoring: write OS metrics to the RDSOSMetrics log group only",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="EnableCreationAndManagementOfRDSCloudwatchLogGroups",
                    actions=["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
                    resources=[group],
                ),
                iam.PolicyStatement(
                    sid="EnableCreationAndManagementOfRDSCloudwatchLogStreams",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
                    resources=[f"{group}:log-stream:*"],
                ),
            ],
        )
        return role

    def _zones(self, vpc: ec2.IVpc, subnets: ec2.SubnetSelection) -> list[str]:
        try:
            available = vpc.select_subnets(subnet_type=subnets.subnet_type).availability_zones
        except RuntimeError:  # jsii: the VPC has no subnets of that type
            available = []
        zones: list[str] = []
        for zone in available:
            if zone not in zones:
                zones.append(zone)
        if len(zones) < 2:
            raise ConfigurationError(
                "vpc",
                f"isolated subnets in {len(zones)} availability zone(s)",
                "a VPC with isolated subnets in at least two availability zones",
                fix="use SecureVpc, or add PRIVATE_ISOLATED subnets in two or more zones",
                source=self.node.path,
            )
        return zones

    @staticmethod
    def _instances(
        serverless: bool, instance_type: ec2.InstanceType | None, readers: int, zones: list[str], key: kms.IKey
    ) -> tuple[rds.IClusterInstance, list[rds.IClusterInstance]]:
        """The writer and readers; readers go round the zones starting after the writer's.

        Each instance repeats the cluster's Performance Insights settings: CDK warns when an
        instance's (default: off) setting contradicts the cluster's.
        """
        insights = dict(
            enable_performance_insights=True,
            performance_insight_encryption_key=key,
            performance_insight_retention=rds.PerformanceInsightRetention.DEFAULT,
        )
        pinned = all(not cdk.Token.is_unresolved(z) for z in zones)

        def zone(index: int) -> str | None:
            return zones[index % len(zones)] if pinned else None

        if serverless:
            writer = rds.ClusterInstance.serverless_v2("Writer", availability_zone=zone(0), **insights)
            reader_list = [
                rds.ClusterInstance.serverless_v2(
                    f"Reader{i}", scale_with_writer=(i == 1), availability_zone=zone(i), **insights
                )
                for i in range(1, readers + 1)
            ]
        else:
            writer = rds.ClusterInstance.provisioned(
                "Writer", instance_type=instance_type, availability_zone=zone(0), **insights
            )
            reader_list = [
                rds.ClusterInstance.provisioned(
                    f"Reader{i}", instance_type=instance_type, promotion_tier=1, availability_zone=zone(i), **insights
                )
                for i in range(1, readers + 1)
            ]
        return writer, reader_list

    def _cluster_identifier(self) -> str:
        """A stable, unique, lowercase cluster identifier (RDS names the log group after it)."""
        return self._physical_name(63)

    def _physical_name(self, max_length: int, ending: str = "") -> str:
        """``<stack>-<id>-<hash of the construct path><ending>``: lowercase, unique, stable."""
        stack = cdk.Stack.of(self)
        base = stack.stack_name if not cdk.Token.is_unresolved(stack.stack_name) else "cluster"
        text = re.sub(r"[^a-z0-9]+", "-", f"{base}-{self.node.id}".lower()).strip("-")
        if not text or not text[0].isalpha():
            text = f"db-{text}"
        suffix = f"-{self.node.addr[-8:]}{ending}"
        return f"{text[: max_length - len(suffix)].rstrip('-')}{suffix}"

    def _rotation(self, vpc: ec2.IVpc, engine: rds.IClusterEngine, days: int) -> secretsmanager.SecretRotation:
        """Single-user rotation of the master password (what ``add_rotation_single_user`` does).

        The rotation function (from the Serverless Application Repository) runs where it can reach
        the Secrets Manager API: the private-with-egress tier when the VPC has one, else the
        isolated tier (which then needs a Secrets Manager interface endpoint).
        """
        if vpc.private_subnets:
            subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        else:
            subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        return secretsmanager.SecretRotation(
            self,
            "Rotation",
            application=engine.single_user_rotation_application,
            secret=self.secret,  # type: ignore[arg-type]
            # The cluster's security group, with the port stated literally.
            target=ec2.Connections(security_groups=[self.security_group], default_port=self._db_port),
            vpc=vpc,
            vpc_subnets=subnets,
            automatically_after=cdk.Duration.days(days),
            exclude_characters=_PASSWORD_EXCLUDE,
        )

    def _proxy(self, vpc: ec2.IVpc, subnets: ec2.SubnetSelection) -> rds.DatabaseProxy:
        """The proxy, end-to-end IAM: clients and the proxy itself sign in with IAM as ``app_username``."""
        sg = ec2.SecurityGroup(
            self,
            "ProxySecurityGroup",
            vpc=vpc,
            description=f"RDS Proxy of {self.node.path}: clients admitted with allow_from only",
            allow_all_outbound=False,
        )
        role = iam.Role(
            self,
            "ProxyRole",
            assumed_by=iam.ServicePrincipal(
                "rds.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}}
            ),
            description="Lets RDS Proxy sign in to the cluster with IAM as the application user",
        )
        # End-to-end IAM: the proxy's own role needs rds-db:connect for the user on the cluster
        # (its resource id), as the Aurora user guide's "Configuring IAM authentication for RDS
        # Proxy" shows; it reads no secret.
        policy = iam.ManagedPolicy(
            self,
            "ProxyPolicy",
            description="RDS Proxy: sign in to the cluster with IAM as the application user",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["rds-db:connect"],
                    resources=[
                        cdk.Stack.of(self).format_arn(
                            service="rds-db",
                            resource="dbuser",
                            resource_name=f"{self.cluster.cluster_resource_identifier}/{self.app_username}",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                ),
            ],
        )
        proxy = rds.DatabaseProxy(
            self,
            "Proxy",
            proxy_target=rds.ProxyTarget.from_cluster(self.cluster),
            # IAM from the client to the proxy and from the proxy to the cluster: no secret at all.
            default_auth_scheme=rds.DefaultAuthScheme.IAM_AUTH,
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[sg],
            role=role.without_policy_updates(),
            db_proxy_name=self._physical_name(60, "-proxy"),
            require_tls=True,
        )
        proxy.node.add_dependency(policy)
        self.cluster.connections.allow_from(proxy, self._db_port, "RDS Proxy to the cluster")
        # Binding the proxy target also adds rules for the cluster's port as a token
        # ("{IndirectPort}"), which rule checkers can't evaluate; the literal rules above replace them.
        for group in (self.security_group, sg):
            for child in list(group.node.children):
                if child.node.id.endswith(":{IndirectPort}"):
                    group.node.try_remove_child(child.node.id)
        # RDS Proxy target groups take no tags (CloudFormation rejects them); the organisation
        # tags stay on the proxy itself.
        target_group = proxy.node.try_find_child("ProxyTargetGroup")
        if isinstance(target_group, cdk.CfnResource):
            target_group.add_property_deletion_override("Tags")
            # It must wait for the instances and for the user the proxy signs in as; the cluster
            # it already references (a DependsOn on it too is redundant, cfn-lint W3005).
            stack = cdk.Stack.of(self)
            instances = [c for c in self.cluster.node.find_all() if isinstance(c, rds.CfnDBInstance)]
            user = self.app_user.node.find_child("Resource").node.default_child
            target_group.add_override("DependsOn", [stack.get_logical_id(r) for r in (*instances, user)])
        return proxy


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
