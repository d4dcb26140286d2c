"""The Sphinx site builds with warnings as errors, and the API reference covers the public API."""

from __future__ import annotations

import html
import inspect
import re
from pathlib import Path

import pytest

import background
import finefinds_constructs

ROOT = Path(__file__).resolve().parents[1]


docs_build = background.fixture("docs_build")


@pytest.fixture(scope="session")
def docs_site(docs_build) -> Path:
    """The HTML site, built with ``sphinx-build -W`` (warnings are errors) in the background."""
    assert docs_build["result"].returncode == 0, docs_build["result"].stdout + docs_build["result"].stderr
    return docs_build["outdir"]


@pytest.mark.slow
def test_every_public_name_is_in_the_api_reference(docs_site):
    api = (docs_site / "api.html").read_text()
    for name in finefinds_constructs.__all__:
        assert re.search(rf'id="(module-)?finefinds_constructs\.(\w+\.)?{name}"', api), name


@pytest.mark.slow
def test_defaults_tables_are_generated_from_the_presets(docs_site):
    from finefinds_constructs import profiles

    page = (docs_site / "profiles.html").read_text()
    assert page.count('class="profile-defaults') >= 10
    assert f"<p>{profiles.PRODUCTION.network.cidr}</p>" in page


@pytest.mark.slow
def test_compliance_matrix_lists_the_registry(docs_site):
    from finefinds_constructs import compliance

    page = html.unescape((docs_site / "compliance.html").read_text())
    for ack in compliance.REGISTRY:
        assert ack.rule in page, ack.rule


@pytest.mark.parametrize("name", finefinds_constructs.__all__)
def test_public_callables_document_every_defaulted_parameter(name):
    obj = getattr(finefinds_constructs, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        return
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    target = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and "__init__" not in vars(obj):
        return
    for param in inspect.signature(target).parameters.values():
        if param.default is inspect.Parameter.empty or param.name in {"self"}:
            continue
        section = re.search(rf"^{param.name} : .*?(?=^\S|\Z)", doc, re.S | re.M)
        assert section, f"{name}: parameter {param.name} is not documented"
        assert "Default:" in section.group(0), f"{name}: parameter {param.name} has no Default: line"


@pytest.mark.slow
def test_no_broken_internal_links(docs_site):
    """Every relative link of every page points at a page (and anchor) that exists."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs: list[str] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if attrs.get("id"):
                self.ids.add(attrs["id"])
            if tag == "a" and attrs.get("href"):
                self.hrefs.append(attrs["href"])

    parsed = {}
    for page in docs_site.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text())
        parsed[page.resolve()] = parser
    broken = []
    for page, parser in parsed.items():
        for href in parser.hrefs:
            if re.match(r"^[a-z]+:", href) or href.startswith("#") and not href[1:]:
                continue  # external (http:, mailto:) or a bare "#"
            target, _, anchor = href.partition("#")
            target_page = (page.parent / target).resolve() if target else page
            if target_page.is_dir():
                target_page = target_page / "index.html"
            if not target_page.exists():
                broken.append(f"{page.relative_to(docs_site.resolve())}: {href}")
            elif anchor and target_page in parsed and anchor not in parsed[target_page].ids:
                broken.append(f"{page.relative_to(docs_site.resolve())}: {href} (no such anchor)")
    assert broken == []


@pytest.mark.slow
def test_platform_page_draws_every_environment_from_the_templates(docs_site):
    page = (docs_site / "platform.html").read_text()
    for env in ("production", "staging", "qa", "sandbox", "development"):
        assert f'aria-label="FineFinds {env} stacks"' in page
    assert "NAT gateway" in page and "CloudFront distribution" in page


@pytest.mark.slow
def test_construct_pages_list_the_alarms_alarmset_adds(docs_site):
    for page in ("secure-vpc", "fargate-web-service", "waf-protection", "aurora-cluster", "redis-cache", "cdn-bucket", "auth-pool"):
        assert "adds:" in (docs_site / "constructs" / f"{page}.html").read_text(), page


def python_code_blocks() -> list[tuple[str, str]]:
    """Every ``.. code-block:: python`` of the docs, as (where, source)."""
    blocks = []
    for page in sorted((ROOT / "docs").rglob("*.rst")):
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip() != ".. code-block:: python":
                continue
            body = []
            for following in lines[number + 1 :]:
                if following.strip() and not following.startswith("   "):
                    break
                body.append(following[3:])
            blocks.append((f"{page.relative_to(ROOT)}:{number + 1}", "\n".join(body).strip() + "\n"))
    return blocks


@pytest.mark.parametrize("where, source", python_code_blocks(), ids=lambda v: v if ".rst" in str(v) else "")
def test_python_code_blocks_run(where, source):
    """Docs snippets run against the real library, in the context their page describes."""
    import aws_cdk as cdk
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_ecs as ecs

    import support

    profile = support.profile_for_tests("production")
    app = cdk.App(context=support.RECOMMENDED_CONTEXT)
    stack = finefinds_constructs.EnvironmentStack(app, "Docs", profile=profile)
    # What a snippet may assume exists already (in its own VPC, so the snippet can make "Network").
    database = finefinds_constructs.AuroraCluster(
        stack, "Database", profile=profile,
        vpc=finefinds_constructs.SecureVpc(stack, "DataNetwork", profile=profile, cidr="10.60.0.0/16").vpc,
    )
    namespace = {
        **{name: getattr(finefinds_constructs, name) for name in finefinds_constructs.__all__},
        "cdk": cdk, "ec2": ec2, "ecs": ecs, "acm": acm,
        "app": app, "profile": profile, "database": database,
        "stack": stack,
        "certificate_arn": f"arn:aws:acm:{profile.region}:{support.TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555",
    }
    exec(compile(source, where, "exec"), namespace)  # noqa: S102 - the docs' own snippets
    app.synth()  # and what they build synthesizes


def test_the_profiles_page_quotes_the_real_error(tmp_path):
    """The example error on docs/profiles.rst is what the library says for that settings file."""
    page = (ROOT / "docs" / "profiles.rst").read_text()
    quoted = re.search(r"for example::\n\n(   env/production\.toml: .*?)\n\n", page, re.S).group(1)
    (tmp_path / "env").mkdir()
    settings = tmp_path / "env" / "production.toml"
    settings.write_text('extends = "production"\n[network]\nnat_gateway = 2\n')
    with pytest.raises(finefinds_constructs.ConfigurationError) as error:
        finefinds_constructs.EnvironmentProfile.from_file(settings)
    actual = str(error.value).replace(str(tmp_path) + "/", "")
    assert " ".join(quoted.split()) == actual
