"""Streamlit-only helpers of the workbench app (state, cached calls, i18n, shared widgets)."""
