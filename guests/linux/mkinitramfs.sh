#!/usr/bin/env bash
# Packs the guest's initramfs without root: a gen_init_cpio file list (so /dev/console exists before
# devtmpfs is mounted) with busybox, its applet links, the files under initramfs/ and the programs built from
# src/, gzip'd. Files are
# staged with a fixed time stamp (gen_init_cpio stores a file's own mtime), so the same inputs give the
# same archive.
# Usage: mkinitramfs.sh GEN_INIT_CPIO BUSYBOX_DIR OUTPUT
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ $# -eq 3 ] || fail "usage: mkinitramfs.sh GEN_INIT_CPIO BUSYBOX_DIR OUTPUT"
gen="$1"; bb="$2"; output="$3"
stage="$output.stage.$$"
list="$output.list.$$"
trap 'rm -rf "$stage" "$list" "$output.tmp.$$"' EXIT
rm -rf "$stage"; mkdir -p "$stage"
cp -R "$GUEST_DIR/initramfs" "$stage/root"
cp "$bb/busybox" "$stage/busybox"
mkdir -p "$stage/root/usr/bin"
# Each src/NAME.c is a program without libc (src/ferry-sys.h) installed as /usr/bin/NAME.
for src in "$GUEST_DIR"/src/*.c; do
    "${CROSS}gcc" -O2 -static -nostdlib -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
        -fno-stack-protector -fno-pie -no-pie -Wall -Wextra -Werror -Wl,--build-id=none,--no-warn-rwx-segments -s \
        -o "$stage/root/usr/bin/$(basename "$src" .c)" "$src"
done
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
root="$stage/root"
{
    for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /mnt /root /etc; do echo "dir $d 0755 0 0"; done
    echo "dir /tmp 1777 0 0"
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "nod /dev/null 0666 0 0 c 1 3"
    echo "file /bin/busybox $stage/busybox 0755 0 0"
    sort -u "$bb/busybox.links" | while read -r path; do
        [ "$path" = /bin/busybox ] || echo "slink $path /bin/busybox 0777 0 0"
    done
    (cd "$root" && find . -mindepth 1 | sort) | while read -r rel; do
        path="${rel#.}"
        case "$path" in /etc) continue ;; esac
        if [ -d "$root/$rel" ]; then echo "dir $path 0755 0 0"
        elif [ -x "$root/$rel" ]; then echo "file $path $root/$rel 0755 0 0"
        else echo "file $path $root/$rel 0644 0 0"
        fi
    done
} > "$list"
"$gen" -t "$SOURCE_DATE_EPOCH" "$list" | gzip -n -9 > "$output.tmp.$$"
mv -f "$output.tmp.$$" "$output"
