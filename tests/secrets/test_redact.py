"""Redaction: the user's story is "my push was refused, I re-run it with --redact":
afterwards nothing is found, the script still runs (reading the environment), and
JSON/YAML files still load."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import yaml

from hubmagic.secrets import (
    Finding,
    format_findings,
    redact_folder,
    redact_text,
    scan_folder,
    scan_text,
)


def leaky_train(fake) -> str:
    return f'''"""Train the iris model."""
from __future__ import annotations

import json

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

token = "{fake.hf}"  # TODO move to env: {fake.hf}
DATABASE_URL = "postgresql://ml:{fake.db_password}@db.internal:5432/features"
password = "{fake.password}"
conn_kwargs = dict(host="db.internal", password="{fake.api_key}")
headers = {{"Authorization": f"Bearer {fake.hf}"}}
client_config = {{"api_key": "{fake.openai}", "timeout": 30}}
aws = {{"aws_access_key_id": "{fake.aws_id}",
       "aws_secret_access_key": "{fake.aws_secret}"}}
PRIVATE_KEY = """{fake.private_key}
"""


def upload(repo_id, hub_token="{fake.hf}"):
    return hub_token


X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=200).fit(X, y)
print(json.dumps([token, DATABASE_URL, password, conn_kwargs, headers, client_config, aws,
                  PRIVATE_KEY, upload("alice/iris"), round(model.score(X, y), 3)]))
'''


def run_both(original: str, redacted: str, env: dict, tmp_path) -> tuple[str, str]:
    """Run the original script, then the redacted one with ``env`` set, in a fresh
    interpreter (one scikit-learn import for both); return what each printed."""
    (tmp_path / "original.py").write_text(original)
    (tmp_path / "redacted.py").write_text(redacted)
    driver = (
        "import contextlib, io, json, os, sys\n"
        "outputs = []\n"
        "for name, env in (('original.py', {}), ('redacted.py', json.loads(sys.argv[1]))):\n"
        "    os.environ.update(env)\n"
        "    buffer = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buffer):\n"
        "        exec(compile(open(name).read(), name, 'exec'), {'__name__': '__main__'})\n"
        "    outputs.append(buffer.getvalue())\n"
        "print(json.dumps(outputs))\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in env}
    result = subprocess.run(
        [sys.executable, "-c", driver, json.dumps(env)], check=False, capture_output=True, text=True,
        timeout=120, cwd=tmp_path, env=clean_env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return tuple(json.loads(result.stdout))


def test_redacted_train_script_parses_and_computes_the_same_values(fake, tmp_path):
    script = leaky_train(fake)
    findings = scan_text(script, "train.py")
    assert {f.kind for f in findings} >= {"Hugging Face token", "password in a URL", "private key",
                                          "OpenAI-style API key", "AWS access key"}

    redacted = redact_text(script, findings, "train.py")

    ast.parse(redacted)
    assert scan_text(redacted, "train.py") == []
    for value in (fake.hf, fake.db_password, fake.password, fake.api_key, fake.openai,
                  fake.aws_id, fake.aws_secret, fake.pem_body.split("\n")[0]):
        assert value not in redacted
    # the environment lookups a user reads in the new script, named after the variables
    assert 'token = os.environ["HF_TOKEN"]' in redacted
    assert 'password = os.environ["PASSWORD"]' in redacted
    assert 'password=os.environ["PASSWORD_2"]' in redacted  # another value, another name
    assert '"api_key": os.environ["OPENAI_API_KEY"]' in redacted
    assert '("postgresql://ml:" + os.environ["DATABASE_PASSWORD"] + "@db.internal:5432/features")' in redacted
    assert "# TODO move to env: <redacted; set HF_TOKEN>" in redacted
    lines = redacted.split("\n")
    assert lines[:3] == ['"""Train the iris model."""', "from __future__ import annotations", "import os"]

    env = {
        "HF_TOKEN": fake.hf, "DATABASE_PASSWORD": fake.db_password, "PASSWORD": fake.password,
        "PASSWORD_2": fake.api_key, "OPENAI_API_KEY": fake.openai,
        "AWS_ACCESS_KEY_ID": fake.aws_id, "AWS_SECRET_ACCESS_KEY": fake.aws_secret,
        "PRIVATE_KEY": fake.private_key,
    }
    original_output, redacted_output = run_both(script, redacted, env, tmp_path)
    assert fake.hf in original_output and fake.pem_body.split("\n")[0] in original_output
    assert redacted_output == original_output


def test_import_os_is_not_added_twice(fake):
    script = f'import os\nimport sys\n\nlogin(token="{fake.hf}")\n'
    redacted = redact_text(script, scan_text(script, "train.py"), "train.py")
    assert redacted == 'import os\nimport sys\n\nlogin(token=os.environ["HF_TOKEN"])\n'


def test_import_os_goes_after_a_shebang_when_there_is_no_docstring(fake):
    script = f'#!/usr/bin/env python\napi_key = "{fake.api_key}"\n'
    redacted = redact_text(script, scan_text(script, "train.py"), "train.py")
    assert redacted == '#!/usr/bin/env python\nimport os\napi_key = os.environ["API_KEY"]\n'


def test_redact_folder_cleans_every_file_and_keeps_formats_valid(clean_repo, fake):
    (clean_repo / "train.py").write_text(leaky_train(fake))
    readme = (clean_repo / "README.md").read_text()
    readme = readme.replace("license: mit\n", f"license: mit\nhf_token: {fake.hf}\n", 1)
    readme += f'\n```python\nlogin(token="{fake.hf}")\n```\n\nDB: `postgres://ml:{fake.db_password}@db/x`\n'
    (clean_repo / "README.md").write_text(readme)
    config = json.loads((clean_repo / "config.json").read_text())
    config["hub"] = {"token": fake.token, "private_key": fake.private_key + "\n"}
    (clean_repo / "config.json").write_text(json.dumps(config, indent=2))
    (clean_repo / "params.yaml").write_text(
        f"db:\n  url: postgres://ml:{fake.db_password}@db.example.com/features\n"
        f"  password: {fake.password}\nflow: {{token: {fake.token}}}\n"
    )
    (clean_repo / ".env").write_text(f"HF_TOKEN={fake.hf}\nAPI_KEY='{fake.api_key}'\nDEBUG=1\n")
    mode = (clean_repo / "train.py").stat().st_mode

    findings = scan_folder(clean_repo, known_secrets=[fake.hf])
    assert {f.file for f in findings} == {"train.py", "README.md", "config.json", "params.yaml", ".env"}
    message = format_findings(findings)
    assert "train.py:9: Hugging Face token of the current user" in message
    assert "--redact" in message and "redact=True" in message
    for value in (fake.hf, fake.token, fake.password, fake.db_password, fake.api_key, fake.pem_body):
        assert value not in message

    changed = redact_folder(clean_repo, findings)

    assert sorted(changed) == sorted({f.file for f in findings})
    assert scan_folder(clean_repo, known_secrets=[fake.hf]) == []
    ast.parse((clean_repo / "train.py").read_text())
    assert (clean_repo / "train.py").stat().st_mode == mode
    config = json.loads((clean_repo / "config.json").read_text())
    assert config["hub"] == {"token": "<redacted; set TOKEN>", "private_key": "<redacted; set PRIVATE_KEY>\n"}
    assert config["sklearn"]["model"] == {"file": "model.skops"}
    params = yaml.safe_load((clean_repo / "params.yaml").read_text())
    assert params == {
        "db": {"url": "postgres://ml:<redacted; set POSTGRES_PASSWORD>@db.example.com/features",
               "password": "<redacted; set PASSWORD>"},
        "flow": {"token": "<redacted; set TOKEN>"},
    }
    readme = (clean_repo / "README.md").read_text()
    metadata = yaml.safe_load(readme.split("---\n")[1])
    assert metadata["hf_token"] == "<redacted; set HF_TOKEN>" and metadata["library_name"] == "sklearn"
    assert 'login(token="<redacted; set HF_TOKEN>")' in readme
    assert "DB: `postgres://ml:<redacted; set DB_PASSWORD>@db/x`" in readme  # named after "DB:"
    assert "password" in readme  # a short URL password does not eat other words
    assert (clean_repo / ".env").read_text() == (
        "HF_TOKEN=<redacted; set HF_TOKEN>\nAPI_KEY='<redacted; set API_KEY>'\nDEBUG=1\n"
    )
    assert not [p.name for p in clean_repo.iterdir() if p.name.endswith(".tmp")]


def test_redacting_a_clean_folder_changes_nothing(clean_repo):
    before = {p: p.read_bytes() for p in clean_repo.rglob("*") if p.is_file()}
    assert redact_folder(clean_repo, scan_folder(clean_repo)) == []
    assert {p: p.read_bytes() for p in clean_repo.rglob("*") if p.is_file()} == before


def test_unparsable_python_falls_back_to_placeholders(fake):
    script = f'token = "{fake.hf}"\nif True print("broken")\n'
    redacted = redact_text(script, scan_text(script, "train.py"), "train.py")
    assert redacted == 'token = "<redacted; set HF_TOKEN>"\nif True print("broken")\n'


def test_binary_files_are_never_edited(clean_repo, fake):
    model = clean_repo / "model.skops"
    data = model.read_bytes()[:100] + fake.hf.encode() + model.read_bytes()[100:]
    model.write_bytes(data)
    (clean_repo / "notes.txt").write_text(f"token {fake.hf}\n")
    findings = [
        Finding("model.skops", 1, "Hugging Face token of the current user", fake.hf),
        Finding("notes.txt", 1, "Hugging Face token", fake.hf),
    ]
    assert redact_folder(clean_repo, findings) == ["notes.txt"]
    assert model.read_bytes() == data
    assert (clean_repo / "notes.txt").read_text() == "token <redacted; set HF_TOKEN>\n"
