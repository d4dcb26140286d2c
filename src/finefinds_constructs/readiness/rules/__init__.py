"""The deploy-readiness rules, one module per rule (as cdk-nag keeps one rule per file)."""

from __future__ import annotations

from . import access_log_destination, cache_failover, config_recorder_order, emptied_before_delete, edge_region, log_group_key_policy, retained_data_key, topic_key_publishers
from . import anomaly_monitor_per_account, config_recorder_per_region, unsubscribed_topic
from . import alarm_on_us_east_1_metrics, cognito_email_identity_in_stack, glacier_small_objects
from . import oauth_client_without_domain, user_pool_domain_prefix_twice
from . import cloudfront_spa_error_fallback, ecs_capacity_provider_order, waf_forwarded_ip
from . import iam_auth_disabled, injected_secret_rotation, proxy_iam_connect, retained_fixed_name
from . import backup_vault_emptied, hosted_zone_emptied, validation_zone_delegation

RULES = (
    config_recorder_order.RULE,
    config_recorder_per_region.RULE,
    anomaly_monitor_per_account.RULE,
    unsubscribed_topic.RULE,
    access_log_destination.RULE,
    edge_region.RULE,
    retained_data_key.RULE,
    log_group_key_policy.RULE,
    topic_key_publishers.RULE,
    emptied_before_delete.RULE,
    cache_failover.RULE,
    ecs_capacity_provider_order.RULE,
    cloudfront_spa_error_fallback.RULE,
    waf_forwarded_ip.RULE,
    oauth_client_without_domain.RULE,
    user_pool_domain_prefix_twice.RULE,
    cognito_email_identity_in_stack.RULE,
    alarm_on_us_east_1_metrics.RULE,
    glacier_small_objects.RULE,
    proxy_iam_connect.RULE,
    iam_auth_disabled.RULE,
    injected_secret_rotation.RULE,
    retained_fixed_name.RULE,
    validation_zone_delegation.RULE,
    hosted_zone_emptied.RULE,
    backup_vault_emptied.RULE,
)
