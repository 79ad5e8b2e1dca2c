"""Widgets over coded options (roles, formats, granularities…) whose labels follow the language.

Streamlit matches a widget's state by its *formatted* label, so when the labels change language
the widget would hand back a Chinese label instead of the code. Each coded widget therefore gets
one widget key per language, and the canonical code lives under its own session key, from which
the widget of the new language is seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashboard.i18n import LANGUAGES, language


def widget_keys(key: str) -> list[str]:
    """Every session key a coded widget may use (for resets)."""
    return [key, f"{key}__writer", *(f"{key}__{lang}" for lang in LANGUAGES)]


def coded(widget: Callable, label: str, options: Sequence, *, key: str, format_func: Callable,
          default, container=st, **kwargs):
    """Draw ``widget`` (st.selectbox, st.multiselect, st.segmented_control…) over coded options.

    Args:
        widget: the Streamlit widget function (its name is looked up on ``container``).
        label: the widget's label.
        options: the canonical codes.
        key: the session key holding the canonical value (a code, or a list for multiselect).
        format_func: the label of a code in the current language.
        default: the value when the session has none.
        container: st, st.sidebar or a column.

    Returns:
        The canonical value chosen.
    """
    options = list(options)
    multi = widget.__name__ == "multiselect"
    current = st.session_state.get(key, default)
    if multi:
        current = [v for v in (current or []) if v in options]
    elif current not in options:
        current = default if default in options else (options[0] if options else None)
    lang = language()
    widget_key, writer_key = f"{key}__{lang}", f"{key}__writer"
    kept = st.session_state.get(widget_key)
    valid = kept is not None and (all(v in options for v in kept) if multi else kept in options)
    # This language's widget holds the newest choice only if it wrote the canonical value last;
    # otherwise (another language's widget, the URL, a reset) seed it from the canonical value.
    if not valid or st.session_state.get(writer_key) != lang:
        st.session_state[widget_key] = current
    draw = getattr(container, widget.__name__)
    value = draw(label, options, key=widget_key, format_func=format_func, **kwargs)
    if value is None and not multi:  # a segmented control clicked off: keep the last choice
        value = current
    st.session_state[key] = value
    st.session_state[writer_key] = lang
    return value
