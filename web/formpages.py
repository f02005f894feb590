"""A bad field re-shows the page's own form: the 400 of the map, compare, briefing and patrol
pages is that page's form (the same template the page includes), filled with the values the
request sent, the bad field marked ``aria-invalid`` with the message beside it
(``aria-describedby``), and a summary at the top linking to it.

Each page registers how its form is made with :func:`reshows_form` (the period pages here, the
patrol plan in :mod:`web.patrol`); :func:`web.errors.error_response` asks :func:`form_page` for
the endpoint of a 400 and falls back to the request's fields as a plain form for any other GET.
The form is filled from the request as sent, not from a validated view (there is none): a value
a select does not offer is shown as an extra, selected "(not available)" option.

A store without drug offence records is not a bad request: those pages then show what the store
holds (:func:`no_offences_page`, 200) rather than a 400 naming a "store" field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, request, url_for

from hotspots.dates import months_words
from hotspots.figures import RECORDS, layer_months
from hotspots.parameters import FLAG_WORDS
from web.access import current_access
from web.analyses import quarter_choices
from web.data import state
from web.errors import FIELD_LABELS
from web.filters import OFFENCE_VIEWS, default_comparison, default_period

#: Renders a page's 400: its form filled from the request, the error (``field``, ``value``,
#: ``expected``, ``message``) beside the bad field.
FormPage = Callable[[dict[str, Any]], str]

_PAGES: dict[str, FormPage] = {}

#: Checkbox values shown ticked (what web.filters reads as true; any other value is unticked
#: here, the 400 itself says when it is not 1 or 0).


def reshows_form(*endpoints: str) -> Callable[[FormPage], FormPage]:
    """Register ``render(error)`` as the 400 page of ``endpoints``."""

    def register(render: FormPage) -> FormPage:
        for endpoint in endpoints:
            _PAGES[endpoint] = render
        return render

    return register


def form_page(endpoint: str | None) -> FormPage | None:
    """The 400 page of ``endpoint`` (None: the plain form of the request's fields)."""
    return _PAGES.get(endpoint or "")


def render_form_page(
    heading: str,
    form: str,
    error: dict[str, Any],
    labels: dict[str, str] | None = None,
    **context: Any,
) -> str:
    """``form`` (a template) under ``heading`` with the error summary linking to the field
    (named by ``labels``, else :data:`web.errors.FIELD_LABELS`)."""
    field = str(error.get("field") or "")
    # the form's months are lists in words ("Sep 2025"): its labels say no "(YYYY-MM)"
    label = {**FIELD_LABELS, **(labels or {})}.get(field, field).replace(" (YYYY-MM)", "")
    html = render_template(
        "form_error.html",
        heading=heading,
        form_template=form,
        error=error,
        anchor=field,
        label=label,
        **context,
    )
    if field and f'id="{field}"' not in html:  # a field this role's form does not show
        html = render_template(
            "form_error.html",
            heading=heading,
            form_template=form,
            error=error,
            anchor="",
            label=label,
            **context,
        )
    return html


def sent_flag(name: str, default: bool) -> bool:
    """A checkbox as sent (its hidden "0" first, so the last value wins), by the one flag
    vocabulary (:data:`hotspots.parameters.FLAG_WORDS`); a word outside it: ``default``."""
    values = request.args.getlist(name)
    return FLAG_WORDS.get(values[-1].strip().lower(), default) if values else default


@dataclass(frozen=True)
class SentView:
    """The period form's values as the request sent them (defaults where it sent none)."""

    start: str
    end: str
    measure: str
    offences: str
    searches: bool
    raids: bool
    eps_m: str
    min_samples: str
    significant: bool


def sent_view(start: str, end: str) -> SentView:
    """The period form's values of the current request; ``start``/``end`` where it sent none."""
    args = request.args
    return SentView(
        start=args.get("from", "").strip() or start,
        end=args.get("to", "").strip() or end,
        measure=args.get("measure", "count").strip(),
        offences=args.get("offences", OFFENCE_VIEWS[0]).strip(),
        searches=sent_flag("searches", True),
        raids=sent_flag("raids", True),
        eps_m=args.get("eps_m", "").strip() or "auto",
        min_samples=args.get("min_samples", "").strip() or "auto",
        significant=sent_flag("significant", False),
    )


@reshows_form("maps.index", "maps.compare", "briefing.page")
def _period_page(error: dict[str, Any]) -> str:
    months = state().months
    n = int(current_app.config["DEFAULT_MONTHS"])
    default = default_period(months, n) if months else None
    view = sent_view(default.start if default else "", default.end if default else "")
    context: dict[str, Any] = {"view": view, "months": months, "presets": []}
    if current_access().public:  # its picker of whole quarters (web.analyses.quarter_choices)
        context["quarters"] = quarter_choices(months)
    if request.endpoint == "briefing.page":
        against = request.args.get("against", "").strip()  # as sent: the form shows it
        return render_form_page(
            "Briefing", "_briefing_form.html", error, against=against, **context
        )
    if request.endpoint == "maps.compare":
        pair = default_comparison(months, n)
        args = request.args
        other = SentView(
            **{
                **view.__dict__,
                "start": args.get("from2", "").strip() or pair.get("from2", ""),
                "end": args.get("to2", "").strip() or pair.get("to2", ""),
            }
        )
        return render_form_page(
            "Compare periods",
            "_period_form.html",
            error,
            other=other,
            action=url_for("maps.compare"),
            **context,
        )
    return render_form_page(
        "Drug hotspots map", "_period_form.html", error, action=url_for("maps.index"), **context
    )


def no_offences_page() -> str:
    """The page a map, compare, briefing or patrol link shows on a store without drug offence
    records (a 400 would blame the request): what the store does hold, and where to add more."""
    held = layer_months(state().store.sources())
    lines = [
        f"{RECORDS.get(layer, layer).capitalize()}: "
        + (f"held for {months_words(list(months))}" if months else "none held")
        for layer, months in held.items()
    ]
    return render_template("no_offences.html", lines=lines)
