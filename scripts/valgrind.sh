# Sourced by the scripts that count with valgrind (instructions.sh,
# cache-misses.sh): installs it with apt-get when it is missing and that is
# possible, and stops the script when it is still missing.
if ! command -v valgrind >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null || sudo apt-get install -y -qq valgrind >/dev/null
    fi
fi
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is needed" >&2; exit 1; }
