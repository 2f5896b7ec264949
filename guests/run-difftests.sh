#!/bin/sh
# Runs every line of difftests.txt (or only NAMEs given as arguments) on QEMU.
# Output of each test goes to build/difftest/NAME.out, exit status to NAME.rc.
set -u
cd "$(dirname "$0")"
QEMU=${QEMU:-qemu-system-riscv64}
# QEMU's CPU with Ferry's extensions (kept in step with DifferentialTest.QEMU_CPU)
CPU=${QEMU_CPU:-rv64,h=false,sstc=false,zba=false,zbb=false,zbc=false,zbs=false}
out=build/difftest
mkdir -p "$out"
list=$out/list.txt
grep -v '^#' difftests.txt | grep -v '^[[:space:]]*$' >"$list"
fail=0
while IFS='|' read -r name image args mem extra; do
	name=$(echo $name); image=$(echo $image); args=$(echo $args); mem=$(echo $mem); extra=$(echo $extra)
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	# -drive pattern=SIZE[,readonly=on]: a fresh raw disk holding byte (i ^ (i >> 9)) & 0xff at offset i
	qextra=""; n=0
	for word in $extra; do
		case "$word" in
		pattern=*)
			n=$((n + 1)); disk="$out/$name-$n.img"; spec=${word#pattern=}; ro=""
			case "$spec" in *,readonly=on) ro=",readonly=on"; spec=${spec%,readonly=on} ;; esac
			python3 - "$spec" "$disk" <<-'EOF'
			import sys
			parts = sys.argv[1].split(','); v = parts[0]; s = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
			n = int(v[:-1]) * s[v[-1]] if v[-1] in s else int(v)
			b = bytearray((i ^ (i >> 9)) & 0xff for i in range(n))
			for p in parts[1:]:
			    if p.startswith('mbr='):
			        h, sec = (int(x) for x in p[4:].split('/'))
			        b[0x1be:0x1ce] = bytes([0x80, 0, 0, 0, 0x83, h, sec, 0, 1, 0, 0, 0]) + (n // 512 - 1).to_bytes(4, 'little')
			        b[510:512] = b'\x55\xaa'
			open(sys.argv[2], 'wb').write(b)
			EOF
			qextra="${qextra% -drive} -drive file=$disk,format=raw,if=none,id=hd$n$ro -device virtio-blk-device,drive=hd$n" ;;
		*) qextra="$qextra $word" ;;
		esac
	done
	extra=$qextra
	start=$(date +%s.%N)
	if [ -n "$args" ]; then
		timeout 30 "$QEMU" -machine virt -cpu "$CPU" -bios none -nographic -m "$mem" \
			-kernel "build/$image.elf" -append "$args" $extra </dev/null >"$out/$name.out" 2>"$out/$name.err"
	else
		timeout 30 "$QEMU" -machine virt -cpu "$CPU" -bios none -nographic -m "$mem" \
			-kernel "build/$image.elf" $extra </dev/null >"$out/$name.out" 2>"$out/$name.err"
	fi
	rc=$?
	echo $rc >"$out/$name.rc"
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	printf '%-16s rc=%-3s %6.2fs  %s\n' "$name" "$rc" "$secs" "$(tail -n 1 "$out/$name.out")"
	[ $rc -eq 0 ] || fail=1
done <"$list"
exit $fail
