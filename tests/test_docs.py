"""The Sphinx site builds with warnings as errors, and the API reference covers the public API."""

from __future__ import annotations

import html
import inspect
import json
import re
import sys
from pathlib import Path

import pytest
from constructs import Construct

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

#: Every construct class of the public API (jsii classes: their metaclass's ``__call__`` takes
#: ``(*args, **kwargs)``, which is what inspect and Sphinx used to report for them).
CONSTRUCT_CLASSES = {
    f"finefinds_constructs.{name}": obj
    for name in finefinds_constructs.__all__
    if inspect.isclass(obj := getattr(finefinds_constructs, name)) and issubclass(obj, Construct)
}
CONSTRUCT_CLASSES["finefinds_constructs.building_blocks.ManagedPolicyRole"] = finefinds_constructs.building_blocks.ManagedPolicyRole


def rendered_class_signatures(site: Path) -> dict[str, set[str]]:
    """Every class signature on the site (API reference and construct pages): name -> its parameter lists."""
    found: dict[str, set[str]] = {}
    for page in site.rglob("*.html"):
        for header in re.findall(r'<dt class="sig sig-object py"[^>]*>(.*?)</dt>', page.read_text(), re.S):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", header)).split()).rstrip("¶")
            if match := re.fullmatch(r"class ([\w.]+)(\(.*\))", text):
                found.setdefault(match.group(1), set()).add(match.group(2))
    return found


@pytest.mark.slow
def test_construct_signatures_show_their_keyword_parameters(docs_site):
    signatures = rendered_class_signatures(docs_site)
    assert signatures["finefinds_constructs.SecureVpc"] == {
        "(scope, id, *, profile, max_azs=None, cidr=None, nat_gateways=None, interface_endpoints=None, vpc_props=None)"
    }
    assert signatures["finefinds_constructs.AlarmSet"] == {"(scope, id, *, profile, topic=None, dashboard_name=None)"}
    for name in CONSTRUCT_CLASSES:
        assert name in signatures, f"{name} is not documented"
        for params in signatures[name]:
            assert "*args" not in params, f"{name}{params}"
            assert params.startswith("(scope, id, *, "), f"{name}{params}: keyword-only parameters not shown"
            if not name.endswith("ManagedPolicyRole"):
                assert ", *, profile" in params, f"{name}{params}"
    # The metaclass's annotations (``*args: Any`` -> ``M``) no longer leak into the descriptions.
    api = (docs_site / "api.html").read_text()
    for name in CONSTRUCT_CLASSES:
        body = re.search(rf'id="{re.escape(name)}">.*?(?=<dt class="sig|\Z)', api, re.S).group(0)
        assert "<strong>args</strong>" not in body and "Return type" not in body, name


