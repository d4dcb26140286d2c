"""AWS values a profile is checked against offline: Fargate task sizes, Aurora PostgreSQL instance
classes, ElastiCache node types and country codes.

The class and node-type tables are the union over the commercial regions of cfn-lint 1.58's
tables (``dbinstanceclass_enum.json`` for engine ``aurora-postgresql``,
``cachenodetype_enum.json``), which cfn-lint generates from the AWS pricing data. A class AWS adds
later is refused until the table is updated; ``AuroraCluster(instance_class=...)`` and
``RedisCache(node_type=...)`` take one without the profile meanwhile.
"""

from __future__ import annotations

#: Task CPU units → the memory sizes (MiB) Fargate allows with them.
#: Source: Amazon ECS developer guide, "Task CPU and memory" (Fargate).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def _table(rows: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return {family: tuple(sizes.split()) for family, sizes in rows.items()}


#: Aurora PostgreSQL provisioned instance classes: family (type and generation) → sizes, without
#: the ``db.`` prefix. ``db.serverless`` is not here: a profile says ``serverless = true``.
AURORA_POSTGRESQL_CLASSES = _table({
    "r4": "large xlarge 2xlarge 4xlarge 8xlarge 16xlarge",
    "r5": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge",
    "r6g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r6gd": "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r6i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge",
    "r6id": "24xlarge 32xlarge",
    "r7g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r7i": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "r8a": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "r8g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "r8gd": "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge",
    "t3": "small medium large",
    "t4g": "medium large xlarge 2xlarge",
    "x2g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
})

#: ElastiCache node types: family → sizes, without the ``cache.`` prefix.
CACHE_NODE_TYPES = _table({
    "c7gn": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "c8gn": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "m4": "large xlarge 2xlarge 4xlarge 10xlarge",
    "m5": "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge",
    "m6g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "m7g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "m8g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r4": "large xlarge 2xlarge 4xlarge 8xlarge 16xlarge",
    "r5": "large xlarge 2xlarge 4xlarge 12xlarge 24xlarge",
    "r6g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r6gd": "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r7g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "r8g": "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge",
    "t2": "micro small medium",
    "t3": "micro small medium",
    "t4g": "micro small medium",
})

#: ISO 3166-1 alpha-2 country codes, as CloudFront geo restriction takes them. Source: the
#: ``CountryCode`` enum of the AWS WAF v2 API (botocore's service model), less ``XK``.
COUNTRY_CODES = frozenset(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW".split()
)

#: Country codes an AWS WAF geo match takes: ISO 3166-1 alpha-2 and ``XK`` (Kosovo).
WAF_COUNTRY_CODES = COUNTRY_CODES | {"XK"}


#: AWS managed rule groups WafProtection runs, in evaluation order (cheap IP-reputation checks
#: before request inspection), mapped to their priority; the Linux group only where
#: ``profile.waf.linux_rules``. Here, with the other AWS values, because the profile checks
#: ``waf.count_only_rules`` against it (``waf_protection.MANAGED_RULE_GROUPS`` is this table).
WAF_MANAGED_RULE_GROUPS: dict[str, int] = {
    "AWSManagedRulesAmazonIpReputationList": 10,
    "AWSManagedRulesAnonymousIpList": 11,
    "AWSManagedRulesCommonRuleSet": 12,
    "AWSManagedRulesKnownBadInputsRuleSet": 13,
    "AWSManagedRulesSQLiRuleSet": 14,
    "AWSManagedRulesLinuxRuleSet": 15,
}
