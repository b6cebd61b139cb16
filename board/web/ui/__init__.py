"""The few Streamlit helpers shared by pages: identity, form errors."""
