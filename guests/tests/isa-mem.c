/* Loads and stores: widths, sign/zero extension, offsets, misaligned accesses; fences. */
#include "check.h"

static uint8_t buf[64] __attribute__((aligned(16)));
static volatile uint32_t code[2] __attribute__((aligned(8)));
static uint8_t pages[8192] __attribute__((aligned(4096)));

static void fill(void)
{
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(0x80 + i * 7);
}

/* little-endian reference value of n bytes at off */
static uint64_t le(int off, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | buf[off + i];
	return v;
}

static uint64_t sext(uint64_t v, int bytes)
{
	int sh = 64 - 8 * bytes;
	return (uint64_t)((int64_t)(v << sh) >> sh);
}

int main(void)
{
	char name[48];
	uint64_t r;

	fill();
	check("lb sign-ext", LOAD("lb", buf), sext(le(0, 1), 1));
	check("lbu", LOAD("lbu", buf), le(0, 1));
	check("lh sign-ext", LOAD("lh", buf + 2), sext(le(2, 2), 2));
	check("lhu", LOAD("lhu", buf + 2), le(2, 2));
	check("lw sign-ext", LOAD("lw", buf + 4), sext(le(4, 4), 4));
	check("lwu", LOAD("lwu", buf + 4), le(4, 4));
	check("ld", LOAD("ld", buf + 8), le(8, 8));
	__asm__ volatile(NORVC("lw %0, -4(%1)") : "=r"(r) : "r"(buf + 20));
	check("lw negative offset", r, sext(le(16, 4), 4));
	__asm__ volatile(NORVC("ld %0, 2040(%1)") : "=r"(r) : "r"((uintptr_t)buf + 16 - 2040));
	check("ld offset 2040", r, le(16, 8));

	STORE("sb", buf + 1, 0x1122334455667788ULL);
	check("sb", buf[1], 0x88);
	check("sb leaves neighbours", buf[0] == 0x80 && buf[2] == (uint8_t)(0x80 + 14), 1);
	STORE("sh", buf + 2, 0xaabbccddULL);
	check("sh", le(2, 2), 0xccdd);
	STORE("sw", buf + 4, 0x1122334455667788ULL);
	check("sw", le(4, 4), 0x55667788);
	STORE("sd", buf + 8, 0x0123456789abcdefULL);
	check("sd", le(8, 8), 0x0123456789abcdefULL);
	check("sd byte order", buf[8], 0xef);

	/* QEMU performs misaligned loads and stores in M mode without trapping */
	catch_traps(1);
	trap_reset();
	static const struct { const char *op; int n; int sign; } loads[] = {
		{ "lh", 2, 1 }, { "lhu", 2, 0 }, { "lw", 4, 1 }, { "lwu", 4, 0 }, { "ld", 8, 0 },
	};
	for (unsigned i = 0; i < sizeof(loads) / sizeof(loads[0]); i++)
		for (int off = 1; off < loads[i].n; off += 2) {
			fill();
			uint8_t *p = buf + 16 + off;
			switch (i) {
			case 0: r = LOAD("lh", p); break;
			case 1: r = LOAD("lhu", p); break;
			case 2: r = LOAD("lw", p); break;
			case 3: r = LOAD("lwu", p); break;
			default: r = LOAD("ld", p); break;
			}
			uint64_t want = le(16 + off, loads[i].n);
			snprintf(name, sizeof(name), "misaligned %s +%d", loads[i].op, off);
			check(name, r, loads[i].sign ? sext(want, loads[i].n) : want);
		}
	check_no_trap("misaligned loads");

	static const struct { const char *op; int n; } stores[] = { { "sh", 2 }, { "sw", 4 }, { "sd", 8 } };
	for (unsigned i = 0; i < 3; i++)
		for (int off = 1; off < stores[i].n; off += 2) {
			fill();
			uint8_t before = buf[16 + off - 1], after = buf[16 + off + stores[i].n];
			uint8_t *p = buf + 16 + off;
			uint64_t v = 0xf0e1d2c3b4a59687ULL;
			switch (i) {
			case 0: STORE("sh", p, v); break;
			case 1: STORE("sw", p, v); break;
			default: STORE("sd", p, v); break;
			}
			uint64_t mask = stores[i].n == 8 ? ~0ULL : (1ULL << (8 * stores[i].n)) - 1;
			snprintf(name, sizeof(name), "misaligned %s +%d", stores[i].op, off);
			check(name, le(16 + off, stores[i].n), v & mask);
			snprintf(name, sizeof(name), "misaligned %s +%d neighbours", stores[i].op, off);
			check_true(name, buf[16 + off - 1] == before && buf[16 + off + stores[i].n] == after);
		}
	for (int i = 0; i < 16; i++)
		pages[4096 - 8 + i] = (uint8_t)(0x10 + i);
	check("misaligned ld across a page", LOAD("ld", pages + 4096 - 3),
	      0x1c1b1a1918171615ULL);
	check("misaligned lw across a page", LOAD("lw", pages + 4096 - 1), 0x1a191817);
	STORE("sd", pages + 4096 - 5, 0x8877665544332211ULL);
	check("misaligned sd across a page (low)", LOAD("lwu", pages + 4096 - 4), 0x55443322);
	check("misaligned sd across a page (high)", LOAD("lwu", pages + 4096), 0x1b887766);
	check_no_trap("misaligned stores");
	catch_traps(0);

	/* self-modifying code: li a0, N; ret */
	code[0] = 0x00500513;
	code[1] = 0x00008067;
	__asm__ volatile("fence.i" ::: "memory");
	check("fence.i: run written code", ((long (*)(void))(uintptr_t)code)(), 5);
	code[0] = 0x00700513;
	__asm__ volatile("fence.i" ::: "memory");
	check("fence.i: run rewritten code", ((long (*)(void))(uintptr_t)code)(), 7);
	__asm__ volatile("fence rw, rw\n\tfence iorw, iorw\n\tfence" ::: "memory");
	check_true("fence variants execute", 1);
	return check_finish();
}
