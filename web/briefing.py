"""The commissioner's briefing: ``/briefing`` (page) and its one-page ``.png`` / ``.pdf`` twins.

Same period parameters and validation as the map page (``?from=YYYY-MM&to=YYYY-MM``; a bad value
is a 400), and ``against``: compare with ``previous`` (the equivalent period just before, default)
or ``year`` (the same months a year before); every output reads it from :func:`briefing_view`,
so page, PNG and PDF compare the same two periods. Aggregates only: ward counts, hotspot ranks,
force totals; no event locations. Pages and images are cached on the period, the comparison, the
data version and the protective marking, and answer
``If-None-Match`` with 304.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from hotspots.briefing import (
    ATTRIBUTION,
    briefing_figures,
    briefing_image,
    monthly_counts,
    trend_months,
)
from hotspots.briefing.axis import count_axis
from hotspots.briefing.monthly import axis_labels
from hotspots.dates import day_words
from hotspots.parameters import DEFAULT_SCHEME
from hotspots.periods import Period
from hotspots.presentation import every_ward
from web.access import current_access
from web.accounts import audit
from web.analyses import (
    current_view,
    get_analysis,
    parameter_score_of,
    period_notes,
    period_presets,
    wards_vintage,
)
from web.basemaps import current_basemap
from web.data import cache, state
from web.filters import ViewRequest, parse_against
from web.httpcache import cached_response, etag_for

bp = Blueprint("briefing", __name__)

#: Inline SVG trend chart size, CSS pixels.
_SVG_W, _SVG_H, _PAD_L, _PAD_B, _PAD_T = 640, 200, 40, 34, 12
#: The chart's width on a phone (CSS px): drawn at about its own size there, so its words and
#: figures keep their size (the wide chart shrank to half: 5-6 px text at 360 px).
PHONE_SVG_W = 330


def briefing_view() -> ViewRequest:
    """The briefing's view: the request's period within the role's access
    (:func:`web.analyses.current_view`) compared ``against`` the previous period or the same
    months a year before (:func:`web.filters.parse_against`; a bad value is a 400 naming it).
    Either comparison period is the same shift of a period the role may see, and the analysis
    is redacted for the role as any other (:func:`web.analyses.get_analysis`)."""
    return dataclasses.replace(current_view(), against=parse_against(request.args))


def _figures(view: ViewRequest) -> dict[str, Any]:
    st = state()

    def make() -> dict[str, Any]:
        analysis = get_analysis(view)
        months = trend_months(analysis.period, analysis.compare_to, st.months)
        events = st.events if st.events is not None else st.store.load(months=months)
        return briefing_figures(
            analysis,
            monthly=monthly_counts(events, months),
            wards_vintage=wards_vintage(),
        )

    key = ("briefing", view.analysis_key(), current_access().key(), st.version)
    return cache("analyses").get_or_make(key, make)


def _data_date() -> str:
    st = state()
    latest = Period.months(st.months[-1], st.months[-1]).label if st.months else "none"
    updated = st.store.manifest().get("updated")
    return f"Data to {latest}" + (f"; store updated {day_words(updated)}" if updated else "")


def _marking() -> str:
    return str(current_app.config["PROTECTIVE_MARKING"])


def trend_svg(monthly: list[dict[str, Any]], width: int = _SVG_W) -> dict[str, Any]:
    """Bars, axis ticks and labels of the monthly trend, in SVG user units, ``width`` wide
    (:data:`PHONE_SVG_W` for the phone's chart)."""
    axis = count_axis(r["offences"] or 0 for r in monthly)  # the PDF's axis too
    top = axis.top
    plot_w, plot_h = width - _PAD_L - 8, _SVG_H - _PAD_B - _PAD_T
    slot = plot_w / max(len(monthly), 1)
    bars = []
    labels = axis_labels([r["label"] for r in monthly])  # the PDF's month labels too
    for i, r in enumerate(monthly):
        h = plot_h * (r["offences"] or 0) / top  # a month not held: no bar, "no data"
        bars.append(
            {
                **r,
                "axis_month": labels[i][0],
                "axis_year": labels[i][1],
                "x": round(_PAD_L + i * slot + slot * 0.12, 1),
                "w": round(slot * 0.76, 1),
                "y": round(_PAD_T + plot_h - h, 1),
                "h": round(h, 1),
                "cx": round(_PAD_L + (i + 0.5) * slot, 1),
            }
        )
    ticks = [{"value": v, "y": round(_PAD_T + plot_h - plot_h * v / top, 1)} for v in axis.ticks]
    return {
        "width": width,
        "height": _SVG_H,
        "bars": bars,
        "ticks": ticks,
        "left": _PAD_L,
        "right": width - 8,
        "base": _PAD_T + plot_h,
        # a bar's figure fits its slot: about 0.6 em a digit
        "value_font": round(min(10.0, slot * 0.9 / (0.6 * max(4, len(str(top))))), 1),
    }


@bp.get("/briefing")
def page() -> Response:
    """The briefing of one period against the previous equivalent period or the same months a
    year before (``against``)."""
    view = briefing_view()
    marking = _marking()

    def make() -> str:
        figures = _figures(view)
        query = f"from={view.start}&to={view.end}"
        if view.against != "previous":
            query += f"&against={view.against}"
        return render_template(
            "briefing.html",
            view=view,
            against=view.against,
            f=figures,
            trends=[
                ("wide", trend_svg(figures["monthly"])),
                ("narrow", trend_svg(figures["monthly"], PHONE_SVG_W)),
            ],
            months=state().months,
            presets=period_presets(state().months),
            data_date=_data_date(),
            attribution=ATTRIBUTION,
            png_url=url_for("briefing.png") + "?" + query,
            pdf_url=url_for("briefing.pdf") + "?" + query,
            # the sheet's classes, whoever asks: the briefing is read month after month
            # (web.access.Access.choose_classes), so its map is never another scheme
            frame_url=url_for("maps.frame") + "?" + view.query(scheme=DEFAULT_SCHEME, k=None),
            score=_score_of(view),
            # why the ward map's searches and raids are blank (a period not a quarter); the
            # PNG and PDF give searches and raids as force totals only: nothing blank to explain
            notes=period_notes(view),
            every_ward=every_ward(get_analysis(view)),  # the ward finder's sentences
        )

    return cached_response(etag_for("briefing", view.analysis_key(), marking, page=True), make)


def _score_of(view: ViewRequest) -> dict[str, Any]:
    """The back-test score of the parameters the view's analysis used (``auto`` may stand for
    a pair the store's back-test chose: :func:`web.analyses.parameter_choice_of`)."""
    p = get_analysis(view).parameters
    return parameter_score_of(p["requested_eps_m"], p["requested_min_samples"])


def _image(fmt: str) -> Response:
    view = briefing_view()
    marking = _marking()

    def make() -> bytes:
        st = state()
        return briefing_image(
            get_analysis(view),
            _figures(view),
            marking=marking,
            data_date=_data_date(),
            fmt="pdf" if fmt == "pdf" else "png",
            force_area=st.force_area,
            basemap=current_basemap(),
        )

    mimetype = "application/pdf" if fmt == "pdf" else "image/png"
    response = cached_response(
        etag_for("briefing", fmt, view.analysis_key(), marking), make, mimetype
    )
    against = "" if view.against == "previous" else f"-vs-{view.compare_to.slug}"
    name = f"drug-briefing-{view.period.slug}{against}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    audit(
        "export",
        {"name": name, "format": fmt, "from": view.start, "to": view.end, "against": view.against},
    )
    return response


@bp.get("/briefing.png")
def png() -> Response:
    """The one-page briefing as an A4 landscape PNG (150 dpi)."""
    return _image("png")


@bp.get("/briefing.pdf")
def pdf() -> Response:
    """The one-page briefing as an A4 landscape PDF."""
    return _image("pdf")
