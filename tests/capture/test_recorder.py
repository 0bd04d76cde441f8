"""The recorder keeps what really ran, in the order it ran."""

from __future__ import annotations

from hubmagic import capture
from hubmagic.capture import EXCLUDE_TAG, INCLUDE_TAG, Recorder, build_train_script


def test_records_every_cell_in_execution_order_with_errors(shell, run):
    recorder = Recorder(shell).register()
    run("a = 1", cell_id="cell-a")
    run("b = a + 1", cell_id="cell-b")
    run("1 / 0", cell_id="cell-c", ok=False)
    run("%time c = b * 2", cell_id="cell-d")
    records = recorder.records
    assert [r.source for r in records] == ["a = 1", "b = a + 1", "1 / 0", "%time c = b * 2"]
    assert [r.order for r in records] == [0, 1, 2, 3]
    assert [r.execution_count for r in records] == [1, 2, 3, 4]
    assert [r.cell_id for r in records] == ["cell-a", "cell-b", "cell-c", "cell-d"]
    assert [r.success for r in records] == [True, True, False, True]
    assert records[2].error.startswith("ZeroDivisionError")
    assert "run_line_magic('time'" in records[3].transformed_source
    assert not any(r.from_history for r in records)


def test_cells_run_before_registering_come_from_history(shell, run):
    run("x = 41")
    run("y = x + undefined", ok=False)
    run("y = x + 1")
    recorder = Recorder(shell).register()
    run("z = y")
    records = recorder.records
    assert [(r.execution_count, r.from_history, r.success) for r in records] == [
        (1, True, True), (2, True, False), (3, True, True), (4, False, True)
    ]
    assert records[0].source.strip() == "x = 41"
    assert records[1].error == "NameError: name 'undefined' is not defined"
    script = build_train_script(records, "z", model_format="pickle", model_file="z.pkl")
    assert script.kept_counts == [1, 3, 4]


def test_load_ext_cell_is_recorded_once(shell, run):
    run("x = 1")
    run("import hubmagic.capture as _c; _session = _c.register(get_ipython())")
    run("y = x")
    records = capture.get_session(shell).recorder.records
    assert [r.execution_count for r in records] == [1, 2, 3]
    assert [r.from_history for r in records] == [True, False, False]


def test_unregister_removes_the_hooks(shell, run):
    session = capture.register(shell)
    before = {event: list(callbacks) for event, callbacks in shell.events.callbacks.items()}
    run("a = 1")
    capture.unregister(shell)
    run("b = 2")
    assert [r.source for r in session.recorder.records] == ["a = 1"]
    for callbacks in shell.events.callbacks.values():
        assert session.recorder._post_run_cell not in callbacks
        assert session.figures._post_run_cell not in callbacks
    assert "format" not in vars(shell.display_formatter)
    assert before["post_run_cell"]  # hooks were there while registered


def test_register_twice_records_once(shell, run):
    capture.register(shell)
    capture.register(shell)
    run("a = 1")
    assert len(capture.get_session(shell).recorder.records) == 1


def test_include_and_exclude_by_count_or_cell_id_shape_the_script(shell, run):
    recorder = Recorder(shell).register()
    run("from sklearn.linear_model import LinearRegression", cell_id="imports")
    run("X, y = [[0], [1], [2]], [0.0, 1.0, 2.0]", cell_id="data")
    run("note = 'exploration I want in the script'", cell_id="note")
    run("print(X)", cell_id="look")
    run("model = LinearRegression().fit(X, y)", cell_id="fit")
    recorder.include("note")
    recorder.exclude(4)
    records = recorder.records
    assert INCLUDE_TAG in records[2].tags and EXCLUDE_TAG in records[3].tags
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 5]
    assert {r.execution_count: why for r, why in script.dropped} == {
        4: "excluded by the user"
    }
    recorder.reset_choices()
    assert build_train_script(recorder.records, "model").kept_counts == [1, 2, 5]


def test_notebook_cell_tags_from_the_front_end_are_kept(shell):
    recorder = Recorder(shell).register()
    shell.run_cell("a = 1", store_history=True, cell_id="c1", cell_meta={"tags": ["hub:include"]})
    assert recorder.records[0].tags == {"hub:include"}


def test_a_cell_run_from_inside_a_cell_is_not_a_second_record(shell, run):
    recorder = Recorder(shell).register()
    run("%%capture\nx = 1\nprint(x)")
    run("y = 2")
    assert [(r.execution_count, r.source) for r in recorder.records] == [
        (1, "%%capture\nx = 1\nprint(x)"), (2, "y = 2")
    ]


def test_cells_run_while_unloaded_are_read_back_on_reload(shell, run):
    session = capture.register(shell)
    run("a = 1")
    capture.unregister(shell)
    run("b = a + 1")  # %unload_ext hubmagic ... %load_ext hubmagic
    capture.register(shell)
    run("c = b + 1")
    records = session.recorder.records
    assert [(r.execution_count, r.from_history) for r in records] == [
        (1, False), (2, True), (3, False)
    ]
    assert [r.order for r in records] == [0, 1, 2]
    assert build_train_script(records, "c", model_format="pickle").kept_counts == [1, 2, 3]
