"""Jinye dashboard: the router. ``streamlit run dashboard/app.py``.

Each run: language -> warehouse (or the first-start screen) -> who is looking -> global filters
-> the pages this role may open -> run the chosen page.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Forecast fits run inside this server, beside every other session. scikit-learn's gradient
# boosting parallelises with OpenMP, whose threads busy-wait for each other: on two shared cores
# the background warm-up took 90 s with them and 39 s with one thread (18.6 s against 20.1 s on
# an idle machine). A dashboard's parallelism is its sessions and the ETS worker processes, so
# OpenMP gets one thread unless the administrator says otherwise. libgomp reads the variable
# when scikit-learn first loads it, which is after this line.
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="金叶 Jinye", page_icon="🍂", layout="wide")

from dashboard import auth, data_admin, links, queries, state, warmup  # noqa: E402
from dashboard.context import PageContext, set_page_context  # noqa: E402
from dashboard.filters import sidebar_filters  # noqa: E402
from dashboard.first_start import first_start  # noqa: E402
from dashboard.i18n import LANGUAGES, t  # noqa: E402

PAGES = ROOT / "pages"
ANALYSIS_ROLES = frozenset({"admin", "marketing", "brand_manager", "customer_manager"})
REVIEW_ROLES = frozenset({"admin", "marketing"})  # the forecast-accuracy review


def _language() -> None:
    # First run, or the control came back empty (a click on the selected option clears it; seen
    # under load too): set it before the widget exists, as Streamlit refuses it afterwards (that
    # raised, and the failed run dropped the session's filter widgets). The URL keeps the language.
    if not st.session_state.get("lang"):
        wanted = st.query_params.get("lang", "zh")
        st.session_state["lang"] = wanted if wanted in LANGUAGES else "zh"
    st.sidebar.segmented_control(t("app.language"), list(LANGUAGES), key="lang",
                                 format_func=LANGUAGES.get)
    if st.query_params.get("lang", "zh") != st.session_state["lang"]:
        if st.session_state["lang"] == "zh":
            del st.query_params["lang"]
        else:
            st.query_params["lang"] = st.session_state["lang"]


def main() -> None:
    _language()
    wh = state.warehouse()
    if wh is None:
        first_start(state.settings())
        return
    if state.settings().warm_forecasts:
        warmup.start(wh)  # once per warehouse generation, before anyone has signed in
    who = auth.identify(wh)
    if who is None:
        # Signed out: no navigation (the last viewer's pages must not linger in the sidebar), yet
        # every address stays known, so a shared link opens its page once the visitor signs in.
        st.navigation([st.Page(p, url_path=p.stem.replace("_", "-"), default=p.stem == "overview")
                       for p in sorted(PAGES.glob("*.py"))], position="hidden")
        return
    swh = state.scoped(wh, who)
    key = queries.cache_key(swh)
    choices = queries.choices(swh, key)
    filters = sidebar_filters(choices)
    set_page_context(PageContext(wh, who, swh, key, choices, filters))

    analysis = [st.Page(PAGES / "overview.py", title=t("page.overview"), icon=":material/dashboard:",
                        url_path="overview", default=True)]
    # Every role that may analyse gets these; a customer manager's tables hold only the own
    # clients (row-level security in data.warehouse), so the same pages show the own territory.
    if who.role in ANALYSIS_ROLES:
        analysis += [
            st.Page(PAGES / "five_rates.py", title=t("page.five_rates"), icon=":material/grid_view:",
                    url_path="five-rates"),
            st.Page(PAGES / "brand.py", title=t("page.brand"), icon=":material/sell:", url_path="brand"),
            st.Page(PAGES / "prices.py", title=t("page.prices"), icon=":material/price_change:",
                    url_path="prices"),
        ]
        # Stock warnings: the customer manager's page (the own clients only), and for the other
        # roles any territory plus the region view; next to the Overview for a customer manager.
        stock = st.Page(PAGES / "warnings.py", title=t("page.warnings"), icon=":material/inventory_2:",
                        url_path="warnings")
        analysis.insert(1 if who.role == "customer_manager" else len(analysis), stock)
        # Demand forecasts: the marketing department's page, open to every analysing role (a
        # customer manager forecasts the own clients only). The accuracy review compares the
        # customer managers with each other, so only marketing and admins open it.
        analysis.append(st.Page(PAGES / "forecast.py", title=t("page.forecast"), icon=":material/trending_up:",
                                url_path="forecast"))
        if who.role in REVIEW_ROLES:
            analysis.append(st.Page(PAGES / "forecast_accuracy.py", title=t("page.forecast_accuracy"),
                                    icon=":material/target:", url_path="forecast-accuracy"))
            # Releasing scarce supply is the marketing department's decision (06-allocation.md).
            analysis.append(st.Page(PAGES / "allocation.py", title=t("page.allocation"),
                                    icon=":material/local_shipping:", url_path="allocation"))
    admin = []
    if data_admin.may_administer(who.role):
        admin.append(st.Page(PAGES / "data.py", title=t("page.data"), icon=":material/database:",
                             url_path="data"))
    links.register(analysis + admin)
    sections = {t("nav.analysis"): analysis}
    if admin:
        sections[t("nav.admin")] = admin
    st.navigation(sections).run()


main()
