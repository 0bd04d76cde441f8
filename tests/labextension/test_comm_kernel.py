"""The `hubmagic` comm as the lab panel speaks it, with a real kernel (jupyter_client): a
kernel without hubmagic closes the panel's comm, one with it sends the session's state and its changes,
acts on the panel's actions (exclude a cell by id, push with progress) and says clearly
when the other side speaks another protocol version."""

from __future__ import annotations

import os
import queue
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

TARGET = "hubmagic"

TRAIN = [
    ("c-imports", ("from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
                   "from sklearn.model_selection import train_test_split")),
    ("c-data", ("X, y = load_iris(return_X_y=True, as_frame=True)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)")),
    ("c-astype", "X_train = X_train.astype('float64')"),
    ("c-fit", "model = LogisticRegression(max_iter=500).fit(X_train, y_train)"),
]


class Kernel:
    """A kernel driven as JupyterLab drives it: execute requests with a cell id, comm messages."""

    def __init__(self, km, kc):
        self.km, self.kc = km, kc
        self.comm_messages: list[dict] = []  # every comm_open/comm_msg/comm_close the kernel sent

    def execute(self, code: str, cell_id: str | None = None, timeout: float = 120) -> str:
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        out, error = [], None
        self._read_until(lambda m: m["parent_header"].get("msg_id") == msg["header"]["msg_id"]
                         and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle",
                         timeout, out=out, errors=(errors := []))
        if errors:
            error = errors[0]
        assert error is None, f"cell failed: {error}"
        return "".join(out)

    def open_comm(self, data: dict) -> str:
        comm_id = uuid.uuid4().hex
        self._shell("comm_open", {"comm_id": comm_id, "target_name": TARGET, "data": data})
        return comm_id

    def send(self, comm_id: str, data: dict) -> None:
        self._shell("comm_msg", {"comm_id": comm_id, "data": data})

    def wait_comm(self, predicate, timeout: float = 120) -> dict:
        """The first comm message (already received or coming) that satisfies ``predicate``."""
        for message in self.comm_messages:
            if predicate(message):
                return message
        return self._read_until(lambda m: m["msg_type"].startswith("comm_") and predicate(m), timeout)

    def _shell(self, msg_type: str, content: dict) -> None:
        self.kc.shell_channel.send(self.kc.session.msg(msg_type, content))

    def _read_until(self, done, timeout, out=None, errors=None):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; comm messages so far: {self.comm_messages[-5:]}")
            try:
                msg = self.kc.get_iopub_msg(timeout=remaining)
            except queue.Empty:
                continue
            msg = {"msg_type": msg["header"]["msg_type"], "content": msg["content"],
                   "parent_header": msg["parent_header"]}
            if msg["msg_type"].startswith("comm_"):
                self.comm_messages.append(msg)
            elif msg["msg_type"] == "stream" and out is not None:
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error" and errors is not None:
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            if done(msg):
                return msg


