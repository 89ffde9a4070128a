#!/bin/sh
# Forecast accuracy: WAPE per 30-minute interval of `lotsen forecast` against seasonal
# naive and the median of the last 8 same weekdays, on the bank's real counts (the last
# 20 open days, fitted on everything before them, forecast at once: horizons 1 to 20
# open days) and on municipal-sized synthetic series (50, 150, 300 calls a day, Poisson,
# Swedish holidays). Usage: bench/forecast_accuracy.sh [BUILD_DIR] [DATA.csv]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
DATA=${2:-/work/shared/data/bank_calls_5min.csv}
BIN="$ROOT/$BUILD/lotsen"
say() { printf '%s\n' "$*"; }

# The bank is American: Labor Day (Monday 1 September 2003) is its closed day in the
# window, as a municipality's own closing days would be given with --closed.
say "\$ python3 bench/forecast_score.py bank $BUILD/lotsen $DATA --closed 2003-09-01"
python3 "$ROOT/bench/forecast_score.py" bank "$BIN" "$DATA" --closed 2003-09-01
say "\$ python3 bench/forecast_score.py bank $BUILD/lotsen $DATA (without the closed day: Lotsen forecasts Labor Day open)"
python3 "$ROOT/bench/forecast_score.py" bank "$BIN" "$DATA"
say "\$ python3 bench/forecast_score.py synthetic $BUILD/lotsen --calls-per-day 50,150,300 --seeds 1,2,3"
python3 "$ROOT/bench/forecast_score.py" synthetic "$BIN" --calls-per-day 50,150,300 --seeds 1,2,3
