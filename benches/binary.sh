# Sourced (from the repository root) by the scripts that run foramen:
# benches/peer.sh, benches/instructions.sh, docs/figures/regenerate.sh.
#
# foramen_binary [GIVEN]: prints the path of the foramen binary to run:
# GIVEN (or $FORAMEN), made absolute, when set; otherwise this checkout's
# release build, built first (into $CARGO_TARGET_DIR, by default
# /var/tmp/foramen-target). Use as `foramen="$(foramen_binary)"`.
foramen_binary() {
    local given="${1:-${FORAMEN:-}}"
    if [ -n "$given" ]; then
        realpath "$given"
    else
        export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
        cargo build --release --quiet >&2
        echo "$CARGO_TARGET_DIR/release/foramen"
    fi
}
