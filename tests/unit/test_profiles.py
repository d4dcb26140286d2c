"""Environment profiles: presets, settings files and field-by-field validation."""

from __future__ import annotations

import dataclasses
import re
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
    assert p.database.serverless is False and p.database.readers >= 1
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
    assert p.network.nat_gateways == profiles.PRODUCTION.network.nat_gateways  # untouched keys inherited
    assert p.alarms.emails == ("a@example.com", "b@example.com")  # lists become tuples
    assert p.alarms.latency_p99_ms == profiles.PRODUCTION.alarms.latency_p99_ms


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
    assert err.parameter == "alarms.emails"


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