def test_construct_classes_report_their_constructor_signature():
    """``inspect.signature`` (help(), IDEs, autodoc) reads ``__init__``, not jsii's ``JSIIMeta.__call__``."""
    params = inspect.signature(finefinds_constructs.SecureVpc).parameters
    assert list(params)[:3] == ["scope", "id", "profile"]
    assert params["profile"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["cidr"].kind is inspect.Parameter.KEYWORD_ONLY and params["cidr"].default is None
    for name, cls in CONSTRUCT_CLASSES.items():
        kinds = {p.kind for p in inspect.signature(cls).parameters.values()}
        assert inspect.Parameter.VAR_POSITIONAL not in kinds, name
        assert inspect.Parameter.KEYWORD_ONLY in kinds, name

    class TeamVpc(finefinds_constructs.SecureVpc):
        def __init__(self, scope, id, *, team: str) -> None: ...

    class PlainVpc(finefinds_constructs.SecureVpc):
        pass

    # A subclass reports its own constructor, or the inherited one.
    assert str(inspect.signature(TeamVpc)) == "(scope, id, *, team: 'str')"
    assert "nat_gateways" in inspect.signature(PlainVpc).parameters
    # The library's classes only: jsii's own keep their metaclass signature.
    assert "args" in inspect.signature(Construct).parameters



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


#: Snippets whose result the gate rejects on purpose, by a line of the snippet: the findings the
#: gate reports on what the snippet built (rule ids as ``compliance.acknowledge`` takes them).
SNIPPET_FINDINGS: dict[str, list[tuple[str, str]]] = {
    # docs/concepts.rst, escape hatches: "the compliance gate still runs on the result". The extra
    # flow log gets aws-cdk-lib's own log group (no KMS key) and role (an inline policy).
    'network.vpc.add_flow_log("Extra"': [
        ("ControlTower::CT.CLOUDWATCH.PR.3", "Docs/Network/Vpc/Extra/LogGroup/Resource"),
        ("HIPAA.Security-CloudWatchLogGroupEncrypted", "Docs/Network/Vpc/Extra/LogGroup/Resource"),
        ("HIPAA.Security-IAMNoInlinePolicy", "Docs/Network/Vpc/Extra/IAMRole/DefaultPolicy/Resource"),
        ("NIST.800.53.R5-CloudWatchLogGroupEncrypted", "Docs/Network/Vpc/Extra/LogGroup/Resource"),
        ("NIST.800.53.R5-IAMNoInlinePolicy", "Docs/Network/Vpc/Extra/IAMRole/DefaultPolicy/Resource"),
        ("PCI.DSS.321-CloudWatchLogGroupEncrypted", "Docs/Network/Vpc/Extra/LogGroup/Resource"),
        ("PCI.DSS.321-IAMNoInlinePolicy", "Docs/Network/Vpc/Extra/IAMRole/DefaultPolicy/Resource"),
    ],
    # docs/compliance.rst: the rule-id forms, acknowledged on a plain bucket. Its other findings stay
    # (the acknowledged AwsSolutions-S1, NIST.800.53.R5-S3BucketLoggingEnabled and CT.S3.PR.2 are gone).
    's3.CfnBucket(stack, "LoadTestFixtures")': [
        (rule, "Docs/LoadTestFixtures")
        for rule in (
            "AwsSolutions-S10",
            "ControlTower::CT.S3.PR.1",
            "ControlTower::CT.S3.PR.10",
            "ControlTower::CT.S3.PR.11",
            "ControlTower::CT.S3.PR.4",
            "ControlTower::CT.S3.PR.6",
            "ControlTower::CT.S3.PR.9",
            "DeployReadiness::EmptiedBeforeDelete",
            "HIPAA.Security-S3BucketLoggingEnabled",
            "HIPAA.Security-S3BucketPublicReadProhibited",
            "HIPAA.Security-S3BucketPublicWriteProhibited",
            "HIPAA.Security-S3BucketReplicationEnabled",
            "HIPAA.Security-S3BucketSSLRequestsOnly",
            "HIPAA.Security-S3BucketVersioningEnabled",
            "HIPAA.Security-S3DefaultEncryptionKMS",
            "NIST.800.53.R5-S3BucketPublicReadProhibited",
            "NIST.800.53.R5-S3BucketPublicWriteProhibited",
            "NIST.800.53.R5-S3BucketReplicationEnabled",
            "NIST.800.53.R5-S3BucketSSLRequestsOnly",
            "NIST.800.53.R5-S3BucketVersioningEnabled",
            "NIST.800.53.R5-S3DefaultEncryptionKMS",
            "PCI.DSS.321-S3BucketLoggingEnabled",
            "PCI.DSS.321-S3BucketPublicReadProhibited",
            "PCI.DSS.321-S3BucketPublicWriteProhibited",
            "PCI.DSS.321-S3BucketReplicationEnabled",
            "PCI.DSS.321-S3BucketSSLRequestsOnly",
            "PCI.DSS.321-S3BucketVersioningEnabled",
            "PCI.DSS.321-S3DefaultEncryptionKMS",
        )
    ],
}


def test_every_snippet_findings_exception_names_one_snippet():
    for marker in SNIPPET_FINDINGS:
        assert len([where for where, source in python_code_blocks() if marker in source]) == 1, marker


@pytest.mark.parametrize("where, source", python_code_blocks(), ids=lambda v: v if ".rst" in str(v) else "")
def test_python_code_blocks_run(where, source, tmp_path):
    """Docs snippets run against the real library, in the context their page describes, and what
    they build passes the whole gate (but for :data:`SNIPPET_FINDINGS`)."""
    import dataclasses

    import aws_cdk as cdk
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_iam as iam

    import support
    from finefinds_constructs import building_blocks, compliance

    production = support.profile_for_tests("production")
    # A real settings file names the on-call address, so the alarm topic has a subscriber.
    profile = dataclasses.replace(production, alarms=dataclasses.replace(production.alarms, emails=("oncall@example.com",)))
    app = cdk.App(outdir=str(tmp_path / "docs"), context=support.RECOMMENDED_CONTEXT)
    stack = finefinds_constructs.EnvironmentStack(app, "Docs", profile=profile)
    namespace = {
        **{name: getattr(finefinds_constructs, name) for name in finefinds_constructs.__all__},
        "cdk": cdk, "ec2": ec2, "ecs": ecs, "acm": acm,
        "app": app, "profile": profile, "stack": stack,
        "certificate_arn": f"arn:aws:acm:{profile.region}:{support.TEST_ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555",
    }
    # What a snippet may assume exists already (in its own VPC, so the snippet can make "Network"),
    # built only for the snippets that use it, so the gate has only the snippet's work to check.
    if re.search(r"\b(database|cache)\b", source):
        data_vpc = finefinds_constructs.SecureVpc(stack, "DataNetwork", profile=profile, cidr="10.60.0.0/16").vpc
        database = finefinds_constructs.AuroraCluster(stack, "Database", profile=profile, vpc=data_vpc)
        # ... with its application, which signs in (else DeployReadiness::ProxyIamAuthWithoutConnect).
        client = building_blocks.ManagedPolicyRole(stack, "DatabaseClient", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
        database.grant_connect(client)
        namespace.update(database=database, cache=finefinds_constructs.RedisCache(stack, "Cache", profile=profile, vpc=data_vpc))
    compliance.enable(app)
    exec(compile(source, where, "exec"), namespace)  # noqa: S102 - the docs' own snippets
    # What they build synthesizes with the gate: the page's app, and every app the snippet makes
    # (those enable the gate themselves; one the snippet synthesized already is not synthesized again).
    apps = {id(a): a for a in [app, *namespace.values()] if isinstance(a, cdk.App)}.values()
    for each in apps:
        if not any(isinstance(c, cdk.Stack) and c.node.children for c in each.node.find_all()):
            continue  # nothing built in it (the page's app when the snippet makes its own; a skeleton)
        try:
            each.synth()
        except RuntimeError as error:  # the gate's findings fail synthesis
            assert "ValidationFailed" in str(error), error
        expected = sorted(f for marker, found in SNIPPET_FINDINGS.items() if marker in source and each is app for f in found)
        runs = compliance.read_summary(each.outdir).plugins  # GateNotRun: an app without the gate
        (scope,) = {run.scope for run in runs}
        stacks = [p for p in support.stack_paths(each.outdir) if not scope or p == scope or p.startswith(scope + "/")]
        support.assert_gate_ran(each.outdir, stacks=len(stacks), findings=len(expected), scope=scope)
        assert support.gate_findings(each.outdir) == expected


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


# ---------------------------------------------------------------------------------------------
# Behaviour the README and the guide state, checked where no construct test covers it
# ---------------------------------------------------------------------------------------------
SNAPSHOTS = ROOT / "tests" / "integration" / "__snapshots__" / "test_snapshots"


def snapshot_stacks(environment: str) -> set[str]:
    """The platform's stacks of one environment, by concern (``Network``, ``EdgeMonitoring``, ...)."""
    paths = SNAPSHOTS.glob(f"*[[]{environment}-*].json")
    return {re.fullmatch(rf"test_template_snapshot\[{environment}-(\w+)\]\.json", p.name).group(1) for p in paths}


def test_platform_diagrams_draw_every_stack_of_the_platform():
    """docs/platform.rst draws each environment's stacks: none of the synthesized ones may be missing."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import finefinds_docs
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    assert snapshot_stacks("production") == {
        "Network", "Data", "Application", "Edge", "EdgeMonitoring", "Dns", "Identity", "Email",
        "Monitoring", "Cost", "Audit", "Backup", "BackupDr",
    }
    for environment in ("production", "staging", "qa", "sandbox", "development"):
        boxes, _ = finefinds_docs.platform_graph(environment)
        assert set(boxes) == snapshot_stacks(environment), environment
        assert ">EdgeMonitoring (us-east-1)</text>" in finefinds_docs.platform_svg(environment)


ORGANISATION_TAGS = {"Environment", "Project", "Owner", "CostCenter", "ManagedBy"}


def test_every_tagged_platform_resource_carries_the_organisation_tags():
    """README: every construct applies Environment, Project, Owner, CostCenter and ManagedBy."""
    checked = 0
    for path in SNAPSHOTS.glob("*.json"):
        environment = re.search(r"\[(\w+)-", path.name).group(1)
        for logical_id, resource in json.loads(path.read_text()).get("Resources", {}).items():
            tags = resource.get("Properties", {}).get("Tags")
            if tags is None:
                # Only CDK's singleton custom-resource providers (raw CfnResources, not taggable by
                # Tags.of) go without: every role and function of the library's own carries them.
                if resource["Type"] in {"AWS::IAM::Role", "AWS::Lambda::Function"}:
                    assert "CustomResourceProvider" in resource["Metadata"]["aws:cdk:path"], f"{path.name}: {logical_id}"
                continue
            values = {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else dict(tags)
            assert ORGANISATION_TAGS <= set(values), f"{path.name}: {logical_id} lacks {ORGANISATION_TAGS - set(values)}"
            assert values["Environment"] == environment and values["Project"] == "FineFinds", f"{path.name}: {logical_id}"
            checked += 1
    assert checked > 500  # the platform's taggable resources, all five environments


#: The presets' names: a construct comparing a profile's name with one would behave by name, not by settings.
PRESET_NAMES = {"development", "qa", "sandbox", "staging", "production"}


def test_constructs_never_branch_on_an_environments_name():
    """docs/index.rst: constructs read the profile's settings, never ``profile.name`` (a label only)."""
    import ast

    branches = []
    for path in sorted((ROOT / "src" / "finefinds_constructs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            names_a_preset = any(
                isinstance(o, ast.Constant) and o.value in PRESET_NAMES
                or isinstance(o, (ast.Tuple, ast.List, ast.Set)) and any(isinstance(e, ast.Constant) and e.value in PRESET_NAMES for e in o.elts)
                for o in operands
            )
            reads_profile_name = any(isinstance(o, ast.Attribute) and o.attr == "name" and "profile" in ast.unparse(o.value) for o in operands)
            if names_a_preset or reads_profile_name:
                branches.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert branches == []


def test_the_code_cites_only_documents_in_the_repository():
    """A ``*.md`` named in the library, the examples, the scripts or the tests exists in the repository."""
    import re

    cited = {}
    for folder in ("src", "examples", "scripts", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in re.findall(r"\b([A-Za-z][\w.-]*\.md)\b", path.read_text()):
                cited.setdefault(name, path.relative_to(ROOT))
    assert "ARCHITECTURE.md" in cited  # the code points to it
    missing = {name: str(where) for name, where in cited.items() if not list(ROOT.glob(f"**/{name}"))}
    assert missing == {}
