"""The scanner: every kind of credential is found where a user would leave it, and a
normal notebook's repository produces no finding."""

from __future__ import annotations

import json

import pytest

from hubmagic.secrets import Finding, current_user_tokens, scan_folder, scan_text
from hubmagic.secrets.scanner import KNOWN_TOKEN_KIND


def only(findings):
    assert len(findings) == 1, [str(f) for f in findings]
    return findings[0]


def test_clean_notebook_repository_has_no_findings(clean_repo):
    assert scan_folder(clean_repo) == []


def test_clean_repository_scanned_with_the_users_token_has_no_findings(clean_repo, fake):
    assert scan_folder(clean_repo, known_secrets=[fake.hf]) == []


# (line of train.py, kind, attribute of Fake that must be the reported secret)
PYTHON_CASES = [
    ('token = "{hf}"', "Hugging Face token", "hf"),
    ('api = HfApi(token="{hf}")', "Hugging Face token", "hf"),
    ('login("{hf_org}")', "Hugging Face token", "hf_org"),
    ('headers = {{"Authorization": f"Bearer {hf}"}}', "Hugging Face token", "hf"),
    ('aws_access_key_id = "{aws_id}"', "AWS access key", "aws_id"),
    ('aws_secret_access_key = "{aws_secret}"', "AWS secret access key", "aws_secret"),
    ('gh = Github("{github}")', "GitHub token", "github"),
    ('GITHUB_TOKEN = "{github_pat}"', "GitHub token", "github_pat"),
    ('client = OpenAI(api_key="{openai}")', "OpenAI-style API key", "openai"),
    ('openai.api_key = "{openai_legacy}"', "OpenAI-style API key", "openai_legacy"),
    ('slack = WebClient("{slack}")', "Slack token", "slack"),
    ('auth = {{"jwt": "{jwt}"}}', "JSON Web Token", "jwt"),
    ('engine = create_engine("postgresql://admin:{db_password}@db.internal:5432/prod")',
     "password in a URL", "db_password"),
    ('password = "{password}"', "password or secret assigned in the file", "password"),
    ('conn = psycopg.connect(host="db", password="{password}")',
     "password or secret assigned in the file", "password"),
    ('config["api_key"] = "{api_key}"', "password or secret assigned in the file", "api_key"),
    ('WANDB_TOKEN = "{token}"', "token or key assigned in the file", "token"),
    ('run(access_token="{token}")', "token or key assigned in the file", "token"),
    ('wandb.login(key="{token}")', "token or key assigned in the file", "token"),
]


@pytest.mark.parametrize("code, kind, attr", PYTHON_CASES, ids=[c[2] + "-" + c[0][:12] for c in PYTHON_CASES])
def test_each_kind_is_found_in_the_train_script(code, kind, attr, fake):
    line = code.format(**{k: getattr(fake, k) for k in dir(fake) if not k.startswith("_")})
    text = "import os\n\n" + line + "\nprint('done')\n"
    finding = only(scan_text(text, "train.py"))
    assert (finding.file, finding.line, finding.kind) == ("train.py", 3, kind)
    assert finding.secret == getattr(fake, attr)


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_every_kind_is_found_at_its_line_anywhere_in_a_long_file(fake, ending):
    """Lines are gated block by block on the detectors' anchors: a credential is found at
    its own line on each side of a block's edge (256 lines), among filler that holds
    anchors itself (``key``, ``://``, ``pass`` at a line's start), and in a block with a
    character whose lower case is longer."""
    filler = ["x = 1", "# a monkey walks; see https://example.org", "", "passes = 3"]
    lines = [filler[i % len(filler)] for i in range(1100)]
    lines[600] = "city = '" + "İ" * 100 + "'"  # in the third block only, before a credential
    at = [0, 1, 254, 255, 256, 257, 510, 511, 512, 513, 601, 767, 768, 769, 1020, 1023, 1024, 1025, 1099]
    planted = {}
    for where, (code, kind, attr) in zip(at, PYTHON_CASES, strict=True):
        lines[where] = code.format(**{k: getattr(fake, k) for k in dir(fake) if not k.startswith("_")})
        planted[(where, kind)] = getattr(fake, attr)
    text = ending.join(lines) + ending
    found = {(f.line - 1, f.kind): f.secret for f in scan_text(text, "train.py")}
    assert found == planted


def test_private_key_in_a_python_string(fake):
    text = f'KEY = """{fake.private_key}"""\n'
    finding = only(scan_text(text, "train.py"))
    assert (finding.line, finding.kind) == (1, "private key")


