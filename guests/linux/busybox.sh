#!/usr/bin/env bash
# Builds a static busybox for the guest from Debian's busybox source package: `apt-get source` through a
# private deb-src list, state directory and cache (the system's apt set-up is left alone), `make defconfig`
# + busybox.config, cross-compiled with riscv64-linux-gnu-gcc. Output: $CACHE_DIR/busybox-<key>/{busybox,busybox.links}
# (busybox.links lists the applets' install paths).
# Usage: busybox.sh  (prints the output directory; the build log is kept beside it)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# deb_src_list: the system's Debian archives (deb822 .sources and one-line lists) as deb-src lines
deb_src_list() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function emit(  n, i, j, u, s, opt) {
                if (types !~ /(^| )deb( |$)/ || uris == "") return
                opt = (signed != "" ? "[signed-by=" signed "] " : "")
                n = split(uris, u, " "); m = split(suites, s, " ")
                for (i = 1; i <= n; i++) if (u[i] ~ /\/debian(-security)?\/?$/)
                    for (j = 1; j <= m; j++) print "deb-src " opt u[i] " " s[j] " " comps
            }
            /^[ \t]*$/ { emit(); types = uris = suites = comps = signed = ""; next }
            /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
            /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
            /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
            /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
            /^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); signed = $0 }
            END { emit() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { $1 = "deb-src"; for (i = 2; i <= NF; i++) if ($i ~ /\/debian(-security)?\/?$/) { print; break } }' "$f"
    done
}

# The whole build is one function, so bash has read all of it before it runs (editing the file then is safe).
main() {
    local version key out log apt_dir apt_opts src name line  # not tmp: the EXIT trap removes it
    version="$(busybox_source_version)"
    [ -n "$version" ] || fail "apt knows no busybox package (run apt-get update)"
    key="$(busybox_key "$version")"
    out="$CACHE_DIR/busybox-$key"
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/busybox.lock"
    flock 9
    if [ -x "$out/busybox" ] && [ -s "$out/busybox.links" ]; then echo "$out"; exit 0; fi

    tmp="$CACHE_DIR/busybox-$key.tmp.$$"
    log="$CACHE_DIR/busybox-$key.log"
    apt_dir="$CACHE_DIR/apt"
    echo "ferry: building busybox (about 2 minutes, once); log: $log" >&2
    rm -rf "$tmp"; mkdir -p "$tmp/out" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    trap 'rm -rf "$tmp"' EXIT
    # A subshell with its own errexit: inside a `||` list bash would ignore `set -e`.
    set +e
    (
        set -ex
        deb_src_list > "$apt_dir/sources.list"
        [ -s "$apt_dir/sources.list" ] || { echo "no Debian archive in the system's apt sources"; false; }
        apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o APT::Sandbox::User=root)
        apt-get "${apt_opts[@]}" -q update
        (cd "$tmp" && apt-get "${apt_opts[@]}" -q source "busybox=$version")
        src="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n1)"
        [ -n "$src" ]
        mk=(make -C "$src" CROSS_COMPILE="$CROSS")
        "${mk[@]}" defconfig
        while read -r line; do
            case "$line" in
                CONFIG_*=*) name="${line%%=*}" ;;
                "# CONFIG_"*" is not set") name="${line#\# }"; name="${name%% *}" ;;
                *) continue ;;
            esac
            sed -i -e "/^$name=/d" -e "/^# $name is not set/d" "$src/.config"
            echo "$line" >> "$src/.config"
        done < "$GUEST_DIR/busybox.config"
        { yes "" || true; } | "${mk[@]}" oldconfig > /dev/null  # yes ends by SIGPIPE
        grep -qx CONFIG_STATIC=y "$src/.config"
        "${mk[@]}" -j"$JOBS" busybox busybox.links
        cp "$src/busybox" "$src/busybox.links" "$tmp/out/"
        cp "$src/.config" "$tmp/out/config"
        echo "$version" > "$tmp/out/version"
    ) > "$log" 2>&1
    status=$?
    set -e
    [ "$status" -eq 0 ] || fail "the busybox build failed; log: $log"
    publish "$tmp/out" "$out"
    mv -f "$log" "$out/build.log"
    echo "$out"
}

main "$@"
