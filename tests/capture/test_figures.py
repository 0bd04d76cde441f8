"""Figures a notebook displays are captured once, named, and written as PNG files."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from hubmagic import capture
from hubmagic.capture import FigureCapture, write_figures

PNG_HEADER = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def figures(shell):
    return capture.register(shell).figures


@pytest.fixture
def inline(run):
    run("%matplotlib inline\nimport matplotlib.pyplot as plt")
    yield
    import matplotlib

    matplotlib.use("Agg")


@pytest.fixture
def agg(run):
    run("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt")


def captured(figures):
    return [(f.name, f.execution_count) for f in figures.figures]


def test_inline_backend_show_and_end_of_cell_display(shell, run, figures, inline):
    run("plt.plot([1, 3, 2])\nplt.title('Loss per epoch')\nplt.show()")       # In[2]
    run("fig, ax = plt.subplots()\nax.bar(['a', 'b'], [2, 1])\n"
        "ax.set_xlabel('feature')\nax.set_ylabel('importance')")             # In[3], flushed
    run("plt.plot([1, 2])\nplt.plot([2, 1])")                                # In[4], no labels
    run("x = 1")                                                            # In[5], nothing
    assert captured(figures) == [
        ("loss-per-epoch", 2), ("importance-vs-feature", 3), ("figure-4-1", 4)
    ]
    assert all(f.png.startswith(PNG_HEADER) for f in figures.figures)
    assert figures.figures[0].title == figures.figures[0].caption == "Loss per epoch"


def test_a_figure_returned_as_the_cell_result(shell, run, figures, inline):
    run("from matplotlib.figure import Figure\nfig = Figure()\n"
        "fig.add_subplot().plot([0, 1])\nfig.suptitle('Raw figure')\nfig")
    run("fig")  # displayed again, unchanged: not a second capture
    assert captured(figures) == [("raw-figure", 2)]


def test_scikit_learn_displays(shell, run, figures, agg):
    run("from sklearn.datasets import make_classification\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import ConfusionMatrixDisplay, RocCurveDisplay\n"
        "X, y = make_classification(n_samples=60, random_state=0)\n"
        "clf = LogisticRegression().fit(X, y)")
    run("ConfusionMatrixDisplay.from_estimator(clf, X, y)")                  # In[3]
    run("display = RocCurveDisplay.from_estimator(clf, X, y)\n"
        "display.ax_.set_title('ROC curve')")                               # In[4]
    run("plt.close('all')\ndisplay.plot()")                                  # In[5] same title
    assert captured(figures) == [
        ("true-label-vs-predicted-label", 3), ("roc-curve", 4), ("true-positive-rate-vs-false-positive-rate", 5)
    ]


def test_agg_backend_open_figures_are_captured_once_and_updated_when_changed(
    shell, run, figures, agg
):
    run("fig = plt.figure()\nplt.plot([3, 1, 2])\nplt.title('Residuals')")  # In[2]
    run("y = 2")                                                             # still open
    run("plt.show()")                                                        # Agg: no-op
    assert captured(figures) == [("residuals", 2)]
    first_png = figures.figures[0].png
    run("plt.plot([0, 0, 1])")                                               # In[5] changes it
    assert captured(figures) == [("residuals", 5)]
    assert figures.figures[0].png != first_png
    run("plt.figure()\nplt.title('Residuals')\nplt.plot([9, 9])")           # same title
    assert [name for name, _ in captured(figures)] == ["residuals", "residuals-2"]


def test_choose_caption_and_write_figures(shell, run, figures, agg, tmp_path):
    run("plt.figure()\nplt.title('Learning curve')\nplt.plot([1, 2])")
    run("plt.figure()\nplt.title('Scratch')\nplt.plot([2, 1])")
    figures.set_caption("learning-curve", "Validation score against training size.")
    figures.exclude("scratch")
    written = write_figures(tmp_path / "repo", figures.figures)
    assert written == [{
        "name": "learning-curve",
        "path": "figures/learning-curve.png",
        "caption": "Validation score against training size.",
    }]
    data = (tmp_path / "repo" / "figures" / "learning-curve.png").read_bytes()
    assert data.startswith(PNG_HEADER)
    assert not (tmp_path / "repo" / "figures" / "scratch.png").exists()
    figures.only("scratch")
    assert [f.name for f in figures.included] == ["scratch"]
    from hubmagic.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="No captured figure is named 'nope'"):
        figures.exclude("nope")


def test_no_matplotlib_import_for_a_notebook_that_never_plots(tmp_path):
    code = textwrap.dedent("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        import hubmagic.capture as capture
        shell = InteractiveShell.instance()
        capture.register(shell)
        for i in range(5):
            shell.run_cell(f"x = {i}", store_history=True)
        print("matplotlib" in sys.modules, len(capture.get_session(shell).recorder.records))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={"IPYTHONDIR": str(tmp_path), "PATH": ""}, timeout=60,
                         check=False)
    assert out.stdout.split() == ["False", "5"], out.stderr


def test_unregister_restores_the_display_formatter(shell, run):
    figures = FigureCapture(shell).register()
    assert "format" in vars(shell.display_formatter)
    figures.unregister()
    assert "format" not in vars(shell.display_formatter)
    run("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1])")
    assert figures.figures == []


def test_figures_of_a_captured_cell_belong_to_that_cell(shell, run, figures, agg):
    run("%%capture\nplt.figure()\nplt.plot([1, 2])\nplt.title('Quiet plot')")
    assert captured(figures) == [("quiet-plot", 2)]
