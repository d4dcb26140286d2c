"""projen definition of finefinds-constructs.

``pyproject.toml``, ``.projen/tasks.json`` and the ignore files are generated from this file:
edit it, then run ``python .projenrc.py`` (or ``projen``) and commit the result. A test
(``tests/test_projen.py``) re-runs this file on a copy of the repository and fails when a
tracked file would change.
"""

from projen.python import PythonProject

# Runtime dependencies. The aws-cdk-lib minimum is the version the suite runs against in CI;
# cdk-nag 3 needs aws-cdk-lib >= 2.257 (its Validations API).
DEPS = [
    "aws-cdk-lib>=2.275.0,<3",
    "constructs>=10,<11",
    "cdk-nag>=3.0.2,<4",
    # cfn-guard and AWS Control Tower's proactive-control Guard rules, as a CDK validation plugin.
    "cdklabs.cdk-validator-cfnguard>=0.0.62,<0.1",
    # tomllib is in the standard library from 3.11; 3.10 reads settings files with tomli.
    'tomli>=2.0; python_version < "3.11"',
    # The IANA time zones profiles are checked against, where the system has none (Windows, slim images).
    "tzdata>=2024.1",
]

DEV_DEPS = [
    "projen==0.104.17",
    "pytest>=8,<10",
    "syrupy>=4,<6",
    "cfn-lint>=1.20,<2",
    "checkov>=3.2,<4",
    "sphinx>=7,<10",
    "furo>=2024.1.29",
    "myst-parser>=3",
    "build>=1.2,<2",
    "uv>=0.5,<1",
]

project = PythonProject(
    name="finefinds-constructs",
    module_name="finefinds_constructs",
    version="0.1.0",
    description=(
        "AWS CDK v2 L3 constructs with the organisation's defaults for web products: "
        "secure, observable, compliant and cost-aware per environment profile."
    ),
    author_name="FineFinds Platform Engineering",
    author_email="platform@finefinds.example",
    license="Apache-2.0",
    # uv manages the PEP 621 pyproject.toml; pip/venv/setuptools/poetry would each write their own.
    uv=True,
    pip=False,
    venv=False,
    setuptools=False,
    poetry=False,
    pytest=False,
    sample=False,
    github=False,
    projenrc_python=True,
    deps=DEPS,
    uv_options={
        "project": {
            "name": "finefinds-constructs",
            "requires_python": ">=3.10",
            "license": "Apache-2.0",
            "license_files": ["LICENSE"],
            "readme": "README.md",
            "keywords": ["aws", "aws-cdk", "cdk", "constructs", "platform", "compliance"],
            "classifiers": [
                "Development Status :: 3 - Alpha",
                "Framework :: AWS CDK",
                "Framework :: AWS CDK :: 2",
                "Intended Audience :: Developers",
                "Operating System :: OS Independent",
                "Programming Language :: Python :: 3 :: Only",
                "Programming Language :: Python :: 3.10",
                "Programming Language :: Python :: 3.11",
                "Programming Language :: Python :: 3.12",
                "Programming Language :: Python :: 3.13",
                "Typing :: Typed",
            ],
            "optional_dependencies": {"dev": DEV_DEPS},
        },
        "build_system": {"requires": ["hatchling>=1.26"], "build_backend": "hatchling.build"},
    },
    git_ignore_options={"ignore_patterns": []},
)

project.gitignore.exclude(
    ".venv/",
    "node_modules/",
    "cdk.out/",
    "dist/",
    "build/",
    "docs/_build/",
    ".pytest_cache/",
    "__pycache__/",
    "*.egg-info/",
    ".benchmarks/",
    # Synthesis must never need looked-up context: a cdk.context.json appearing is a bug.
    "cdk.context.json",
)
# The Python template ignores `env/` and `lib/` anywhere; the platform's settings files live in env/.
project.gitignore.include("/examples/*/env/")

# Tool configuration that belongs in pyproject.toml; projen owns that file, so it lives here.
project.try_find_object_file("pyproject.toml").add_override(
    "tool.pytest.ini_options",
    {
        "testpaths": ["tests"],
        "pythonpath": ["tests"],
        "addopts": "-ra --strict-markers",
        "markers": [
            "slow: builds a wheel or runs an external tool (deselect with -m 'not slow')",
        ],
    },
)
project.try_find_object_file("pyproject.toml").add_override(
    "tool.hatch.build.targets.wheel", {"packages": ["src/finefinds_constructs"]}
)
project.try_find_object_file("pyproject.toml").add_override(
    "tool.hatch.build.targets.sdist",
    {"include": ["src/finefinds_constructs", "LICENSE", "README.md"]},
)

# --- tasks: the README's two commands end here (scripts/dev.py bootstraps, then runs them) ---
project.test_task.reset("pytest", receive_args=True)
project.add_task(
    "synth:platform",
    description="Synthesize examples/platform for every environment with the AWS CDK CLI and summarise",
    exec="python scripts/platform_summary.py",
    receive_args=True,
)
project.add_task(
    "docs",
    description="Build the Sphinx site with warnings as errors",
    exec="sphinx-build -W --keep-going -b html docs docs/_build/html",
)
project.add_task(
    "benchmark",
    description="Platform synth time per environment and for all environments, and peak memory",
    exec="python benchmarks/platform_synth.py",
    receive_args=True,
)
project.package_task.reset("python -m build --outdir dist/")

project.synth()
