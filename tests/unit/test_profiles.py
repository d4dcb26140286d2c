"""Environment profiles: presets, settings files and field-by-field validation."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from finefinds_constructs import ConfigurationError, EnvironmentProfile, profiles

PLATFORM_ENV = Path(__file__).resolve().parents[2] / "examples" / "platform" / "env"


def write(tmp_path: Path, text: str, name: str = "env.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ presets


def test_presets_are_the_five_environments():
    assert list(profiles.PRESETS) == ["development", "qa", "sandbox", "staging", "production"]
    assert profiles.PRESETS["production"] is profiles.PRODUCTION
    assert profiles.DEVELOPMENT.name == "development"


@pytest.mark.parametrize("name", list(profiles.PRESETS))
def test_presets_are_frozen(name):
    with pytest.raises(dataclasses.FrozenInstanceError):
        profiles.PRESETS[name].region = "us-east-1"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["development", "qa", "sandbox", "staging"])
def test_non_production_presets_two_azs_one_nat_auto_shutdown(name):
    p = profiles.PRESETS[name]
    assert len(p.availability_zones) == 2
    assert p.network.nat_gateways == 1
    assert p.compute.auto_shutdown is True
    assert p.database.serverless is True and p.database.min_acu == 0
    assert p.waf.enabled is False


def test_production_preset_three_azs_nat_per_az_endpoints_waf_retention():
    p = profiles.PRODUCTION
    assert len(p.availability_zones) == 3
    assert p.network.nat_gateways == 3
    assert p.network.interface_endpoints is True
    assert p.waf.enabled is True
    assert p.protection.retain_data and p.protection.deletion_protection
    assert p.compute.allow_http is False and p.compute.enable_exec is False and p.compute.auto_shutdown is False
    assert p.database.serverless is False and p.database.readers == 2
    assert p.auth.mfa == "REQUIRED"


@pytest.mark.parametrize("name", ["development", "sandbox"])
def test_development_and_sandbox_destroy_cleanly(name):
    p = profiles.PRESETS[name]
    assert not p.protection.retain_data and not p.protection.deletion_protection


def test_each_preset_has_its_own_cidr():
    cidrs = [p.network.cidr for p in profiles.PRESETS.values()]
    assert len(set(cidrs)) == len(cidrs)


def test_organisation_tags():
    assert profiles.PRODUCTION.organisation_tags() == {
        "Environment": "production",
        "Project": "FineFinds",
        "Owner": "platform-engineering",
        "CostCenter": "CC-1000",
        "ManagedBy": "aws-cdk/finefinds-constructs",
    }


def test_availability_zone_context_pins_zones_per_account():
    p = dataclasses.replace(profiles.PRODUCTION, account="123456789012")
    assert p.availability_zone_context() == {
        "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    }
    assert profiles.PRODUCTION.availability_zone_context() == {}  # environment-agnostic


# ------------------------------------------------------------------------------ settings files


def test_from_file_extends_a_preset_and_overrides_keys(tmp_path):
    path = write(
        tmp_path,
        """
extends = "production"
account = "123456789012"
monthly_budget_usd = 9000

[network]
cidr = "10.99.0.0/16"