def test_findings_in_a_model_card(fake):
    card = (
        "---\nlibrary_name: sklearn\nhf_token: " + fake.hf + "\nlicense: mit\n---\n\n# My model\n\n"
        "```python\nfrom huggingface_hub import login\nlogin(token=\"" + fake.hf + "\")\n```\n\n"
        "```bash\nexport OPENAI_API_KEY=" + fake.openai + "\nexport DB_PASSWORD=" + fake.password + "\n```\n"
    )
    found = [(f.line, f.kind) for f in scan_text(card, "README.md")]
    assert found == [
        (3, "Hugging Face token"),
        (11, "Hugging Face token"),
        (15, "OpenAI-style API key"),
        (16, "password or secret assigned in the file"),
    ]


def test_findings_in_json(fake):
    config = {"sklearn": {"model": {"file": "model.skops"}}, "hub": {"token": fake.token,
              "api_key": fake.api_key, "private_key": fake.private_key}}
    text = json.dumps(config, indent=2)
    found = {(f.kind, f.secret) for f in scan_text(text, "config.json")}
    assert ("token or key assigned in the file", fake.token) in found
    assert ("password or secret assigned in the file", fake.api_key) in found
    assert "private key" in {kind for kind, _ in found}


def test_findings_in_yaml(fake):
    text = (
        "model:\n  name: breast-cancer-hgb\n"
        "database:\n  url: postgres://ml:" + fake.db_password + "@db.example.com/features\n"
        "  password: " + fake.password + "\n"
        "hub:\n  token: " + fake.token + "\n"
        "  tokenizer: distilbert-base-uncased-finetuned-sst-2-english\n"
    )
    found = [(f.line, f.kind, f.secret) for f in scan_text(text, "params.yaml")]
    assert found == [
        (4, "password in a URL", fake.db_password),
        (5, "password or secret assigned in the file", fake.password),
        (7, "token or key assigned in the file", fake.token),
    ]


def test_yaml_values_are_read_as_the_parser_reads_them(tmp_path, fake):
    """A card's metadata and a YAML file are also read as YAML: a value written with escapes,
    or folded under its key on other lines, is found; an alias is not expanded (a "billion
    laughs" document is read in no time), and the secret in the node it names is found once."""
    escaped = "".join(f"\\x{ord(c):02x}" for c in fake.hf)
    (tmp_path / "README.md").write_text(f'---\nlicense: mit\nhub:\n  note: "{escaped}"\n---\n# Model\n')
    laughs = "".join(f"l{i + 1}: &l{i + 1} [" + ", ".join([f"*l{i}"] * 9) + "]\n" for i in range(12))
    (tmp_path / "params.yaml").write_text(
        f"base: &l0\n  aws_secret_access_key:\n    {fake.aws_secret}\n"
        + laughs
    )
    found = {(f.file, f.kind, f.secret) for f in scan_folder(tmp_path)}
    assert found == {("README.md", "Hugging Face token", fake.hf),
                     ("params.yaml", "AWS secret access key", fake.aws_secret)}


def test_findings_in_dotenv(fake):
    text = (
        "# local settings\nHF_TOKEN=" + fake.hf + "\nAWS_ACCESS_KEY_ID=" + fake.aws_id
        + "\nAWS_SECRET_ACCESS_KEY=" + fake.aws_secret + "\nAPI_KEY=" + fake.api_key
        + "  # staging\nDEBUG=true\nDATABASE_URL=postgres://ml:" + fake.db_password + "@localhost/db\n"
    )
    found = [(f.line, f.kind, f.secret) for f in scan_text(text, ".env")]
    assert found == [
        (2, "Hugging Face token", fake.hf),
        (3, "AWS access key", fake.aws_id),
        (4, "AWS secret access key", fake.aws_secret),
        (5, "password or secret assigned in the file", fake.api_key),
        (7, "password in a URL", fake.db_password),
    ]


def test_code_in_a_notebook_json(fake):
    cell = {"cell_type": "code", "source": ["import os\n", f'password = "{fake.password}"\n']}
    text = json.dumps({"cells": [cell]}, indent=1)
    finding = only(scan_text(text, "analysis.ipynb"))
    assert finding.secret == fake.password


