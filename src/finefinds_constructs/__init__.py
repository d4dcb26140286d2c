"""finefinds-constructs: AWS CDK v2 L3 constructs with the organisation's defaults.

The public API is what ``__all__`` lists; everything else is internal.
"""

from . import compliance, profiles
from .environment_stack import EnvironmentStack
from .errors import ConfigurationError
from .profiles import EnvironmentProfile
from .secure_vpc import SecureVpc

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "EnvironmentProfile",
    "EnvironmentStack",
    "SecureVpc",
    "compliance",
    "profiles",
]
