# Shared by Ferry's Linux guest build scripts (sourced, not run): where the cache lives, how the inputs of
# each cached build are hashed, and how a cached build is published without racing a concurrent one.

GUEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CROSS=riscv64-linux-gnu-
CACHE_DIR="${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}/linux"
JOBS="$(nproc 2>/dev/null || echo 2)"

# The build's banner and timestamps are fixed so the same inputs give the same Image.
export KBUILD_BUILD_USER=ferry KBUILD_BUILD_HOST=ferry KBUILD_BUILD_TIMESTAMP="2023-01-01 00:00:00 UTC"
export SOURCE_DATE_EPOCH=1672531200 LC_ALL=C

fail() { echo "ferry: linux guest: $*" >&2; exit 1; }

# kernel_source_version: the installed linux-source-6.1 package's version, or nothing
kernel_source_version() { dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true; }

# busybox_source_version: the source version of the newest busybox package the system's lists offer
busybox_source_version() {
    local best="" v
    for v in $(apt-cache show busybox 2>/dev/null | awk '
            /^Version: / { v = $2 }
            /^Source: /  { if ($3 ~ /^\(/) { s = $3; gsub(/[()]/, "", s) } }
            /^$/         { if (v != "") print (s != "" ? s : v); v = s = "" }
            END          { if (v != "") print (s != "" ? s : v) }'); do
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best="$v"; fi
    done
    echo "$best"
}

build_settings() { echo "$KBUILD_BUILD_USER $KBUILD_BUILD_HOST $KBUILD_BUILD_TIMESTAMP $SOURCE_DATE_EPOCH $LC_ALL"; }
toolchain_version() { "${CROSS}gcc" --version 2>/dev/null | head -n1; "${CROSS}ld" --version 2>/dev/null | head -n1; }

# kernel_key / busybox_key: a hash of every input of that build (source version, toolchain, settings,
# configuration fragment and the build script)
kernel_key() {
    { echo "linux-source-6.1 $(kernel_source_version)"; toolchain_version; gcc --version 2>/dev/null | head -n1
      build_settings; cat "$GUEST_DIR/ferry.config" "$GUEST_DIR/kernel.sh"; } | sha256sum | cut -c1-16
}
busybox_key() {  # busybox_key SOURCE_VERSION
    { echo "busybox $1"; toolchain_version
      build_settings; cat "$GUEST_DIR/busybox.config" "$GUEST_DIR/busybox.sh"; } | sha256sum | cut -c1-16
}

# publish TMP FINAL: moves a finished build into place; a concurrent build that finished first wins
publish() {
    if ! mv -T "$1" "$2" 2>/dev/null; then
        [ -d "$2" ] || fail "could not move $1 to $2"
        rm -rf "$1"
    fi
}
