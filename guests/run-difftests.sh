#!/bin/sh
# Runs every line of difftests.txt (or only NAMEs given as arguments) on QEMU.
# Output of each test goes to build/difftest/NAME.out, exit status to NAME.rc.
set -u
cd "$(dirname "$0")"
QEMU=${QEMU:-qemu-system-riscv64}
# QEMU's CPU with Ferry's extensions (kept in step with DifferentialTest.QEMU_CPU)
CPU=${QEMU_CPU:-rv64,h=false,sstc=false,f=false,d=false,zba=false,zbb=false,zbc=false,zbs=false}
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