[alarms]
emails = ["a@example.com", "b@example.com"]
""",
    )
    p = EnvironmentProfile.from_file(path)
    assert p.name == "production"
    assert p.account == "123456789012"
    assert p.monthly_budget_usd == 9000
    assert p.network.cidr == "10.99.0.0/16"
    assert p.network.nat_gateways == 3  # untouched keys inherited
    assert p.alarms.emails == ("a@example.com", "b@example.com")  # lists become tuples
    assert p.alarms.latency_p99_ms == 200


def test_from_file_defaults_to_development(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, 'name = "feature-x"\n'))
    assert p.name == "feature-x"
    assert p.network == profiles.DEVELOPMENT.network


def test_region_change_moves_pinned_zones(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, 'extends = "production"\nregion = "us-east-2"\n'))
    assert p.availability_zones == ("us-east-2a", "us-east-2b", "us-east-2c")


def test_float_setting_accepts_integer(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, "[database]\nmax_acu = 8\n"))
    assert p.database.max_acu == 8.0 and isinstance(p.database.max_acu, float)


@pytest.mark.parametrize("env_file", sorted(PLATFORM_ENV.glob("*.toml")), ids=lambda p: p.stem)
def test_platform_settings_files_load(env_file):
    p = EnvironmentProfile.from_file(env_file)
    assert p.name == env_file.stem
    assert p.account and len(p.account) == 12


# ------------------------------------------------------------------------------ validation errors


def error_for(tmp_path: Path, text: str) -> ConfigurationError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as info:
        EnvironmentProfile.from_file(path)
    message = str(info.value)
    assert str(path) in message, "the error must name the file"
    return info.value


def test_unknown_key_suggests_closest(tmp_path):
    err = error_for(tmp_path, "[network]\nnat_gateway = 2\n")
    assert err.parameter == "network.nat_gateway"
    assert "did you mean" in str(err) and "nat_gateways" in str(err)


def test_unknown_top_level_key_suggests_closest(tmp_path):
    err = error_for(tmp_path, 'regoin = "eu-west-1"\n')
    assert "regoin" in str(err) and "'region'" in str(err)


def test_unknown_preset(tmp_path):
    err = error_for(tmp_path, 'extends = "prod"\n')
    assert err.parameter == "extends"
    assert "production" in str(err)


def test_wrong_type(tmp_path):
    err = error_for(tmp_path, '[network]\nnat_gateways = "two"\n')
    assert err.parameter == "network.nat_gateways"
    assert "'two'" in str(err) and "an integer" in str(err)


def test_bool_is_not_an_integer(tmp_path):
    err = error_for(tmp_path, "[network]\nnat_gateways = true\n")
    assert "an integer" in str(err)


@pytest.mark.parametrize(
    "cidr",
    ["8.8.0.0/16", "10.0.0.0/8", "10.0.0.0/28", "10.0.0.1/16", "not-a-cidr"],
)
def test_cidr_must_be_private_16_to_24(tmp_path, cidr):
    err = error_for(tmp_path, f'[network]\ncidr = "{cidr}"\n')
    assert err.parameter == "network.cidr"
    assert repr(cidr) in str(err)
    assert "private IPv4 CIDR" in str(err) and "/16 to /24" in str(err)


def test_az_outside_region(tmp_path):
    err = error_for(tmp_path, 'region = "eu-west-1"\navailability_zones = ["eu-west-1a", "us-east-1b"]\n')
    assert err.parameter == "availability_zones"
    assert "us-east-1b" in str(err) and "eu-west-1a, eu-west-1b, eu-west-1c" in str(err)


def test_unknown_region(tmp_path):
    err = error_for(tmp_path, 'region = "eu-west-9"\n')
    assert err.parameter == "region" and "eu-west-1" in str(err)


def test_nat_count_above_az_count(tmp_path):
    err = error_for(tmp_path, '[network]\nnat_gateways = 3\n')  # development pins two zones
    assert err.parameter == "network.nat_gateways"
    assert "1 to 2" in str(err)


def test_min_above_max(tmp_path):
    err = error_for(tmp_path, "[compute]\nmin_tasks = 5\nmax_tasks = 2\n")
    assert err.parameter == "compute.min_tasks"
    assert "max_tasks (2)" in str(err)


def test_out_of_range_value(tmp_path):
    err = error_for(tmp_path, "[database]\nbackup_retention_days = 40\n")
    assert err.parameter == "database.backup_retention_days"
    assert "1..35" in str(err)


def test_log_retention_must_be_a_cloudwatch_value(tmp_path):
    err = error_for(tmp_path, "[protection]\nlog_retention_days = 31\n")
    assert "use 30" in str(err)


def test_account_must_be_twelve_digits(tmp_path):
    err = error_for(tmp_path, "account = 123456789012\n")  # a number, not a string
    assert err.parameter == "account"


def test_bad_email(tmp_path):
    err = error_for(tmp_path, '[alarms]\nemails = ["not-an-address"]\n')
    assert err.parameter == "alarms.emails[0]"


def test_table_expected(tmp_path):
    err = error_for(tmp_path, 'network = "big"\n')
    assert "[network] table" in str(err)


def test_malformed_toml(tmp_path):
    err = error_for(tmp_path, "extends = \n")
    assert "valid TOML" in str(err)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigurationError, match=re.escape("an existing TOML file")):
        EnvironmentProfile.from_file(tmp_path / "missing.toml")


def test_replace_is_validated_too():
    with pytest.raises(ConfigurationError, match="network.cidr"):
        dataclasses.replace(profiles.PRODUCTION.network, cidr="192.168.0.0/8")
    with pytest.raises(ConfigurationError, match="compute.min_tasks"):
        dataclasses.replace(profiles.PRODUCTION, compute=dataclasses.replace(profiles.PRODUCTION.compute, min_tasks=20))


def test_every_field_is_documented():
    for cls in (EnvironmentProfile, *[type(getattr(profiles.PRODUCTION, f.name)) for f in dataclasses.fields(EnvironmentProfile) if dataclasses.is_dataclass(getattr(profiles.PRODUCTION, f.name))]):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"


# ------------------------------------------------------------------------------ environments_for
def _settings_dir(tmp_path, *names):
    for name in names:
        (tmp_path / f"{name}.toml").write_text(f'extends = "{name if name in profiles.PRESETS else "development"}"\naccount = "123456789012"\n')
    return tmp_path


def test_environments_for_loads_every_settings_file_in_preset_order(tmp_path):
    import aws_cdk as cdk

    folder = _settings_dir(tmp_path, "production", "demo", "development", "qa")
    loaded = profiles.environments_for(cdk.App(), folder)
    assert list(loaded) == ["development", "qa", "production", "demo"]
    assert loaded["production"].protection.deletion_protection is True
    assert loaded["demo"].account == "123456789012"


def test_environments_for_honours_the_env_context(tmp_path):
    import aws_cdk as cdk

    folder = _settings_dir(tmp_path, "development", "production")
    assert list(profiles.environments_for(cdk.App(context={"env": "production"}), folder)) == ["production"]
    assert list(profiles.environments_for(cdk.App(context={"stage": "development"}), folder, context_key="stage")) == ["development"]


def test_environments_for_names_what_exists(tmp_path):
    import aws_cdk as cdk

    folder = _settings_dir(tmp_path, "development", "production")
    with pytest.raises(ConfigurationError, match=r"env \(cdk context\) = 'prod' is not allowed; allowed: development \| production\. Fix: did you mean 'production'\?"):
        profiles.environments_for(cdk.App(context={"env": "prod"}), folder)
    with pytest.raises(ConfigurationError, match=r"settings_dir = .*empty.* is not allowed; allowed: a folder with one <environment>.toml"):
        profiles.environments_for(cdk.App(), tmp_path / "empty")


def test_environments_for_reports_the_bad_file(tmp_path):
    import aws_cdk as cdk

    folder = _settings_dir(tmp_path, "development")
    (folder / "qa.toml").write_text('extends = "qa"\n[network]\nnat_gatways = 1\n')
    with pytest.raises(ConfigurationError, match=r"qa\.toml: network\.nat_gatways .*did you mean 'network\.nat_gateways'"):
        profiles.environments_for(cdk.App(), folder)


# ------------------------------------------------------------------------------ no validation holes
# Values that used to load and fail only at deploy time (or at synth, naming no file).


def test_given_a_misspelt_time_zone_when_loading_then_the_error_suggests_the_iana_name(tmp_path):
    err = error_for(tmp_path, '[compute]\nschedule_time_zone = "Europe/Berln"\n')
    assert err.parameter == "compute.schedule_time_zone"
    assert "'Europe/Berln'" in str(err) and "IANA time zone" in str(err)
    assert "did you mean 'Europe/Berlin'?" in str(err)


def test_given_no_time_zone_database_when_checking_a_time_zone_then_the_fix_says_to_install_tzdata(monkeypatch):
    from finefinds_constructs._internal import checks

    monkeypatch.setattr(checks, "_time_zones", frozenset)
    with pytest.raises(ConfigurationError, match=re.escape("install the tzdata package (pip install tzdata)")):
        dataclasses.replace(profiles.DEVELOPMENT.compute, schedule_time_zone="Europe/Berlin")


def test_given_a_misspelt_aurora_instance_size_when_loading_then_the_error_suggests_the_class(tmp_path):
    err = error_for(tmp_path, '[database]\nserverless = false\ninstance_class = "r7g.lrage"\n')
    assert err.parameter == "database.instance_class"
    assert "did you mean 'r7g.large'?" in str(err)
    assert "r7g comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge" in str(err)


def test_given_an_unknown_aurora_family_when_loading_then_the_error_lists_the_families(tmp_path):
    err = error_for(tmp_path, '[database]\ninstance_class = "m7g.large"\n')
    assert "'m7g' is not among the Aurora PostgreSQL class families" in str(err)
    assert "families: r4, r5, r6g" in str(err)


def test_given_the_serverless_class_as_instance_class_when_loading_then_the_error_points_to_serverless(tmp_path):
    err = error_for(tmp_path, '[database]\ninstance_class = "db.serverless"\n')
    assert "set database.serverless = true" in str(err)


def test_given_a_db_prefixed_instance_class_when_loading_then_it_is_accepted(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, 'extends = "production"\n[database]\ninstance_class = "db.r8g.2xlarge"\n'))
    assert p.database.instance_class == "db.r8g.2xlarge"


def test_given_a_misspelt_cache_node_type_when_loading_then_the_error_suggests_the_type(tmp_path):
    err = error_for(tmp_path, '[cache]\nnode_type = "cache.t4g.mirco"\n')
    assert err.parameter == "cache.node_type"
    assert "did you mean 'cache.t4g.micro'?" in str(err)
    err = error_for(tmp_path, '[cache]\nnode_type = "t4g.small"\n')
    assert "prefix it: 'cache.t4g.small'" in str(err)


def test_given_a_cpu_memory_pair_fargate_does_not_offer_when_loading_then_the_error_names_the_sizes(tmp_path):
    err = error_for(tmp_path, "[compute]\ncpu = 4096\nmemory_mib = 512\n")
    assert err.parameter == "compute.memory_mib"
    assert "with compute.cpu = 4096: 8192, 9216," in str(err) and "30720" in str(err)
    assert "use memory_mib = 8192, or cpu = 256 for 512 MiB" in str(err)


@pytest.mark.parametrize(
    "cpu, memory", [(256, 2048), (512, 4096), (1024, 8192), (2048, 16384), (4096, 30720), (8192, 61440), (16384, 122880)]
)
def test_given_the_largest_fargate_memory_for_each_cpu_when_loading_then_it_is_accepted(tmp_path, cpu, memory):
    p = EnvironmentProfile.from_file(write(tmp_path, f"[compute]\ncpu = {cpu}\nmemory_mib = {memory}\n"))
    assert (p.compute.cpu, p.compute.memory_mib) == (cpu, memory)


@pytest.mark.parametrize("memory", [1536, 61440 - 1024])
def test_given_memory_between_fargate_steps_when_loading_then_it_is_refused(tmp_path, memory):
    cpu = 256 if memory == 1536 else 8192
    err = error_for(tmp_path, f"[compute]\ncpu = {cpu}\nmemory_mib = {memory}\n")
    assert err.parameter == "compute.memory_mib"


@pytest.mark.parametrize(
    "expression, fix",
    [
        ("cron(0 20 * * MON-FRI *)", "put '?' in exactly one of day-of-month and day-of-week"),
        ("cron(0 25 ? * MON-FRI *)", "the hours field '25' is not 0-23"),
        ("cron(0 20 ? * MON-FRY *)", "the day-of-week field 'MON-FRY' is not 1-7 or SUN-SAT"),
        ("cron(0 20 ? * MON-FRI)", "cron(...) takes six fields, 5 given"),
        ("0 20 * * 1-5", "wrap the six fields in cron(...)"),
        ("cron(0/x 8 ? * MON *)", "the minutes step 'x' is not a positive number"),
        ("rate(0 days)", "a rate needs a positive number"),
        ("at(2030-13-01T20:00:00)", "write the time as yyyy-mm-ddThh:mm:ss"),
    ],
)
def test_given_a_schedule_application_auto_scaling_refuses_when_loading_then_the_error_says_why(tmp_path, expression, fix):
    err = error_for(tmp_path, f'[compute]\nshutdown_schedule = "{expression}"\n')
    assert err.parameter == "compute.shutdown_schedule"
    assert fix in str(err)


@pytest.mark.parametrize(
    "expression", ["rate(1 day)", "rate(12 hours)", "at(2030-01-31T20:00:00)", "cron(0/15 8-18 ? JAN-MAR 2#1 2030-2035)", "cron(0 8 L * ? *)"]
)
def test_given_a_rate_at_or_rich_cron_schedule_when_loading_then_it_is_accepted(tmp_path, expression):
    p = EnvironmentProfile.from_file(write(tmp_path, f'[compute]\nstartup_schedule = "{expression}"\n'))
    assert p.compute.startup_schedule == expression


def test_given_a_tag_value_with_a_character_aws_refuses_when_loading_then_it_is_refused(tmp_path):
    err = error_for(tmp_path, '[tags]\ncost_center = "CC#1000"\n')
    assert err.parameter == "tags.cost_center"
    assert "an AWS tag value" in str(err)


def test_given_a_made_up_country_code_when_loading_then_the_error_names_the_entry(tmp_path):
    err = error_for(tmp_path, '[cdn]\nblocked_countries = ["KP", "ZZ"]\n')
    assert err.parameter == "cdn.blocked_countries[1]" and "'ZZ' is not a country code" in str(err)
    err = error_for(tmp_path, '[waf]\nblocked_countries = ["kp"]\n')
    assert "write it in upper case: 'KP'" in str(err)


def test_given_kosovo_when_loading_then_waf_takes_it_and_cloudfront_does_not(tmp_path):
    assert EnvironmentProfile.from_file(write(tmp_path, '[waf]\nblocked_countries = ["XK"]\n')).waf.blocked_countries == ("XK",)
    assert error_for(tmp_path, '[cdn]\nblocked_countries = ["XK"]\n').parameter == "cdn.blocked_countries[0]"


def test_given_a_misspelt_count_only_rule_group_when_loading_then_the_error_suggests_the_group(tmp_path):
    err = error_for(tmp_path, '[waf]\ncount_only_rules = ["AWSManagedRulesCommonRuleSt"]\n')
    assert err.parameter == "waf.count_only_rules[0]"
    assert "did you mean 'AWSManagedRulesCommonRuleSet'?" in str(err)


def test_given_a_domain_prefix_with_a_cognito_reserved_word_when_loading_then_it_is_refused(tmp_path):
    err = error_for(tmp_path, '[auth]\ndomain_prefix = "aws-shop"\n')
    assert err.parameter == "auth.domain_prefix" and "Cognito reserves 'aws'" in str(err)


def test_every_string_setting_is_validated_or_documented_free_text():
    # The one string field without a check of its own: validated against the region in the cross-field rules.
    cross_field = {"EnvironmentProfile.availability_zones"}
    classes = [EnvironmentProfile, *profiles._SECTIONS.values()]
    unchecked = []
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if hints[f.name] in (str, typing.Optional[str], tuple[str, ...]) and f.metadata.get("check") is None:
                unchecked.append(f"{cls.__name__}.{f.name}")
    assert set(unchecked) == cross_field


# -- the unset spelling


def test_given_false_for_an_optional_setting_when_loading_then_it_is_unset(tmp_path):
    p = EnvironmentProfile.from_file(
        write(tmp_path, 'extends = "production"\n[backup]\ndr_region = false\n[compute]\nrequests_per_target = false\n')
    )
    assert p.backup.dr_region is None and p.compute.requests_per_target is None


def test_given_an_empty_string_for_an_optional_setting_when_loading_then_the_fix_names_the_toml_spelling(tmp_path):
    err = error_for(tmp_path, 'extends = "production"\n[backup]\ndr_region = ""\n')
    assert err.parameter == "backup.dr_region"
    assert "to unset it write dr_region = false" in str(err)


def test_given_a_file_when_a_rule_says_none_then_the_message_says_the_toml_spelling(tmp_path):
    err = error_for(tmp_path, '[auth]\nemail_from = "no-reply@example.com"\n')  # development sends with Cognito
    assert "allowed: false (unset) unless auth.email is 'SES'" in str(err)
    with pytest.raises(ConfigurationError, match=re.escape("allowed: None unless auth.email is 'SES'")):
        dataclasses.replace(profiles.DEVELOPMENT.auth, email_from="no-reply@example.com")
    err = error_for(tmp_path, '[cost]\nanomaly_monitor = "EXISTING"\n')  # and no anomaly_monitor_arn
    assert "cost.anomaly_monitor_arn = false (unset) is not allowed" in str(err)


def test_given_an_empty_string_for_an_optional_number_when_loading_then_the_fix_names_the_toml_spelling(tmp_path):
    err = error_for(tmp_path, '[backup]\nvault_lock_days = ""\n')
    assert "an integer, or false to unset it" in str(err) and "to unset it write vault_lock_days = false" in str(err)


def test_given_true_for_an_optional_setting_when_loading_then_the_type_error_names_the_unset_spelling(tmp_path):
    err = error_for(tmp_path, "[backup]\ndr_region = true\n")
    assert "a string, or false to unset it" in str(err)


# -- the production preset's DR region


def test_given_production_moved_to_its_dr_region_when_loading_then_the_dr_region_moves_too(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, 'extends = "production"\nregion = "eu-central-1"\n'))
    assert p.availability_zones == ("eu-central-1a", "eu-central-1b", "eu-central-1c")
    assert p.backup.dr_region == "eu-west-1"


def test_given_production_in_another_region_when_loading_then_the_dr_region_is_that_regions_partner(tmp_path):
    p = EnvironmentProfile.from_file(write(tmp_path, 'extends = "production"\nregion = "ap-southeast-2"\n'))
    assert p.backup.dr_region == "ap-southeast-4"


def test_given_a_dr_region_equal_to_the_region_when_loading_then_it_is_refused(tmp_path):
    err = error_for(tmp_path, 'extends = "production"\nregion = "eu-central-1"\n[backup]\ndr_region = "eu-central-1"\n')
    assert err.parameter == "backup.dr_region"
    assert "a region other than region (eu-central-1)" in str(err)
    assert "e.g. 'eu-west-1', or false (unset) for no cross-region copy" in str(err)


def test_given_a_dr_region_equal_to_the_region_when_replacing_then_it_is_refused():
    with pytest.raises(ConfigurationError, match=re.escape("backup.dr_region = 'eu-west-1' is not allowed")):
        dataclasses.replace(profiles.PRODUCTION, backup=dataclasses.replace(profiles.PRODUCTION.backup, dr_region="eu-west-1"))


def test_every_region_has_a_dr_partner_in_another_listed_region():
    from finefinds_constructs._internal.regions import DR_REGIONS, REGION_AZS

    assert set(DR_REGIONS) == set(REGION_AZS)
    assert all(dr != home and dr in REGION_AZS for home, dr in DR_REGIONS.items())


# -- regions


@pytest.mark.parametrize(
    "region",
    ["eu-central-2", "eu-south-2", "me-central-1", "me-south-1", "ap-northeast-3", "ap-south-2", "ap-southeast-3",
     "ap-southeast-4", "ap-southeast-5", "il-central-1", "ca-west-1", "mx-central-1", "af-south-1", "ap-east-1"],
)
def test_given_a_commercial_region_when_loading_then_its_zones_are_pinned(tmp_path, region):
    p = EnvironmentProfile.from_file(write(tmp_path, f'extends = "production"\nregion = "{region}"\n'))
    assert p.availability_zones == (f"{region}a", f"{region}b", f"{region}c")


def test_given_a_well_formed_unknown_region_when_loading_then_it_is_called_unknown_without_a_guess(tmp_path):
    err = error_for(tmp_path, 'region = "eu-central-9"\n')
    assert "unknown region 'eu-central-9'" in str(err) and "did you mean" not in str(err)
    assert "eu-central-2" in str(err)  # the allowed list


def test_given_a_region_of_another_partition_when_loading_then_the_error_says_so(tmp_path):
    err = error_for(tmp_path, '[backup]\ndr_region = "us-gov-west-1"\n')
    assert err.parameter == "backup.dr_region" and "another AWS partition" in str(err)


def test_given_a_misspelt_region_when_loading_then_the_error_suggests_the_region(tmp_path):
    err = error_for(tmp_path, 'region = "eu-wset-1"\n')
    assert "unknown region 'eu-wset-1'; did you mean 'eu-west-1'?" in str(err)
    err = error_for(tmp_path, 'region = "EU-WEST-1"\n')
    assert "write it in lower case: 'eu-west-1'" in str(err)


# -- messages


def test_given_a_bad_email_in_a_list_when_loading_then_the_error_names_the_entry(tmp_path):
    err = error_for(tmp_path, '[alarms]\nemails = ["ops@example.com", "not-an-address"]\n')
    assert err.parameter == "alarms.emails[1]"
    assert "alarms.emails[1] = 'not-an-address' is not allowed" in str(err)


def test_given_an_abbreviated_preset_when_loading_then_the_error_suggests_the_preset(tmp_path):
    err = error_for(tmp_path, 'extends = "prod"\n')
    assert "did you mean 'production'?" in str(err)


def test_given_an_unquoted_account_when_loading_then_the_error_says_to_quote_it(tmp_path):
    err = error_for(tmp_path, "account = 555555555555\n")
    assert 'quote it: account = "555555555555"' in str(err)
    err = error_for(tmp_path, '[dns]\nparent_zone_name = "finefinds.example"\nparent_account = 111111111111\n')
    assert 'quote it: parent_account = "111111111111"' in str(err)
