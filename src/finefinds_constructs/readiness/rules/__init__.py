"""The deploy-readiness rules, one module per rule (as cdk-nag keeps one rule per file).

:data:`RULES` lists them by the trap they keep out: deploys that fail, tear-downs and re-creates
that fail, deploys that run broken; then the traps of the same classes found beside those.
"""

from __future__ import annotations

from . import (
    access_log_destination,
    alarm_on_us_east_1_metrics,
    anomaly_monitor_per_account,
    backup_vault_emptied,
    cache_failover,
    cloudfront_spa_error_fallback,
    cognito_email_identity_in_stack,
    config_recorder_order,
    config_recorder_per_region,
    ecs_capacity_provider_order,
    edge_region,
    emptied_before_delete,
    glacier_small_objects,
    hosted_zone_emptied,
    iam_auth_disabled,
    injected_secret_rotation,
    log_group_key_policy,
    oauth_client_without_domain,
    proxy_iam_connect,
    retained_data_key,
    retained_fixed_name,
    rotated_origin_secret,
    topic_key_publishers,
    unsubscribed_topic,
    user_pool_domain_prefix_twice,
    validation_zone_delegation,
    waf_forwarded_ip,
)

RULES = (
    # Deploys that fail.
    config_recorder_order.RULE,
    config_recorder_per_region.RULE,
    anomaly_monitor_per_account.RULE,
    ecs_capacity_provider_order.RULE,
    validation_zone_delegation.RULE,
    # Tear-downs and re-creates that fail.
    backup_vault_emptied.RULE,
    hosted_zone_emptied.RULE,
    retained_fixed_name.RULE,
    # Deploys that run broken.
    cloudfront_spa_error_fallback.RULE,
    proxy_iam_connect.RULE,
    injected_secret_rotation.RULE,
    oauth_client_without_domain.RULE,
    unsubscribed_topic.RULE,
    alarm_on_us_east_1_metrics.RULE,
    waf_forwarded_ip.RULE,
    rotated_origin_secret.RULE,
    glacier_small_objects.RULE,
    # Beside those: the same classes of trap.
    edge_region.RULE,
    cache_failover.RULE,
    log_group_key_policy.RULE,
    cognito_email_identity_in_stack.RULE,
    user_pool_domain_prefix_twice.RULE,
    emptied_before_delete.RULE,
    retained_data_key.RULE,
    access_log_destination.RULE,
    topic_key_publishers.RULE,
    iam_auth_disabled.RULE,
)
