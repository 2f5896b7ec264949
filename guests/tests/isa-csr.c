/* CSR instructions and machine CSRs: mscratch, misa, mstatus.MPP, mtvec, mepc, counters, mcounteren. */
#include "check.h"

#define CSR_OP(op, csr, v) ({ uint64_t r_; \
	__asm__ volatile(op " %0, " #csr ", %1" : "=r"(r_) : "r"((uint64_t)(v)) : "memory"); r_; })
#define CSR_OPI(op, csr, imm) ({ uint64_t r_; \
	__asm__ volatile(op " %0, " #csr ", %1" : "=r"(r_) : "K"(imm) : "memory"); r_; })

static long user_read(long which)
{
	uint64_t v;
	/* fixed rd = a0 so the trapping instruction word is known */
	switch (which) {
	case 0: __asm__ volatile("rdcycle a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	case 1: __asm__ volatile("rdtime a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	default: __asm__ volatile("rdinstret a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	}
	return v != 0;
}

static const char *const counter[] = { "cycle", "time", "instret" };
static const uint32_t counter_insn[] = { 0xc0002573, 0xc0102573, 0xc0202573 };

int main(void)
{
	char name[64];

	sdk_csr_write(mscratch, 0x1122334455667788ULL);
	check("mscratch write/read", sdk_csr_read(mscratch), 0x1122334455667788ULL);
	check("csrrw returns old", CSR_OP("csrrw", mscratch, 0xf0), 0x1122334455667788ULL);
	check("csrrs returns old", CSR_OP("csrrs", mscratch, 0x0f), 0xf0);
	check("csrrs set bits", sdk_csr_read(mscratch), 0xff);
	check("csrrc returns old", CSR_OP("csrrc", mscratch, 0x3c), 0xff);
	check("csrrc cleared bits", sdk_csr_read(mscratch), 0xc3);
	check("csrrwi", CSR_OPI("csrrwi", mscratch, 31), 0xc3);
	check("csrrsi", CSR_OPI("csrrsi", mscratch, 0), 31);
	check("csrrci", CSR_OPI("csrrci", mscratch, 1), 31);
	check("csrrci result", sdk_csr_read(mscratch), 30);
	sdk_csr_write(mscratch, 0);

	uint64_t misa = sdk_csr_read(misa);
	check("misa MXL (2 = 64-bit)", misa >> 62, 2);
	static const char ext[] = "IMACU";
	for (int i = 0; ext[i]; i++) {
		snprintf(name, sizeof(name), "misa has %c", ext[i]);
		check(name, (misa >> (ext[i] - 'A')) & 1, 1);
	}
	check("mhartid", sdk_csr_read(mhartid), 0);

	uint64_t saved = sdk_csr_read(mstatus);
	sdk_csr_set(mstatus, SDK_MSTATUS_MPP);
	check("mstatus.MPP = M", (sdk_csr_read(mstatus) >> 11) & 3, 3);
	sdk_csr_clear(mstatus, SDK_MSTATUS_MPP);
	check("mstatus.MPP = U", (sdk_csr_read(mstatus) >> 11) & 3, 0);
	sdk_csr_write(mstatus, saved);

	uint64_t tvec = sdk_csr_read(mtvec);
	sdk_csr_write(mtvec, 0x80001000);
	check("mtvec write/read", sdk_csr_read(mtvec), 0x80001000);
	sdk_csr_write(mtvec, tvec);
	sdk_csr_write(mepc, 0x80000102);
	check("mepc write/read", sdk_csr_read(mepc), 0x80000102);

	uint64_t c0 = sdk_csr_read(mcycle), i0 = sdk_csr_read(minstret);
	uint64_t t0 = sdk_mtime(), tcsr = sdk_csr_read(time);
	for (volatile int k = 0; k < 1000; k++)
		;
	uint64_t c1 = sdk_csr_read(cycle), i1 = sdk_csr_read(instret), t1 = sdk_csr_read(time);
	check_true("mcycle/cycle advance", c1 > c0);
	check_true("minstret/instret advance", i1 > i0);
	check_true("time CSR tracks mtime", tcsr >= t0 && t1 >= tcsr && t1 <= sdk_mtime());

	/* U-mode counter access is gated by mcounteren (and scounteren where S exists) */
	catch_traps(1);
	sdk_pmp_allow_all();
	sdk_csr_write(mcounteren, 0);
	trap_reset();
	__asm__ volatile("csrw scounteren, %0" :: "r"(7L));
	trap_reset();
	for (int c = 0; c < 3; c++) {
		sdk_run_user(user_read, c);
		snprintf(name, sizeof(name), "U read %s, mcounteren=0", counter[c]);
		check_trap(name, 2, counter_insn[c]);
	}
	sdk_csr_write(mcounteren, 7);
	for (int c = 0; c < 3; c++) {
		long r = sdk_run_user(user_read, c);
		snprintf(name, sizeof(name), "U read %s, mcounteren=7", counter[c]);
		check_no_trap(name);
		snprintf(name, sizeof(name), "U %s nonzero", counter[c]);
		check(name, r, 1);
	}
	sdk_csr_write(mcounteren, 0);

	trap_reset();
	__asm__ volatile("csrw mhartid, zero");
	check_trap("write read-only mhartid", 2, 0xf1401073);
	uint64_t v;
	__asm__ volatile("csrr %0, mstatus" : "=r"(v));
	check_no_trap("csrr mstatus");
	catch_traps(0);
	return check_finish();
}