@pytest.fixture
def kernel(tmp_path, hub, alice_token):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source, id=cell_id) for cell_id, source in TRAIN]
    nbformat.write(notebook, tmp_path / "analysis.ipynb")  # what Jupyter would have saved
    env = {**os.environ, "HF_TOKEN": alice_token, "JPY_SESSION_NAME": str(tmp_path / "analysis.ipynb")}
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env, startup_timeout=120)
    try:
        yield Kernel(km, kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def data_of(message: dict) -> dict:
    return message["content"]["data"]


def of_type(kind: str, comm_id: str | None = None):
    def match(message):
        return (message["msg_type"] in ("comm_msg", "comm_open") and data_of(message).get("type") == kind
                and (comm_id is None or message["content"]["comm_id"] == comm_id))
    return match


def test_a_kernel_without_hubmagic_closes_the_panel_comm_and_answers_once_loaded(kernel):
    probe = kernel.open_comm({"type": "init", "version": 1, "payload": {"include": [], "exclude": []}})
    closed = kernel.wait_comm(lambda m: m["msg_type"] == "comm_close" and m["content"]["comm_id"] == probe)
    assert closed  # the panel learns "not loaded" and offers %load_ext

    kernel.execute("%load_ext hubmagic")
    # The kernel opens no comm itself: nbclient, nbconvert or papermill would warn about it.
    assert not [m for m in kernel.comm_messages if m["msg_type"] == "comm_open"]

    # A panel that opens a comm now gets the whole (empty) session.
    panel = kernel.open_comm({"type": "init", "version": 1, "payload": {"include": [], "exclude": []}})
    state = data_of(kernel.wait_comm(of_type("state", panel)))["payload"]
    assert state["folder"] is None and state["files"] == [] and state["push_state"]["phase"] == "idle"
    assert state["hubmagic_version"]


def test_the_panel_follows_the_session_and_drives_it(kernel, api, repo_name):
    kernel.execute("%load_ext hubmagic")
    kernel.execute("%hub_local")
    for cell_id, source in TRAIN:
        kernel.execute(source, cell_id=cell_id)
    kernel.execute("import matplotlib.pyplot as plt\nplt.scatter(X_test.iloc[:, 0], model.predict(X_test))\n"
                   "plt.title('predictions')\nplt.show()", cell_id="c-plot")
    panel = kernel.open_comm({"type": "init", "version": 1, "payload": {"include": [], "exclude": []}})
    kernel.wait_comm(of_type("state", panel))

    repo_id = f"alice/{repo_name}"
    kernel.execute(f"%hub_init model --data X_test --labels y_test --repo-id {repo_id} --license mit")
    files = data_of(kernel.wait_comm(lambda m: of_type("update")(m) and "files" in data_of(m)["payload"]))
    assert {"model.skops", "config.json", "README.md", "train.py"} <= {
        f["path"] for f in files["payload"]["files"]}
    script = data_of(kernel.wait_comm(lambda m: of_type("update")(m) and "script" in data_of(m)["payload"]))
    assert "c-astype" in script["payload"]["script"]["kept_cell_ids"]
    figures = [data_of(m)["payload"]["figures"] for m in kernel.comm_messages
               if of_type("update")(m) and "figures" in data_of(m)["payload"]][-1]
    (figure,) = figures
    assert figure["include"] and figure["thumbnail"].startswith("data:image/png;base64,")

    # The figure's checkbox: unchecked, it is left out of the repository (its thumbnail stays).
    kernel.comm_messages.clear()
    kernel.send(panel, {"type": "figures", "version": 1, "payload": {"include": [], "exclude": [figure["name"]]}})
    assert data_of(kernel.wait_comm(of_type("result", panel)))["payload"]["ok"]
    figures = [data_of(m)["payload"]["figures"] for m in kernel.comm_messages
               if of_type("update")(m) and "figures" in data_of(m)["payload"]][-1]
    assert not figures[0]["include"] and figures[0]["thumbnail"] == figure["thumbnail"]

    # Exclude a cell by its id, as the cell toolbar does: train.py loses it.
    kernel.comm_messages.clear()
    kernel.send(panel, {"type": "exclude", "version": 1, "payload": {"cells": ["c-astype"]}})
    result = data_of(kernel.wait_comm(of_type("result", panel)))["payload"]
    assert result["ok"] and result["action"] == "exclude"
    script = [data_of(m)["payload"]["script"] for m in kernel.comm_messages
              if of_type("update")(m) and "script" in data_of(m)["payload"]][-1]
    assert "c-astype" not in script["kept_cell_ids"] and "astype" not in script["text"]
    assert "astype" not in kernel.execute("%hub_script --show")

    # Push: progress phases in order, then the result; the real client sees the commit.
    kernel.comm_messages.clear()
    kernel.send(panel, {"type": "push", "version": 1, "payload": {}})
    result = data_of(kernel.wait_comm(of_type("result", panel)))["payload"]
    assert result["ok"], result["message"]
    phases = [data_of(m)["payload"]["push_state"]["phase"] for m in kernel.comm_messages
              if of_type("update")(m) and "push_state" in data_of(m)["payload"]]
    assert phases[-1] == "done" and "uploading" in phases and "committing" in phases
    assert phases.index("committing") > phases.index("uploading")
    final = [data_of(m)["payload"]["push_state"] for m in kernel.comm_messages
             if of_type("update")(m) and "push_state" in data_of(m)["payload"]][-1]
    assert final["result"]["commit"] == api.list_repo_commits(repo_id)[0].commit_id
    assert "astype" not in Path(api.hf_hub_download(repo_id, "train.py")).read_text()

    # Publish notebook = `%hub_push --notebook`: the kernel finds its notebook from Jupyter.
    kernel.comm_messages.clear()
    kernel.send(panel, {"type": "publish-notebook", "version": 1, "payload": {}})
    result = data_of(kernel.wait_comm(of_type("result", panel)))["payload"]
    assert result["ok"], result["message"]
    assert "analysis.ipynb" in api.list_repo_files(repo_id)


def test_another_protocol_version_gets_a_clear_message_and_changes_nothing(kernel):
    kernel.execute("%load_ext hubmagic")
    panel = kernel.open_comm({"type": "init", "version": 1, "payload": {}})
    kernel.wait_comm(of_type("state", panel))

    kernel.send(panel, {"type": "push", "version": 2, "payload": {}})
    error = data_of(kernel.wait_comm(of_type("error", panel)))["payload"]["message"]
    assert "version 2" in error and "version 1" in error and "pip install -U hubmagic" in error

    kernel.send(panel, {"type": "explode", "version": 1, "payload": {}})
    error = data_of(kernel.wait_comm(lambda m: of_type("error", panel)(m) and "explode" in str(data_of(m))))
    assert "does not know" in error["payload"]["message"]

    # An action the session refuses comes back as one paragraph, not a traceback.
    kernel.send(panel, {"type": "push", "version": 1, "payload": {}})
    result = data_of(kernel.wait_comm(of_type("result", panel)))["payload"]
    assert not result["ok"] and "%hub_init" in result["message"] and "Traceback" not in result["message"]
