/*
 * S mode and Sv39: page tables built in M mode, functions run in S and U mode through
 * them; faults (unmapped, permissions, reserved encodings, misaligned superpages, U/S,
 * SUM/MXR, page-crossing accesses), A/D updates, delegation to S, sret/TSR/TVM/TW,
 * S-level interrupts, counter gating and the S CSR views. Prints what happened: the
 * output is compared with QEMU's (-cpu rv64,h=false,sstc=false,...).
 */
#include "check.h"

long sv_run(long (*fn)(long), long arg, void *stack_top, long mpp);
extern char sv_resume[], s_vector[];
extern volatile uint64_t s_rec[7];

#define PTE_V 1UL
#define PTE_R 2UL
#define PTE_W 4UL
#define PTE_X 8UL
#define PTE_U 16UL
#define PTE_A 64UL
#define PTE_D 128UL
#define LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define ALIAS (0x40000000UL - 0x80000000UL)   /* user alias of the image: VA 0x4000_0000 */
#define TEST_VA 0xC0000000UL                    /* test pages: root[3] -> l1 -> l0 */
#define SATP(root) ((8UL << 60) | ((uintptr_t)(root) >> 12))

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint8_t pages[10][4096] __attribute__((aligned(4096)));
static uint64_t stack[1024] __attribute__((aligned(16)));
static volatile uint64_t m_cause, m_tval, m_count;

static uint64_t pte(const void *pa, uint64_t flags)
{
	return ((uintptr_t)pa >> 12) << 10 | flags;
}

static uintptr_t va(int page)
{
	return TEST_VA + 4096UL * page;
}

static int m_handler(struct sdk_frame *f)
{
	if ((f->mcause == 8 || f->mcause == 9) && f->x[17] == SDK_ECALL_USER_EXIT) {
		f->mepc = (uintptr_t)sv_resume;
		f->mstatus |= SDK_MSTATUS_MPP;
		return 1;
	}
	if ((int64_t)f->mcause < 0)
		return 0;
	m_cause = f->mcause;
	m_tval = f->mtval;
	m_count++;
	if (f->mcause == 1 || f->mcause == 12) {
		f->mepc = f->x[1];
		return 1;
	}
	uintptr_t pc = f->mepc;
	if (pc >= 0x40000000UL && pc < 0x80000000UL)
		pc -= ALIAS;
	uint16_t lo = *(const volatile uint16_t *)pc;
	f->mepc += (lo & 3) == 3 ? 4 : 2;
	return 1;
}

static void reset_traps(void)
{
	m_cause = m_tval = m_count = 0;
	s_rec[2] = s_rec[3] = s_rec[4] = s_rec[5] = 0;
}

static void show_traps(const char *name)
{
	printf("%-34s M: n=%lu cause=0x%lx tval=0x%lx  S: n=%lu cause=0x%lx tval=0x%lx\n", name,
	       m_count, m_cause, m_tval, s_rec[5], s_rec[2], s_rec[3]);
	reset_traps();
}

static long run(long (*fn)(long), long arg, int mode)
{
	if (mode == 0)
		return sv_run((long (*)(long))((uintptr_t)fn + ALIAS), arg, (void *)((uintptr_t)(stack + 1024) + ALIAS), 0);
	return sv_run(fn, arg, stack + 1024, mode);
}

static void result(const char *name, long v)
{
	printf("%-34s = 0x%lx\n", name, (uint64_t)v);
}

/* ---- functions run in S or U mode ---- */

