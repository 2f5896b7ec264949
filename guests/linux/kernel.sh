#!/usr/bin/env bash
# Builds the guest kernel Image from Debian's linux-source-6.1 with riscv64-linux-gnu-gcc:
# tinyconfig + ferry.config, then `make Image`. Also builds the kernel tree's gen_init_cpio (host tool) so
# the initramfs can be packed without root. Output: $CACHE_DIR/kernel-<key>/{Image,config,gen_init_cpio}, and
# vmlinux and System.map for symbolising guest addresses.
# Usage: kernel.sh  (prints the output directory; the build log is kept beside it)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The whole build is one function, so bash has read all of it before it runs (editing the file then is safe).
main() {
    tarball=/usr/src/linux-source-6.1.tar.xz
    [ -f "$tarball" ] || fail "$tarball is missing (apt-get install linux-source-6.1)"
    key="$(kernel_key)"
    out="$CACHE_DIR/kernel-$key"
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/kernel.lock"
    flock 9
    if [ -f "$out/Image" ]; then echo "$out"; exit 0; fi

    tmp="$CACHE_DIR/kernel-$key.tmp.$$"
    log="$CACHE_DIR/kernel-$key.log"
    echo "ferry: building the Linux kernel (about 10 minutes, once); log: $log" >&2
    rm -rf "$tmp"; mkdir -p "$tmp/out"
    trap 'rm -rf "$tmp"' EXIT
    # A subshell with its own errexit: inside a `||` list bash would ignore `set -e`.
    set +e
    (
        set -ex
        tar -xJf "$tarball" -C "$tmp"
        src="$(echo "$tmp"/linux-source-6.1)"
        mk=(make -C "$src" ARCH=riscv CROSS_COMPILE="$CROSS")
        "${mk[@]}" tinyconfig
        "$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$GUEST_DIR/ferry.config"
        "${mk[@]}" olddefconfig
        missing=0
        while read -r line; do
            case "$line" in
                CONFIG_*=*) grep -qx "$line" "$src/.config" || { echo "not applied: $line"; missing=1; } ;;
                "# CONFIG_"*" is not set") name="${line#\# }"; name="${name%% *}"
                    ! grep -q "^$name=" "$src/.config" || { echo "not applied: $line"; missing=1; } ;;
            esac
        done < "$GUEST_DIR/ferry.config"
        [ "$missing" -eq 0 ]
        "${mk[@]}" -j"$JOBS" Image
        gcc -O2 -o "$tmp/out/gen_init_cpio" "$src/usr/gen_init_cpio.c"
        cp "$src/arch/riscv/boot/Image" "$src/vmlinux" "$src/System.map" "$tmp/out/"
        cp "$src/.config" "$tmp/out/config"
    ) > "$log" 2>&1
    status=$?
    set -e
    [ "$status" -eq 0 ] || fail "the kernel build failed; log: $log"
    publish "$tmp/out" "$out"
    mv -f "$log" "$out/build.log"
    echo "$out"
}

main "$@"
