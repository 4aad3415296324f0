"""Panel Assistant. The stages run one way: reading -> search -> judging -> review, under the core modules (models,
settings, logs, version) they all share; pipeline and rounds are the one service layer over them, and the web app
and the command line (cli, doctor, benchmark) sit on top. tests/test_layout.py checks that no import runs upwards."""
