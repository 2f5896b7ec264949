#!/usr/bin/env bash
# Builds Ferry's Linux guest: guests/build/linux/Image (Debian's linux-source-6.1, tinyconfig + ferry.config)
# and guests/build/linux/initramfs.cpio.gz (static busybox from Debian's source package + initramfs/).
# The kernel and busybox are built once per set of inputs and cached (see common.sh); the initramfs is
# repacked when its own inputs change. Prints nothing when everything is up to date.
# Usage: build.sh [OUTPUT_DIR]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# One function, so bash has read all of it before it runs (editing the file meanwhile is safe).
main() {
    out_dir="${1:-$GUEST_DIR/../build/linux}"
    missing=()
    for need in "${CROSS}gcc:gcc-riscv64-linux-gnu" flex:flex bison:bison bc:bc gcc:gcc make:make xz:xz-utils \
            gzip:gzip flock:util-linux dpkg-source:dpkg-dev; do
        command -v "${need%%:*}" >/dev/null || missing+=("${need#*:}")
    done
    [ -f /usr/include/libelf.h ] || missing+=(libelf-dev)
    [ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
    [ -f /usr/src/linux-source-6.1.tar.xz ] || missing+=(linux-source-6.1)
    [ ${#missing[@]} -eq 0 ] || fail "missing packages: ${missing[*]} (apt-get install ${missing[*]})"

    mkdir -p "$out_dir"
    out_dir="$(cd "$out_dir" && pwd)"
    exec 8>"$out_dir/.lock"
    flock 8

    kernel_dir="$("$GUEST_DIR/kernel.sh")"
    busybox_dir="$("$GUEST_DIR/busybox.sh")"

    for f in Image System.map; do
        if ! cmp -s "$kernel_dir/$f" "$out_dir/$f"; then
            cp "$kernel_dir/$f" "$out_dir/$f.tmp.$$"
            mv -f "$out_dir/$f.tmp.$$" "$out_dir/$f"
        fi
    done

    initramfs_key="$({ echo "$kernel_dir $busybox_dir"; toolchain_version; cat "$GUEST_DIR/mkinitramfs.sh"
        (cd "$GUEST_DIR" && find initramfs src -type f | sort | while read -r f; do
            echo "$f $(test -x "$f" && echo x)"; cat "$f"; done); } | sha256sum | cut -c1-16)"
    if [ ! -f "$out_dir/initramfs.cpio.gz" ] || [ "$(cat "$out_dir/initramfs.key" 2>/dev/null)" != "$initramfs_key" ]; then
        "$GUEST_DIR/mkinitramfs.sh" "$kernel_dir/gen_init_cpio" "$busybox_dir" "$out_dir/initramfs.cpio.gz"
        echo "$initramfs_key" > "$out_dir/initramfs.key"
    fi
    touch "$out_dir/.stamp"
}

main "$@"
