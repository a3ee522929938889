"""Explore flood maps: pick an event, see backscatter and predicted water side by side."""
import streamlit as st

st.title("Flood maps")
event = st.selectbox("Event", ["Bolivia 2018", "Ghana 2018", "Mekong 2018"])
st.write(f"Showing {event}")
