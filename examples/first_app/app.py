"""A first app in twenty lines: network, web service and database for one environment."""

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs

from finefinds_constructs import AuroraCluster, EnvironmentStack, FargateWebService, SecureVpc, WafProtection, compliance, profiles

app = cdk.App()
profile = profiles.STAGING  # or EnvironmentProfile.from_file("env/staging.toml")
stack = EnvironmentStack(app, "Shop-Staging", profile=profile)

network = SecureVpc(stack, "Network", profile=profile)
web = FargateWebService(
    stack, "Web", profile=profile, vpc=network.vpc, public_load_balancer_ingress=True,
    image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx-unprivileged:stable-alpine"),
    container_port=8080, user="101", writable_paths=("/tmp", "/var/cache/nginx", "/var/run"),
)
# Internet-facing, with no CDN in front: its own web ACL (managed rules, rate limit, geo).
WafProtection(stack, "Waf", profile=profile).associate(web.load_balancer)
database = AuroraCluster(stack, "Database", profile=profile, vpc=network.vpc)
# The network path, the IAM sign-in as the app's own database user, and DATABASE_* variables.
web.connect(database)

compliance.enable(app)  # cdk synth fails on any unacknowledged finding: cdk-nag, deploy traps, Control Tower
app.synth()
