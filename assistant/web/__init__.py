"""The Gradio workspace, one module a tab over a shared state. It calls the service layer (pipeline, rounds) and the
domain types of the stages below; nothing below imports it."""
