#!/usr/bin/env bash
# CI: the wheel, installed the way a secretariat installs it (not editable, not from the clone), must run.
# Builds the wheel, installs it without dependencies into a fresh venv that borrows the project venv's packages
# (fast; only the build backend, setuptools, comes from the index or pip's cache), then from an empty folder parses
# the bundled letter, ingests and pre-screens the bundled sample report, and starts and stops the web app.
# Usage: tests/wheel_smoke.sh [VENV_PYTHON]   (default .venv/bin/python; a venv's python, its symlink unresolved)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${1:-.venv/bin/python}"
case "$PYTHON" in /*) ;; *) PYTHON="$ROOT/$PYTHON" ;; esac
WORK="$(mktemp -d)"
APP_PID=""
cleanup() { [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
step() { echo "wheel-smoke: $*"; }

step "building the wheel"
(cd "$ROOT" && "$PYTHON" -m pip wheel -q --no-deps -w "$WORK/dist" .)
WHEEL="$(ls "$WORK"/dist/panel_assistant-*.whl)"

step "installing $(basename "$WHEEL") into a fresh venv"
"$PYTHON" -m venv "$WORK/venv"
# Dependencies come from the project venv, added as a plain path: its editable install of this project is a .pth
# hook that only runs for site directories, so it stays inert and the wheel's copy is the one imported.
BORROWED="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
OWN="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$BORROWED" > "$OWN/borrowed-from-project-venv.pth"
"$WORK/venv/bin/python" -m pip install -q --no-deps --no-index "$WHEEL"
BIN="$WORK/venv/bin"

mkdir "$WORK/empty" && cd "$WORK/empty"
# A home of its own: the default data folder (platformdirs) must be used, and the user's real one left alone.
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/.local/share"
unset PANEL_DATA_DIR PANEL_CORPUS_DIR PANEL_PROMPTS_DIR
export PANEL_PRESET=embedded ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False

PACKAGE="$("$BIN/python" -c 'import assistant; print(assistant.__file__)')"
case "$PACKAGE" in "$OWN"/*) ;; *) echo "wheel-smoke: FAIL: imported $PACKAGE, not the wheel's copy"; exit 1 ;; esac
CORPUS="$("$BIN/python" -c 'from assistant.settings import Settings; print(Settings().corpus_dir)')"
case "$CORPUS" in "$OWN"/assistant/*) ;; *) echo "wheel-smoke: FAIL: corpus at $CORPUS, not in the package"; exit 1 ;; esac

"$BIN/panel-assistant" --version
step "parse-letter on the bundled letter"
"$BIN/panel-assistant" parse-letter "$CORPUS/letters/amnesty-international_2022_panel-feedback.txt"
SAMPLE="$CORPUS/samples/example-relief-network_2023_accountability-report.md"
step "ingest and prescreen the bundled sample report"
"$BIN/panel-assistant" ingest "$SAMPLE"
"$BIN/panel-assistant" prescreen "$SAMPLE" > prescreen.txt && head -5 prescreen.txt
DATA="$XDG_DATA_HOME/panel-assistant"
[ -d "$DATA/chroma" ] || { echo "wheel-smoke: FAIL: no index in the platform data folder $DATA"; exit 1; }
[ -z "$(ls -A "$WORK/empty" | grep -v prescreen.txt)" ] || { echo "wheel-smoke: FAIL: wrote into the working folder"; exit 1; }
"$BIN/panel-assistant" doctor --timeout 2 | grep -E "data_dir|index|framework"

step "starting the app"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PANEL_PORT="$PORT" "$BIN/panel-assistant" serve > app.log 2>&1 &
APP_PID=$!
for _ in $(seq 120); do
    if "$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=2)" 2>/dev/null; then
        kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
        step "OK: the installed wheel runs (app answered on port $PORT)"
        exit 0
    fi
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 1
done
echo "wheel-smoke: FAIL: the app did not answer"; cat app.log; exit 1
