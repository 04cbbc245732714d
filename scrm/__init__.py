"""scrm: an open, self-hosted Social CRM.

The engine: storage, import, analysis and KPIs, with no Streamlit outside
``scrm.ui``.
"""

__version__ = "0.1.0"
