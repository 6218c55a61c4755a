"""Checks template.yaml: SAM's transform, done offline with
aws-sam-translator, then cfn-lint on the CloudFormation it produces (cfn-lint
alone does not expand SAM resources, so it would miss their errors)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The translator asks boto for a region; no AWS call is made.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class NoManagedPolicies:
    """The template names no managed policies; nothing to look up in IAM."""

    def load(self):
        return {}


def main():
    template = yaml_parse((ROOT / "template.yaml").read_text())
    # `sam package` replaces local code locations with S3 URIs before the
    # transform; do the same with placeholders.
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://switchboard-artifacts/{logical_id}.zip"
    parameters = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                  "AWS::Partition": "aws", "AWS::StackName": "switchboard"}
    # Values as CloudFormation hands them to the SAM macro: defaults, list
    # parameters as lists, placeholders for the secrets.
    for name, spec in template.get("Parameters", {}).items():
        value = spec.get("Default", "x" * max(32, spec.get("MinLength", 0)))
        if spec.get("Type") == "CommaDelimitedList":
            value = [v.strip() for v in str(value).split(",")]
        parameters[name] = value
    try:
        translated = transform(template, parameters, NoManagedPolicies())
    except Exception as e:  # the translator raises one exception listing every error
        sys.exit(f"SAM transform failed: {e}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(translated, out, indent=1)
    # SAM inlines the parameters it resolves (CORS origins), so after the
    # transform they look unused (W2001); the source template is linted whole.
    lint_out = subprocess.run(["cfn-lint", "--format", "parseable", "--ignore-checks", "W2001", "--", out.name])
    lint_src = subprocess.run(["cfn-lint", "--format", "parseable", str(ROOT / "template.yaml")])
    if lint_out.returncode != 0 or lint_src.returncode != 0:
        sys.exit("cfn-lint found problems (above)")
    kinds = sorted({r["Type"] for r in translated["Resources"].values()})
    print(f"template OK: {len(translated['Resources'])} resources after the SAM transform ({', '.join(kinds)})")


if __name__ == "__main__":
    main()