static long load8(long a) { return *(volatile uint8_t *)a; }
static long load64(long a) { return *(volatile uint64_t *)a; }
static long store8(long a) { *(volatile uint8_t *)a = 0xa5; return 1; }
static long store64(long a) { *(volatile uint64_t *)a = 0x1122334455667788UL; return 1; }
static long call(long a) { return ((long (*)(long))a)(7); }
static long amoadd(long a)
{
	long r;
	__asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(r) : "r"(a), "r"(1L) : "memory");
	return r;
}
static long lr_load(long a)
{
	long r;
	__asm__ volatile("lr.d %0, (%1)" : "=r"(r) : "r"(a) : "memory");
	return r;
}
static long read_sstatus(long x) { (void)x; return sdk_csr_read(sstatus); }
static long read_satp(long x) { (void)x; return sdk_csr_read(satp); }
static long do_sfence(long x) { __asm__ volatile("sfence.vma" ::: "memory"); return x; }
static long do_wfi(long x) { __asm__ volatile("wfi"); return x; }
static long do_ecall(long x) { register long a7 __asm__("a7") = 0; __asm__ volatile("ecall" :: "r"(a7) : "memory"); return x; }
static long do_ebreak(long x) { __asm__ volatile("ebreak" ::: "memory"); return x; }
static long do_sret(long x)
{
	/* sepc -> the instruction after sret, SPP = S */
	__asm__ volatile("la t0, 1f\n\tcsrw sepc, t0\n\tli t0, 0x100\n\tcsrs sstatus, t0\n\tsret\n1:" ::: "t0", "memory");
	return x + 1;
}
static long counters(long which)
{
	uint64_t v;
	switch (which) {
	case 0: __asm__ volatile("rdcycle a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	case 1: __asm__ volatile("rdtime a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	default: __asm__ volatile("rdinstret a0\n\tmv %0, a0" : "=r"(v) :: "a0"); break;
	}
	return v != 0;
}
static long wait_irq(long n)
{
	sdk_csr_clear(sstatus, 2);
	for (volatile long i = 0; i < n && s_rec[5] == 0; i++)
		;
	return (long)s_rec[5];
}
static long s_enable_wait(long n)
{
	sdk_csr_set(sstatus, 2);
	long r = wait_irq(n);
	sdk_csr_clear(sstatus, 2);
	return r;
}
static long set_sum(long on)
{
	if (on)
		sdk_csr_set(sstatus, 1UL << 18);
	else
		sdk_csr_clear(sstatus, 1UL << 18);
	return *(volatile uint8_t *)va(3);
}
static long mxr_load(long a)
{
	sdk_csr_set(sstatus, 1UL << 19);
	long v = *(volatile uint8_t *)a;
	sdk_csr_clear(sstatus, 1UL << 19);
	return v;
}
static long sum_fetch(long a)
{
	sdk_csr_set(sstatus, 1UL << 18);
	long v = ((long (*)(long))a)(1);
	sdk_csr_clear(sstatus, 1UL << 18);
	return v;
}

static void build_tables(void)
{
	for (int i = 0; i < 512; i++)
		root[i] = l1[i] = l0[i] = 0;
	root[1] = pte((void *)0x80000000UL, LEAF | PTE_U);     /* user alias of the image */
	root[2] = pte((void *)0x80000000UL, LEAF);             /* identity, S only */
	root[3] = pte(l1, PTE_V);                               /* test pages */
	root[4] = pte((void *)0x80000000UL, LEAF | (1UL << 54)); /* reserved bit 54 */
	root[5] = pte((void *)0x80000000UL, PTE_V | PTE_W | PTE_A | PTE_D); /* W only: reserved */
	root[6] = pte((void *)0x80000000UL, PTE_V | PTE_W | PTE_X | PTE_A | PTE_D); /* W+X: reserved */
	root[7] = pte((void *)0x80200000UL, LEAF);             /* misaligned gigapage */
	root[8] = pte((void *)0x0UL, PTE_V);                    /* table outside RAM */
	root[9] = pte(l1, PTE_V | PTE_A);                       /* pointer with A set */
	root[10] = pte((void *)0x80000000UL, LEAF | (1UL << 63)); /* N bit */
	root[11] = pte((void *)0x80000000UL, LEAF | (1UL << 61)); /* PBMT */
	l1[0] = pte(l0, PTE_V);
	l1[1] = pte((void *)0x80401000UL, LEAF);               /* misaligned 2 MiB page */
	l1[2] = pte((void *)0x80400000UL, LEAF);               /* 2 MiB page */
	l0[0] = pte(pages[0], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	l0[1] = pte(pages[1], PTE_V | PTE_R | PTE_A | PTE_D);
	l0[2] = pte(pages[2], PTE_V | PTE_X | PTE_A);
	l0[3] = pte(pages[3], PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
	l0[4] = pte(pages[4], PTE_V | PTE_R | PTE_W);
	l0[5] = pte(pages[5], PTE_R | PTE_W | PTE_A | PTE_D);  /* not valid */
	l0[6] = pte(pages[6], PTE_V | PTE_R | PTE_X | PTE_A);
	l0[7] = pte(pages[7], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	/* l0[8] unmapped */
	l0[9] = pte(l0, PTE_V);                                 /* pointer at the last level */
	for (int p = 0; p < 10; p++)
		for (int i = 0; i < 4096; i++)
			pages[p][i] = (uint8_t)(p * 16 + i);
	/* pages 2, 3, 6: "li a0, 0x28; ret" (compressed: c.li a0, 10; c.slli a0, 2; c.ret) */
	static const uint16_t code[] = { 0x4529, 0x050a, 0x8082 };
	for (int i = 0; i < 3; i++) {
		((uint16_t *)pages[2])[i] = code[i];
		((uint16_t *)pages[3])[i] = code[i];
		((uint16_t *)pages[6])[i] = code[i];
	}
	*(volatile uint64_t *)0x80400010UL = 0x5555aaaa5555aaaaUL;
	__asm__ volatile("fence.i" ::: "memory");
}

static void faults(const char *mode_name, int mode)
{
	char name[64];
	static const struct { const char *what; long (*fn)(long); uintptr_t a; } cases[] = {
		{ "load RW", load64, TEST_VA },
		{ "store RW", store64, TEST_VA + 8 },
		{ "load R", load8, TEST_VA + 4096 + 3 },
		{ "store R", store8, TEST_VA + 4096 + 3 },
		{ "amo R", amoadd, TEST_VA + 4096 + 8 },
		{ "lr R", lr_load, TEST_VA + 4096 + 8 },
		{ "load X", load8, TEST_VA + 2 * 4096 + 5 },
		{ "fetch X", call, TEST_VA + 2 * 4096 },
		{ "load U", load8, TEST_VA + 3 * 4096 + 0x101 },
		{ "store U", store8, TEST_VA + 3 * 4096 + 0x101 },
		{ "fetch U", call, TEST_VA + 3 * 4096 },
		{ "load invalid", load8, TEST_VA + 5 * 4096 + 9 },
		{ "store invalid", store8, TEST_VA + 5 * 4096 + 9 },
		{ "fetch invalid", call, TEST_VA + 5 * 4096 },
		{ "fetch RX", call, TEST_VA + 6 * 4096 },
		{ "store RX", store8, TEST_VA + 6 * 4096 + 100 },
		{ "load unmapped", load8, TEST_VA + 8 * 4096 + 1 },
		{ "load last-level ptr", load8, TEST_VA + 9 * 4096 },
		{ "load misaligned 2M", load8, TEST_VA + (1UL << 21) + 16 },
		{ "load 2M page", load64, TEST_VA + (2UL << 21) + 16 },
		{ "load reserved bit 54", load8, 0x100000000UL + 64 },
		{ "load W-only", load8, 0x140000000UL + 64 },
		{ "load W+X", load8, 0x180000000UL + 64 },
		{ "load misaligned 1G", load8, 0x1c0000000UL + 64 },
		{ "load table outside RAM", load8, 0x200000000UL },
		{ "load ptr with A", load64, 0x240000000UL },
		{ "load N bit", load8, 0x280000000UL + 64 },
		{ "load PBMT", load8, 0x2c0000000UL + 64 },
		{ "load non-canonical", load8, 0x8000000000UL },
		{ "load canonical high", load8, 0xffffffffc0000000UL },
		{ "load cross 7/8", load64, TEST_VA + 8 * 4096 - 4 },
		{ "store cross 7/8", store64, TEST_VA + 8 * 4096 - 4 },
		{ "load cross 6/7", load64, TEST_VA + 7 * 4096 - 2 },
		{ "store cross 0/1", store64, TEST_VA + 4096 - 2 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "%s %s", mode_name, cases[i].what);
		long r = run(cases[i].fn, (long)cases[i].a, mode);
		printf("%-34s r=0x%lx ", name, (uint64_t)r);
		show_traps("");
	}
	result("page 7 tail after store cross", *(volatile uint32_t *)(pages[7] + 4092));
	result("page 0 tail after store cross", *(volatile uint16_t *)(pages[0] + 4094));
}

int main(void)
{
	char name[64];
	sdk_set_exception_handler(m_handler);
	sdk_pmp_allow_all();
	build_tables();
	s_rec[0] = 0;
	sdk_csr_write(stvec, (uintptr_t)s_vector);
	sdk_csr_write(sscratch, (uintptr_t)s_rec);
	result("misa", sdk_csr_read(misa));

	/* satp: modes QEMU 7.2 accepts (Bare, Sv39, Sv48, Sv57) and ignores */
	static const uint64_t satps[] = { 9UL << 60 | 5, 10UL << 60 | 6, 1UL << 60 | 7, 11UL << 60 | 8, 0xffffUL << 44 | 9 };
	for (unsigned i = 0; i < 5; i++) {
		sdk_csr_write(satp, satps[i]);
		snprintf(name, sizeof(name), "satp after writing 0x%lx", satps[i]);
		result(name, sdk_csr_read(satp));
	}
	sdk_csr_write(satp, SATP(root));
	__asm__ volatile("sfence.vma" ::: "memory");

	/* S mode, exceptions not delegated: M sees them */
	sdk_csr_write(medeleg, 0);
	reset_traps();
	result("S sstatus (SPP/SIE masked)", run(read_sstatus, 0, 1) & ~0x122UL);
	result("S satp", run(read_satp, 0, 1));
	faults("S", 1);

	/* the same with page faults delegated to S */
	sdk_csr_write(medeleg, (1UL << 12) | (1UL << 13) | (1UL << 15) | (1UL << 5) | (1UL << 7) | (1UL << 1));
	faults("S deleg", 1);

	/* U mode, page faults delegated */
	faults("U", 0);
	sdk_csr_write(medeleg, 0);
	faults("U M", 0);

	/* SUM, MXR */
	result("S SUM=0 load U", run(set_sum, 0, 1));
	show_traps("S SUM=0 load U");
	result("S SUM=1 load U", run(set_sum, 1, 1));
	show_traps("S SUM=1 load U");
	result("S MXR load X", run(mxr_load, TEST_VA + 2 * 4096 + 5, 1));
	show_traps("S MXR load X");
	result("S SUM fetch U", run(sum_fetch, TEST_VA + 3 * 4096, 1));
	show_traps("S SUM fetch U");
	sdk_csr_set(mstatus, 1UL << 19);
	result("U MXR load X", run(load8, TEST_VA + 2 * 4096 + 5, 0));
	show_traps("U MXR (set in M) load X");
	sdk_csr_clear(mstatus, 1UL << 19);

	/* A and D */
	result("PTE page 4 before", l0[4] & 0xff);
	result("S load page 4", run(load8, TEST_VA + 4 * 4096 + 1, 1));
	result("PTE page 4 after load", l0[4] & 0xff);
	result("S store page 4", run(store8, TEST_VA + 4 * 4096 + 1, 1));
	result("PTE page 4 after store", l0[4] & 0xff);
	l0[4] &= ~(PTE_A | PTE_D);
	result("S store again (TLB has it)", run(store8, TEST_VA + 4 * 4096 + 2, 1));
	result("PTE page 4 cleared, no sfence", l0[4] & 0xff);
	__asm__ volatile("sfence.vma" ::: "memory");
	result("S amo page 4 after sfence", run(amoadd, TEST_VA + 4 * 4096 + 8, 1));
	result("PTE page 4 after amo", l0[4] & 0xff);
	l0[4] &= ~(PTE_A | PTE_D);
	__asm__ volatile("sfence.vma" ::: "memory");
	result("S lr page 4", run(lr_load, TEST_VA + 4 * 4096 + 8, 1));
	result("PTE page 4 after lr", l0[4] & 0xff);
	show_traps("A/D");

	/* MPRV: M-mode loads and stores with MPP's translation */
	sdk_csr_write(medeleg, 0);
	uint64_t st = sdk_csr_read(mstatus);
	sdk_csr_clear(mstatus, SDK_MSTATUS_MPP);
	sdk_csr_set(mstatus, (1UL << 11) | (1UL << 17));
	uint64_t v = *(volatile uint64_t *)(TEST_VA + 2 * 4096 + 0x800);
	sdk_csr_write(mstatus, st);
	result("M MPRV(S) load X page", v);
	show_traps("M MPRV(S) load X page");
	sdk_csr_clear(mstatus, SDK_MSTATUS_MPP);
	sdk_csr_set(mstatus, (1UL << 11) | (1UL << 17));
	v = *(volatile uint64_t *)(TEST_VA + 0x10);
	sdk_csr_write(mstatus, st);
	result("M MPRV(S) load RW page", v);
	show_traps("M MPRV(S) load RW page");

	/* privileged instructions in S and U: TVM, TSR, TW */
	result("S sfence.vma", run(do_sfence, 1, 1));
	show_traps("S sfence.vma");
	result("U sfence.vma", run(do_sfence, 1, 0));
	show_traps("U sfence.vma");
	result("U wfi", run(do_wfi, 1, 0));
	show_traps("U wfi");
	result("S sret", run(do_sret, 1, 1));
	show_traps("S sret");
	result("U sret", run(do_sret, 1, 0));
	show_traps("U sret");
	result("S ecall", run(do_ecall, 1, 1));
	show_traps("S ecall");
	sdk_csr_set(mstatus, (1UL << 20) | (1UL << 21) | (1UL << 22));
	result("S sfence.vma TVM", run(do_sfence, 1, 1));
	show_traps("S sfence.vma TVM");
	result("S satp TVM", run(read_satp, 1, 1));
	show_traps("S satp TVM");
	result("S wfi TW", run(do_wfi, 1, 1));
	show_traps("S wfi TW");
	result("S sret TSR", run(do_sret, 1, 1));
	show_traps("S sret TSR");
	sdk_csr_clear(mstatus, (1UL << 20) | (1UL << 21) | (1UL << 22));
	sdk_csr_write(medeleg, (1UL << 2) | (1UL << 3));
	result("U ebreak deleg", run(do_ebreak, 1, 0));
	show_traps("U ebreak deleg");
	result("U wfi deleg", run(do_wfi, 1, 0));
	show_traps("U wfi deleg");
	sdk_csr_write(medeleg, 0);

	/* counters */
	for (int c = 0; c < 3; c++) {
		for (int en = 0; en < 4; en++) {
			sdk_csr_write(mcounteren, (en & 1) ? 7 : 0);
			sdk_csr_write(scounteren, (en & 2) ? 7 : 0);
			snprintf(name, sizeof(name), "S counter %d m=%d s=%d", c, en & 1, en >> 1);
			result(name, run(counters, c, 1));
			show_traps(name);
			snprintf(name, sizeof(name), "U counter %d m=%d s=%d", c, en & 1, en >> 1);
			result(name, run(counters, c, 0));
			show_traps(name);
		}
	}
	sdk_csr_write(mcounteren, 0);
	sdk_csr_write(scounteren, 0);

	/* S-level interrupts: SSIP and STIP written by M, delegated */
	sdk_csr_write(mideleg, (1UL << 1) | (1UL << 5) | (1UL << 9));
	sdk_csr_write(mie, (1UL << 1) | (1UL << 5) | (1UL << 9));
	result("sie", sdk_csr_read(sie));
	sdk_csr_set(mip, 1UL << 1);
	result("sip with SSIP", sdk_csr_read(sip));
	result("S SIE=0 waits", run(wait_irq, 2000, 1));
	show_traps("S SIE=0 SSIP");
	result("S SIE=1 takes it", run(s_enable_wait, 2000, 1));
	printf("S interrupt scause=0x%lx sstatus.SPP=%lu SPIE=%lu\n", s_rec[2], (s_rec[6] >> 8) & 1, (s_rec[6] >> 5) & 1);
	reset_traps();
	sdk_csr_write(mie, (1UL << 1) | (1UL << 5) | (1UL << 9));
	sdk_csr_set(mip, 1UL << 5);
	result("U takes STIP with SIE=0", run(wait_irq, 2000, 0));
	printf("U interrupt scause=0x%lx sepc-is-user=%d\n", s_rec[2], s_rec[4] >> 30 == 1);
	sdk_csr_clear(mip, 1UL << 5);
	reset_traps();
	sdk_csr_write(mie, (1UL << 1) | (1UL << 5) | (1UL << 9));
	sdk_csr_set(mip, (1UL << 9) | (1UL << 1));
	result("S two pending: count", run(s_enable_wait, 2000, 1));
	printf("last scause=0x%lx\n", s_rec[2]);
	sdk_csr_clear(mip, (1UL << 9) | (1UL << 1));
	reset_traps();
	/* not delegated: S-level interrupts go to M, which has no handler for them: keep them off */
	sdk_csr_write(mie, 0);
	sdk_csr_write(mideleg, 0);
	result("sie without deleg", sdk_csr_read(sie));
	result("mip", sdk_csr_read(mip) & ~0x80UL);

	sdk_csr_write(satp, 0);
	printf("done\n");
	return 0;
}
