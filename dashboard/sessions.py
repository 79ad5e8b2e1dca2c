"""How long a sign-in lasts: an idle limit and an absolute limit (``session_idle_minutes`` and
``session_max_hours`` in the settings).

A Streamlit session keeps its state for as long as the browser tab stays connected, so a
dashboard left open on a shared counter would otherwise stay signed in for days. Each run of a
signed-in session records when it was seen; a run that finds the last sign-in or the last
activity too old signs the viewer out before anything is drawn.
"""

from __future__ import annotations

import time

import streamlit as st

from data.config import Settings

LOGIN_AT = "auth_login_at"  # epoch seconds of the sign-in
SEEN_AT = "auth_seen_at"  # epoch seconds of the last run of the signed-in session
EXPIRED = "auth_expired"  # set when the last sign-in ran out, to say so on the login screen
KEEP = ("lang",)  # what outlives a sign-in: the language the tab is in


def expired(login_at: float, seen_at: float, now: float, settings: Settings) -> bool:
    """True when a sign-in at ``login_at``, last used at ``seen_at``, is over at ``now``."""
    too_old = now - login_at > settings.session_max_hours * 3600
    too_idle = now - seen_at > settings.session_idle_minutes * 60
    return too_old or too_idle


def start(login_at: float | None = None) -> None:
    """Record a new sign-in (at ``login_at``, default now)."""
    now = time.time()
    st.session_state[LOGIN_AT] = now if login_at is None else login_at
    st.session_state[SEEN_AT] = now
    st.session_state.pop(EXPIRED, None)


def still_valid(settings: Settings, login_at: float | None = None) -> bool:
    """Check the signed-in session of this run and record its activity; False (and marked
    expired) when it ran out. ``login_at`` overrides the recorded sign-in time (an OIDC token's
    issue time, which survives a page reload)."""
    now = time.time()
    if LOGIN_AT not in st.session_state:
        start(login_at)
    started = st.session_state[LOGIN_AT] if login_at is None else login_at
    if expired(started, st.session_state.get(SEEN_AT, now), now, settings):
        end()
        st.session_state[EXPIRED] = True
        return False
    st.session_state[SEEN_AT] = now
    return True


def end() -> None:
    """Forget the signed-in session (sign-out or expiry): the viewer, the sign-in times and every
    filter and selection made meanwhile, so the next person at this tab starts afresh (the
    filters are seeded again from the URL)."""
    for key in list(st.session_state.keys()):
        if key not in KEEP:
            del st.session_state[key]


def just_expired() -> bool:
    """True once after an expiry, for the login screen to say why it is back."""
    return bool(st.session_state.pop(EXPIRED, False))
