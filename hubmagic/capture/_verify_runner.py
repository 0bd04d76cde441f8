"""Run train.py as ``__main__`` then compare the model it saved (a subprocess).

Executed as ``python _verify_runner.py SCRIPT EXPECTED RESULT MODEL_FILE FORMAT``.
The script runs in this module's own namespace, so the classes and functions it
defines are ``__main__.<name>``, exactly as in the notebook's kernel, and the
saved model can be loaded back here.
"""

import sys


def _hubmagic_compare():
    import json
    import os
    import pickle

    import numpy as np

    script, expected_path, result_path, model_file, model_format = sys.argv[1:6]
    with open(expected_path, "rb") as f:
        expected = pickle.load(f)
    # As `python train.py` would: the script's folder (not this file's) first on the
    # import path, its own __file__; modules beside it are found, hubmagic's are not.
    sys.argv = [script]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    namespace = sys.modules["__main__"].__dict__
    namespace["__file__"] = script
    with open(script, encoding="utf-8") as f:
        code = compile(f.read(), script, "exec")
    exec(code, namespace)  # noqa: S102 - running train.py is the point of this process

    if model_format == "skops":
        import skops.io

        model = skops.io.load(model_file, trusted=skops.io.get_untrusted_types(file=model_file))
    else:
        with open(model_file, "rb") as f:
            model = pickle.load(f)

    data = expected["input"]
    report = {"type": f"{type(model).__module__}.{type(model).__qualname__}", "methods": {}}
    def dense(values):
        return np.asarray(values.toarray() if hasattr(values, "toarray") else values)

    for method, want in expected["outputs"].items():
        got = dense(getattr(model, method)(data))
        want = dense(want)
        entry = {"rows": int(want.shape[0]) if want.ndim else 1}
        if got.shape != want.shape:
            entry.update(equal=False, detail=f"shape {got.shape} instead of {want.shape}")
        else:
            same = got == want
            if got.dtype.kind == "f" and want.dtype.kind == "f":
                same = same | (np.isnan(got) & np.isnan(want))
            equal = bool(np.all(same))
            entry["equal"] = equal
            if not equal:
                rows = same.reshape(same.shape[0], -1).all(axis=1) if same.ndim else same
                entry["rows_differing"] = int(np.size(rows) - np.count_nonzero(rows))
                if got.dtype.kind in "fiu" and want.dtype.kind in "fiu":
                    diff = np.abs(got.astype(float) - want.astype(float))
                    entry["max_abs_diff"] = float(np.nanmax(diff))
        report["methods"][method] = entry
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(report, f)


if __name__ == "__main__":
    _hubmagic_compare()
