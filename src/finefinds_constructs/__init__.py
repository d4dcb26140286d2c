"""finefinds-constructs: AWS CDK v2 L3 constructs with the organisation's defaults.

The public API is what ``__all__`` lists; everything else is internal.
"""

from constructs import Construct

from . import building_blocks, compliance, profiles
from ._internal.jsii import show_init_signatures
from .alarm_set import AlarmSet, AlarmSpec
from .audit_trail import AuditTrail
from .aurora_cluster import AuroraCluster
from .auth_pool import AuthPool
from .backup_plan import BackupPlan
from .cdn_bucket import CdnBucket
from .cost_guard import CostGuard
from .certificates import Certificates
from .dns import DnsZone
from .email_sender import EmailSender
from .environment_stack import EnvironmentStack
from .errors import ConfigurationError
from .fargate_web_service import FargateWebService
from .profiles import EnvironmentProfile
from .redis_cache import RedisCache
from .secure_bucket import SecureBucket
from .secure_vpc import SecureVpc
from .waf_protection import WafProtection

__version__ = "0.1.0"

__all__ = [
    "AlarmSet",
    "AlarmSpec",
    "AuditTrail",
    "AuroraCluster",
    "AuthPool",
    "BackupPlan",
    "CdnBucket",
    "Certificates",
    "ConfigurationError",
    "CostGuard",
    "DnsZone",
    "EmailSender",
    "EnvironmentProfile",
    "EnvironmentStack",
    "FargateWebService",
    "RedisCache",
    "SecureBucket",
    "SecureVpc",
    "WafProtection",
    "building_blocks",
    "compliance",
    "profiles",
]

# jsii's metaclass hides the constructors' keyword-only parameters from inspect.signature (help(),
# IDEs, the API reference); give each public construct class its __init__'s signature back.
show_init_signatures(
    *(obj for obj in map(globals().get, __all__) if isinstance(obj, type) and issubclass(obj, Construct)),
    building_blocks.ManagedPolicyRole,
)
