"""Figures published with a model show that model: a curve of an earlier fit is left out."""

from __future__ import annotations

import pytest

from hubmagic import capture

SETUP = (
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "import warnings\nwarnings.simplefilter('ignore')\n"
    "from sklearn.datasets import make_classification\n"
    "from sklearn.neural_network import MLPClassifier\n"
    "X, y = make_classification(n_samples=80, n_features=4, random_state=0)"
)


@pytest.fixture
def session(shell):
    return capture.register(shell)


def test_a_training_curve_of_an_earlier_fit_is_not_published(shell, run, session):
    run(SETUP)                                                                           # In[1]
    run("model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)")
    run("plt.figure()\nplt.plot(model.loss_curve_)\nplt.title('Training loss')\nplt.show()")  # 3
    run("plt.figure()\nplt.scatter(X[:, 0], X[:, 1], c=y)\nplt.title('The data')")  # 4: unchanged
    run("plt.close('all')\nmodel.set_params(max_iter=40).fit(X, y)")                      # In[5]
    run("model.predict(X[:3])\nmodel.score(X, y)")                                       # reads
    run("plt.figure()\nplt.plot(model.loss_curve_)\nplt.title('Training loss, 40 epochs')")  # 7
    figures = session.figures
    assert [f.name for f in figures.included] == ["the-data", "training-loss-40-epochs"]
    stale = figures.get("training-loss")
    assert not stale.include
    assert stale.stale.startswith("drawn in In[3], but In[5] changed `model` afterwards")
    note = session.figures_note()
    assert "training-loss: not published: drawn in In[3]" in note
    assert "`%hub_figures --include training-loss` publishes it anyway" in note

    figures.include("training-loss")  # the user's choice wins
    assert "training-loss" in [f.name for f in figures.included]


def test_a_plot_of_data_changed_since_is_stale_but_a_new_axes_is_not(shell, run, session):
    run(SETUP)
    run("fig, ax = plt.subplots()\nax.hist(X[:, 0])\nax.set_title('Feature 0')")          # In[2]
    run("fig, ax = plt.subplots()\nax.hist(y)\nax.set_title('Labels')")                 # In[3]
    run("X[:, 0] = X[:, 0] * 10  # rescaled after the histogram")                        # In[4]
    run("model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(X, y)")
    figures = session.figures
    assert [f.name for f in figures.included] == ["labels"]
    assert "In[4] changed `X`" in figures.get("feature-0").stale


def test_figures_shown_before_load_ext_are_reported_with_what_to_do(shell, run, capsys):
    run("%matplotlib inline\nimport matplotlib.pyplot as plt")  # inline: shown, then closed
    run("plt.plot([1, 3, 2])\nplt.title('Before')\nplt.show()")                          # In[2]
    run("%load_ext hubmagic")
    run("%hub_figures")
    out = capsys.readouterr().out
    assert ("In[2] displayed a figure before %load_ext hubmagic, so it was not captured: "
            "re-run that cell to capture it.") in out
    assert "No figures captured yet" not in out

    run("plt.plot([1, 3, 2])\nplt.title('Before')\nplt.show()")  # re-run: now captured
    run("%hub_figures")
    out = capsys.readouterr().out
    assert "before %load_ext" not in out and "[x] before" in out
    run("%unload_ext hubmagic")
    import matplotlib

    matplotlib.use("Agg")
