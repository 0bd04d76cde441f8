"""The Preview and Checks tabs of ``CardEditor``, refreshed after a pause in typing.

Rendering the card and asking the Hub's validate-yaml endpoint on every keystroke would
make typing lag, so an edit only (re)starts a timer; the Hub is asked only after edits
that can change its answer (metadata, metrics, reload).
"""

from __future__ import annotations

import base64
import html
import threading

from hubmagic.widgets import _checks as checks


class LivePreview:
    """The preview part of ``CardEditor`` (a mixin: it uses the editor's traits and tabs)."""

    def _schedule(self, checks_hub: bool) -> None:
        if self._timer is not None:
            self._timer.cancel()
            checks_hub = checks_hub or getattr(self._timer, "checks_hub", False)
        if self.preview_delay <= 0:
            self.refresh_checks(hub=checks_hub)
            return
        self._timer = threading.Timer(self.preview_delay, self.refresh_checks, kwargs={"hub": checks_hub})
        self._timer.checks_hub = checks_hub
        self._timer.daemon = True
        self._timer.start()

    def refresh_checks(self, hub: bool = True) -> None:
        """Render the preview and run the checks now (the Hub's too when ``hub``)."""
        self._timer = None
        doc = self.document()
        images = {}
        for f in doc.figures():
            png = self._png(f["path"])
            if png:
                images[f["path"]] = "data:image/png;base64," + base64.b64encode(png).decode()
        self.preview.value = checks.preview_html(doc, images)
        found = checks.card_checks(doc, self.folder)
        found += [f"{key}: {text}" for key, text in self.field_problems.items()]
        if hub:
            from hubmagic.hub._endpoint import get_endpoint

            self._hub_answer = checks.hub_validation(doc.render(), get_endpoint())
        errors, warnings = getattr(self, "_hub_answer", ([], []))
        found += [f"The Hub refuses the metadata: {e}" for e in errors] + [f"The Hub warns: {m}" for m in warnings]
        self.problems = found
        items = "".join(f"<li>{html.escape(p)}</li>" for p in found)
        self.checks.value = f"<ul>{items}</ul>" if found else "<p style='color:#1b5e20'>✔ No problems found.</p>"