@pytest.mark.parametrize(
    "line",
    [
        'token = os.environ["HF_TOKEN"]',
        'password = getpass.getpass("Password: ")',
        'api_key = os.getenv("API_KEY", "")',
        'token = "<your token>"',
        'password = "***"',
        'secret = ""',
        'api_key = "your_api_key_here"',
        'token = "hf' + '_' + 'x' * 34 + '"',
        'client = OpenAI(api_key="sk' + '-proj-' + 'X' * 40 + '")',
        'password = "${DB_PASSWORD}"',
        'secret_key = "{secret_key}"',
        'vectorizer = CountVectorizer(token_pattern=r"(?u)\\b\\w\\w+\\b")',
        'tokenizer = "distilbert-base-uncased-finetuned-sst-2-english"',
        'eos_token = "</s>"',
        'task = "sk-learn-pipeline-for-iris-classification"',
        'url = "https://huggingface.co/alice/iris/resolve/main/model.skops"',
        'commit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"',
        'client = InferenceClient(api_key="fal-ai-api-key")',
        'DOCS = "use postgres://user:password@host/db or https://user:<password>@host"',
        'secrets = {"MY_SECRET_KEY": "secret_value"}',
        'aliases = {"pwd": "IPython.core.magics.osm:OSMagics"}',
        'grouper = pd.Grouper(key="visit_date_2024_utc", freq="W")',
    ],
)
def test_placeholders_and_references_are_not_findings(line):
    assert scan_text("import os\n" + line + "\n", "train.py") == []


def test_allowlist_pragma_silences_a_false_positive(fake):
    text = f'password = "{fake.password}"  # pragma: allowlist secret\n'
    assert scan_text(text, "train.py") == []


def test_known_token_in_any_format_is_found_as_the_users_token(fake):
    local_token = "hf" + "_" + "0123abcd" * 4 + "ef"  # localhub tokens: hex after hf_
    custom = "tok-" + fake.api_key  # a token in no format the detectors know
    text = f"# my tokens: {custom}\nlogin({local_token!r})\n"
    found = scan_text(text, "notes.txt", known_secrets=[local_token, custom, "", None])
    assert [(f.line, f.kind) for f in found] == [(1, KNOWN_TOKEN_KIND), (2, KNOWN_TOKEN_KIND)]
    assert {f.secret for f in found} == {local_token, custom}


def test_current_user_tokens_reads_the_environment(monkeypatch, fake):
    monkeypatch.setenv("HF_TOKEN", fake.hf)
    tokens = current_user_tokens("hf" + "_" + "push" * 9)
    assert tokens[0] == "hf_" + "push" * 9 and fake.hf in tokens


def test_folder_scan_reports_relative_paths_and_skips_binaries_and_state(clean_repo, fake):
    (clean_repo / "notes").mkdir()
    (clean_repo / "notes" / "setup.md").write_text(f"run `huggingface-cli login --token {fake.hf}`\n")
    (clean_repo / ".hubmagic").mkdir()
    (clean_repo / ".hubmagic" / "state.json").write_text(json.dumps({"token": fake.token}))
    (clean_repo / ".git").mkdir()
    (clean_repo / ".git" / "config").write_text(f"url = https://alice:{fake.hf}@huggingface.co/x\n")
    (clean_repo / "model.pkl").write_bytes(b"\x80\x04" + fake.hf.encode() + b"\x00.")
    (clean_repo / "weights.dat").write_bytes(b"\x00\x01" + fake.hf.encode())

    finding = only(scan_folder(clean_repo))
    assert (finding.file, finding.line, finding.kind) == ("notes/setup.md", 1, "Hugging Face token")

    assert scan_folder(clean_repo, files=["train.py", "README.md"]) == []
    assert [f.file for f in scan_folder(clean_repo, files=[clean_repo / "notes" / "setup.md"])] == [
        "notes/setup.md"
    ]


def test_large_files_are_scanned_line_by_line(clean_repo, fake, monkeypatch):
    from hubmagic.secrets import scanner

    monkeypatch.setattr(scanner, "STREAM_THRESHOLD", 1024)
    rows = "\n".join(f"{i},{i * 0.5},{'abc'[i % 3]}" for i in range(2000))
    (clean_repo / "data.csv").write_text("id,value,label\n" + rows + f"\n2000,1.0,{fake.hf}\n")
    finding = only(scan_folder(clean_repo))
    assert (finding.file, finding.line) == ("data.csv", 2002)


def test_a_finding_never_shows_its_secret(fake):
    finding = Finding("train.py", 3, "Hugging Face token", fake.hf)
    for text in (str(finding), repr(finding), finding.masked):
        assert fake.hf not in text and fake.hf[5:-2] not in text
    assert finding.masked == fake.hf[:5] + "…" + fake.hf[-2:]
    assert str(finding) == f"train.py:3: Hugging Face token ({finding.masked})"
    assert fake.password not in Finding("a.py", 1, "x", fake.password).masked
