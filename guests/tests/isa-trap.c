/*
 * Synchronous traps: illegal instructions, ecall (M and U), ebreak, access
 * faults at unmapped address 0, misaligned AMO/LR/SC. Prints the mcause and
 * mtval QEMU 7.2 reports and checks mepc. Where QEMU differs from the letter of
 * the privileged spec the expected value is QEMU's (marked "QEMU").
 */
#include "check.h"

static uint64_t buf[4] __attribute__((aligned(16)));

/* runs insn (may reference %1 = r); returns its address */
#define TRAP_AT(insn, r) ({ uint64_t pc_; \
	__asm__ volatile(NORVC("la %0, 1f\n1:\t" insn) : "=&r"(pc_) : "r"(r) : "t0", "memory"); pc_; })

static void check_epc(const char *name, uint64_t pc)
{
	check(name, trap_epc - pc, 0);
}

static long user_ecall(long arg)
{
	register long a0 __asm__("a0") = arg;
	register long a7 __asm__("a7") = 93;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0 + 1;
}

int main(void)
{
	uint64_t pc;
	uint8_t *b = (uint8_t *)buf;

	catch_traps(1);
	trap_reset();

	pc = TRAP_AT(".2byte 0", 0);
	check_epc("illegal 16-bit zero mepc", pc);
	check_trap("illegal 16-bit zero", 2, 0);
	pc = TRAP_AT(".4byte 0x0000000b", 0);
	check_epc("illegal custom-0 mepc", pc);
	check_trap("illegal custom-0 0x0000000b", 2, 0x0000000b);
	pc = TRAP_AT("csrw cycle, zero", 0);
	check_epc("write read-only cycle mepc", pc);
	check_trap("write read-only cycle", 2, 0xc0001073);
	pc = TRAP_AT(".4byte 0xffffffff", 0);
	check_trap("illegal 0xffffffff", 2, 0xffffffff);

	pc = TRAP_AT("ecall", 0);
	check_epc("ecall from M mepc", pc);
	check_trap("ecall from M", 11, 0);
	pc = TRAP_AT("ebreak", 0);
	check_epc("ebreak mepc", pc);
	check_trap("ebreak (QEMU: mtval 0)", 3, 0);
	pc = TRAP_AT(".option rvc\n\tc.ebreak", 0);
	check_epc("c.ebreak mepc", pc);
	check_trap("c.ebreak", 3, 0);

	pc = TRAP_AT("lw t0, 0(zero)", 0);
	check_epc("load access fault mepc", pc);
	check_trap("load access fault at 0x0", 5, 0);
	pc = TRAP_AT("sd t0, 0(%1)", 8);
	check_epc("store access fault mepc", pc);
	check_trap("store access fault at 0x8", 7, 8);
	pc = TRAP_AT("amoadd.w t0, t0, (%1)", 0);
	check_trap("amoadd.w access fault at 0x0 (QEMU: load fault)", 5, 0);
	__asm__ volatile("li t0, 0\n\tjalr ra, 0(t0)" ::: "t0", "ra", "memory");
	check("fetch fault mepc", trap_epc, 0);
	check_trap("instruction access fault at 0x0", 1, 0);

	pc = TRAP_AT("amoadd.w t0, t0, (%1)", b + 2);
	check_epc("misaligned amoadd.w mepc", pc);
	check_trap("misaligned amoadd.w (QEMU: load misaligned, tval = buf+2)", 4, (uintptr_t)b + 2);
	pc = TRAP_AT("amoswap.d t0, t0, (%1)", b + 4);
	check_trap("misaligned amoswap.d (QEMU: load misaligned, tval = buf+4)", 4, (uintptr_t)b + 4);
	pc = TRAP_AT("lr.w t0, (%1)", b + 1);
	check_trap("misaligned lr.w (tval = buf+1)", 4, (uintptr_t)b + 1);
	pc = TRAP_AT("lr.d t0, (%1)", b + 4);
	check_trap("misaligned lr.d (tval = buf+4)", 4, (uintptr_t)b + 4);
	uint64_t sc;
	__asm__ volatile("sc.w %0, %0, (%1)" : "=&r"(sc) : "r"(b + 2) : "memory");
	check_no_trap("misaligned sc.w without reservation (QEMU)");
	check_true("misaligned sc.w without reservation fails", sc != 0);

	sdk_pmp_allow_all();
	long r = sdk_run_user(user_ecall, 41);
	check_trap("ecall from U", 8, 0);
	check("U ecall returns to U", r, 42);
	catch_traps(0);
	return check_finish();
}
