"""The same capture in a real Jupyter kernel, driven like JupyterLab drives it.

Cells are sent as ``execute_request`` messages carrying the notebook cell id in
their metadata (as JupyterLab does), in the order a user clicks them, not the
order they appear in the notebook.
"""

from __future__ import annotations

import json

from jupyter_client.manager import start_new_kernel

NOTEBOOK = {  # cell id -> source, in notebook order
    "setup": "import hubmagic.capture as capture\nsession = capture.register(get_ipython())",
    "imports": "import pandas as pd\nimport matplotlib.pyplot as plt\n"
               "from sklearn.linear_model import LogisticRegression",
    "load": "df = pd.read_csv('data.csv')",
    "look": "df.describe()",
    "scatter": "df.plot.scatter(x='a', y='b')\nplt.title('Raw data')",
    "model": "model = LogisticRegression().fit(df[['a', 'b']], df['label'])",
    "hist": "df['a'].hist()\nplt.show()",
    "score": "%%capture\nmodel.score(df[['a', 'b']], df['label'])",
    "report": "import json\n"
    "script = capture.build_train_script(session.recorder.records, 'model', notebook='nb.ipynb')\n"
    "check = capture.verify_script(script.text, model=model, example_input=df[['a', 'b']],\n"
    "                              workdir='.', timeout=120)\n"
    "written = capture.write_figures('repo', session.figures.figures)\n"
    "json.dump({'kept': script.kept_counts, 'ok': check.ok, 'reason': check.reason,\n"
    "           'ids': [r.cell_id for r in session.recorder.records],\n"
    "           'figures': [(f.name, f.execution_count) for f in session.figures.figures],\n"
    "           'written': written, 'text': script.text}, open('result.json', 'w'))",
}
RUN_ORDER = ["setup", "imports", "model", "load", "look", "scatter", "model", "hist", "score",
             "report"]  # "model" first failed: df did not exist yet


def execute(client, cell_id: str, code: str) -> dict:
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": False}
    message = client.session.msg("execute_request", content, metadata={"cellId": cell_id})
    client.shell_channel.send(message)
    while True:
        reply = client.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
            return reply["content"]


def test_capture_inside_a_real_kernel(tmp_path):
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{int(i % 7 > 3)}" for i in range(40)]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    manager, client = start_new_kernel(cwd=str(tmp_path))
    try:
        statuses = [execute(client, cid, NOTEBOOK[cid])["status"] for cid in RUN_ORDER]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert statuses == ["ok", "ok", "error"] + ["ok"] * 7
    result = json.loads((tmp_path / "result.json").read_text())
    # In[3] (model before data) failed; In[7] refitted once df existed.
    assert result["kept"] == [2, 4, 7], result["text"]
    assert "hubmagic" not in result["text"].split('"""')[2]
    assert result["ok"], result["reason"]
    assert result["ids"] == RUN_ORDER[:-1]
    assert [tuple(f) for f in result["figures"]] == [("raw-data", 6), ("figure-8-1", 8)]
    for entry in result["written"]:
        assert (tmp_path / "repo" / entry["path"]).read_bytes().startswith(b"\x89PNG")
