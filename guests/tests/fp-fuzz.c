/*
 * F/D differential fuzz: every F and D operation on pseudo-random operands mixed with edge cases
 * (zeros, infinities, NaNs with payloads, subnormals, limits of the integer conversions, improperly
 * NaN-boxed singles), in every rounding mode through frm. Prints one hash of results and fflags per
 * operation and rounding mode, to be compared with QEMU. Bootargs: n=COUNT (per operation and mode),
 * seed=S, op=NAME (only that operation, printing every operand, result and fflags).
 */
#include <string.h>
#include "sdk.h"

typedef uint64_t (*fn3)(uint64_t, uint64_t, uint64_t);

#define FMV3 "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft2, %3\n\t"
#define CLOB "ft0", "ft1", "ft2", "ft3"
/* binary: fd = op(fa, fb) */
#define BIN(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; (void)c; \
	__asm__ volatile(FMV3 insn " ft3, ft0, ft1\n\tfmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : CLOB); return r; }
#define TER(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; \
	__asm__ volatile(FMV3 insn " ft3, ft0, ft1, ft2\n\tfmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : CLOB); return r; }
#define UN(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; (void)b; (void)c; \
	__asm__ volatile(FMV3 insn " ft3, ft0\n\tfmv.x.d %0, ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : CLOB); return r; }
/* to an integer register */
#define CMP(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; (void)c; \
	__asm__ volatile(FMV3 insn " %0, ft0, ft1" : "=r"(r) : "r"(a), "r"(b), "r"(c) : CLOB); return r; }
#define TOI(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; (void)b; (void)c; \
	__asm__ volatile(FMV3 insn " %0, ft0" : "=r"(r) : "r"(a), "r"(b), "r"(c) : CLOB); return r; }
/* from an integer register */
#define FRI(name, insn) static uint64_t name(uint64_t a, uint64_t b, uint64_t c) { uint64_t r; (void)b; (void)c; \
	__asm__ volatile(insn " ft3, %1\n\tfmv.x.d %0, ft3" : "=r"(r) : "r"(a) : CLOB); return r; }

BIN(fadd_d, "fadd.d") BIN(fsub_d, "fsub.d") BIN(fmul_d, "fmul.d") BIN(fdiv_d, "fdiv.d") UN(fsqrt_d, "fsqrt.d")
TER(fmadd_d, "fmadd.d") TER(fmsub_d, "fmsub.d") TER(fnmadd_d, "fnmadd.d") TER(fnmsub_d, "fnmsub.d")
BIN(fmin_d, "fmin.d") BIN(fmax_d, "fmax.d") BIN(fsgnj_d, "fsgnj.d") BIN(fsgnjn_d, "fsgnjn.d") BIN(fsgnjx_d, "fsgnjx.d")
CMP(feq_d, "feq.d") CMP(flt_d, "flt.d") CMP(fle_d, "fle.d") TOI(fclass_d, "fclass.d")
TOI(fcvt_w_d, "fcvt.w.d") TOI(fcvt_wu_d, "fcvt.wu.d") TOI(fcvt_l_d, "fcvt.l.d") TOI(fcvt_lu_d, "fcvt.lu.d")
FRI(fcvt_d_w, "fcvt.d.w") FRI(fcvt_d_wu, "fcvt.d.wu") FRI(fcvt_d_l, "fcvt.d.l") FRI(fcvt_d_lu, "fcvt.d.lu")
UN(fcvt_s_d, "fcvt.s.d") UN(fcvt_d_s, "fcvt.d.s") TOI(fmv_x_d, "fmv.x.d") FRI(fmv_d_x, "fmv.d.x")
BIN(fadd_s, "fadd.s") BIN(fsub_s, "fsub.s") BIN(fmul_s, "fmul.s") BIN(fdiv_s, "fdiv.s") UN(fsqrt_s, "fsqrt.s")
TER(fmadd_s, "fmadd.s") TER(fmsub_s, "fmsub.s") TER(fnmadd_s, "fnmadd.s") TER(fnmsub_s, "fnmsub.s")
BIN(fmin_s, "fmin.s") BIN(fmax_s, "fmax.s") BIN(fsgnj_s, "fsgnj.s") BIN(fsgnjn_s, "fsgnjn.s") BIN(fsgnjx_s, "fsgnjx.s")
CMP(feq_s, "feq.s") CMP(flt_s, "flt.s") CMP(fle_s, "fle.s") TOI(fclass_s, "fclass.s")
TOI(fcvt_w_s, "fcvt.w.s") TOI(fcvt_wu_s, "fcvt.wu.s") TOI(fcvt_l_s, "fcvt.l.s") TOI(fcvt_lu_s, "fcvt.lu.s")
FRI(fcvt_s_w, "fcvt.s.w") FRI(fcvt_s_wu, "fcvt.s.wu") FRI(fcvt_s_l, "fcvt.s.l") FRI(fcvt_s_lu, "fcvt.s.lu")
TOI(fmv_x_w, "fmv.x.w") FRI(fmv_w_x, "fmv.w.x") UN(fmv_s, "fmv.s")

/* operand kinds: D = binary64 patterns, S = binary32 (boxed), I = integers */
enum { D, S, I };
struct op { const char *name; fn3 fn; int kind; int arity; int fma; };

static const struct op OPS[] = {
	{"fadd.d", fadd_d, D, 2, 0}, {"fsub.d", fsub_d, D, 2, 0}, {"fmul.d", fmul_d, D, 2, 0},
	{"fdiv.d", fdiv_d, D, 2, 0}, {"fsqrt.d", fsqrt_d, D, 1, 0},
	{"fmadd.d", fmadd_d, D, 3, 1}, {"fmsub.d", fmsub_d, D, 3, 2}, {"fnmadd.d", fnmadd_d, D, 3, 3},
	{"fnmsub.d", fnmsub_d, D, 3, 4}, {"fmin.d", fmin_d, D, 2, 0}, {"fmax.d", fmax_d, D, 2, 0},
	{"fsgnj.d", fsgnj_d, D, 2, 0}, {"fsgnjn.d", fsgnjn_d, D, 2, 0}, {"fsgnjx.d", fsgnjx_d, D, 2, 0},
	{"feq.d", feq_d, D, 2, 0}, {"flt.d", flt_d, D, 2, 0}, {"fle.d", fle_d, D, 2, 0},
	{"fclass.d", fclass_d, D, 1, 0},
	{"fcvt.w.d", fcvt_w_d, D, 1, 0}, {"fcvt.wu.d", fcvt_wu_d, D, 1, 0}, {"fcvt.l.d", fcvt_l_d, D, 1, 0},
	{"fcvt.lu.d", fcvt_lu_d, D, 1, 0},
	{"fcvt.d.w", fcvt_d_w, I, 1, 0}, {"fcvt.d.wu", fcvt_d_wu, I, 1, 0}, {"fcvt.d.l", fcvt_d_l, I, 1, 0},
	{"fcvt.d.lu", fcvt_d_lu, I, 1, 0},
	{"fcvt.s.d", fcvt_s_d, D, 1, 0}, {"fcvt.d.s", fcvt_d_s, S, 1, 0},
	{"fmv.x.d", fmv_x_d, D, 1, 0}, {"fmv.d.x", fmv_d_x, I, 1, 0},
	{"fadd.s", fadd_s, S, 2, 0}, {"fsub.s", fsub_s, S, 2, 0}, {"fmul.s", fmul_s, S, 2, 0},
	{"fdiv.s", fdiv_s, S, 2, 0}, {"fsqrt.s", fsqrt_s, S, 1, 0},
	{"fmadd.s", fmadd_s, S, 3, 1}, {"fmsub.s", fmsub_s, S, 3, 2}, {"fnmadd.s", fnmadd_s, S, 3, 3},
	{"fnmsub.s", fnmsub_s, S, 3, 4}, {"fmin.s", fmin_s, S, 2, 0}, {"fmax.s", fmax_s, S, 2, 0},
	{"fsgnj.s", fsgnj_s, S, 2, 0}, {"fsgnjn.s", fsgnjn_s, S, 2, 0}, {"fsgnjx.s", fsgnjx_s, S, 2, 0},
	{"feq.s", feq_s, S, 2, 0}, {"flt.s", flt_s, S, 2, 0}, {"fle.s", fle_s, S, 2, 0},
	{"fclass.s", fclass_s, S, 1, 0},
	{"fcvt.w.s", fcvt_w_s, S, 1, 0}, {"fcvt.wu.s", fcvt_wu_s, S, 1, 0}, {"fcvt.l.s", fcvt_l_s, S, 1, 0},
	{"fcvt.lu.s", fcvt_lu_s, S, 1, 0},
	{"fcvt.s.w", fcvt_s_w, I, 1, 0}, {"fcvt.s.wu", fcvt_s_wu, I, 1, 0}, {"fcvt.s.l", fcvt_s_l, I, 1, 0},
	{"fcvt.s.lu", fcvt_s_lu, I, 1, 0},
	{"fmv.x.w", fmv_x_w, S, 1, 0}, {"fmv.w.x", fmv_w_x, I, 1, 0}, {"fmv.s", fmv_s, S, 1, 0},
};

static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const uint64_t SPECIAL_D[] = {
	0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x7ff0000000000000,
	0xfff0000000000000, 0x7ff8000000000000, 0x7ff8000000000123, 0xfff8000000000000, 0x7ff0000000000001,
	0xfff4000000000000, 0x0000000000000001, 0x800fffffffffffff, 0x0010000000000000, 0x8010000000000000,
	0x7fefffffffffffff, 0xffefffffffffffff, 0x4340000000000000, 0x43e0000000000000, 0xc3e0000000000000,
	0x43f0000000000000, 0x41e0000000000000, 0xc1e0000000000000, 0xc1e0000000200000, 0x41efffffffe00000,
	0x41f0000000000000, 0x3fe0000000000000, 0x3ff8000000000000, 0x4004000000000000, 0xbfe0000000000000,
	0x3ff0000000000001, 0x000fffffffffffff, 0x0008000000000000, 0x3cb0000000000000, 0xc3dfffffffffffff,
	0x43efffffffffffff, 0xbfefffffffffffff, 0x41dfffffffc00000, 0x41e0000000100000, 0xc1e0000000100000,
};
static const uint32_t SPECIAL_S[] = {
	0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00123, 0xffc00000,
	0x7f800001, 0xffa00000, 0x00000001, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
	0x4b800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff,
	0x4f800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbf000000, 0x3f800001, 0x007fffff, 0x00400000,
	0x33800000, 0xdeffffff, 0x5f7fffff, 0xbf7fffff, 0x4effffff,
};
static const uint64_t SPECIAL_I[] = {
	0, 1, (uint64_t)-1, 0x7fffffff, 0x80000000, 0xffffffff80000000, 0xffffffff, 0x100000000,
	0x7fffffffffffffff, 0x8000000000000000, 0x0020000000000001, 0x0020000000000003, 0x1000001, 0x1000003,
	0xfffffffffffff801, 0xffffffffffffffff, 0xfffffffffffff800, 0x8000000000000401, 0x7ffffffffffffc00,
	0x0000000001ffffff, 0xfffffffffe000001,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* a binary64 pattern: special, random bits, or a random value in an interesting exponent band */
static uint64_t gen_d(void)
{
	uint64_t r = rnd();
	switch (r & 7) {
	case 0: case 1:
		return SPECIAL_D[(r >> 8) % COUNT(SPECIAL_D)];
	case 2:
		return rnd();
	case 3: { /* near 1 */
		uint64_t e = 1023 - 4 + ((r >> 8) & 7);
		return (r & 0x8000000000000000) | e << 52 | (rnd() & 0xfffffffffffff);
	}
	case 4: { /* subnormal or near the smallest normals */
		uint64_t e = (r >> 8) % 3;
		return (r & 0x8000000000000000) | e << 52 | (rnd() >> (12 + ((r >> 16) & 31)));
	}
	case 5: { /* near overflow */
		uint64_t e = 2046 - ((r >> 8) & 3);
		return (r & 0x8000000000000000) | e << 52 | (rnd() & 0xfffffffffffff);
	}
	case 6: { /* integers range, with few significant bits sometimes */
		uint64_t e = 1023 + ((r >> 8) % 66);
		uint64_t m = rnd() & 0xfffffffffffff;
		if (r & 0x10000)
			m &= ~0ULL << 30;
		return (r & 0x8000000000000000) | e << 52 | m;
	}
	default: { /* halfway cases for rounding to integer */
		uint64_t e = 1023 + ((r >> 8) % 30);
		uint64_t m = rnd() & 0xfffffffffffff;
		m &= ~0ULL << (52 - (e - 1023));
		m |= 1ULL << (51 - (e - 1023));
		return (r & 0x8000000000000000) | e << 52 | m;
	}
	}
}

static uint32_t gen_s32(void)
{
	uint64_t r = rnd();
	switch (r & 7) {
	case 0: case 1:
		return SPECIAL_S[(r >> 8) % COUNT(SPECIAL_S)];
	case 2:
		return (uint32_t)rnd();
	case 3:
		return (uint32_t)((r >> 63) << 31 | (uint64_t)(127 - 4 + ((r >> 8) & 7)) << 23 | (rnd() & 0x7fffff));
	case 4:
		return (uint32_t)((r >> 63) << 31 | (uint64_t)((r >> 8) % 3) << 23 | ((rnd() & 0x7fffff) >> ((r >> 16) & 15)));
	case 5:
		return (uint32_t)((r >> 63) << 31 | (uint64_t)(254 - ((r >> 8) & 3)) << 23 | (rnd() & 0x7fffff));
	case 6: {
		uint64_t m = rnd() & 0x7fffff;
		if (r & 0x10000)
			m &= ~0ULL << 12;
		return (uint32_t)((r >> 63) << 31 | (uint64_t)(127 + (r >> 8) % 66) << 23 | m);
	}
	default: {
		uint32_t e = 127 + (r >> 8) % 22;
		uint32_t m = (uint32_t)rnd() & 0x7fffff;
		m &= ~0U << (23 - (e - 127));
		m |= 1U << (22 - (e - 127));
		return (uint32_t)((r >> 63) << 31 | (uint64_t)e << 23 | m);
	}
	}
}

static uint64_t gen_s(void)
{
	uint64_t v = 0xffffffff00000000ULL | gen_s32();
	if ((rnd() & 31) == 0)
		v ^= 1ULL << (32 + (rnd() & 31)); /* improperly boxed */
	return v;
}

static uint64_t gen_i(void)
{
	uint64_t r = rnd();
	switch (r & 3) {
	case 0:
		return SPECIAL_I[(r >> 8) % COUNT(SPECIAL_I)];
	case 1:
		return rnd();
	case 2:
		return rnd() >> ((r >> 8) & 63);
	default:
		return (uint64_t)-(int64_t)(rnd() >> ((r >> 8) & 63));
	}
}

static uint64_t gen(int kind)
{
	return kind == D ? gen_d() : kind == S ? gen_s() : gen_i();
}

static uint64_t take_flags(void)
{
	uint64_t f;
	__asm__ volatile("csrrw %0, fflags, zero" : "=r"(f));
	return f;
}

int main(void)
{
	long n = sdk_param_long("n", 3000);
	uint64_t seed = (uint64_t)sdk_param_long("seed", 12345);
	const char *only = sdk_param_str("op", NULL);
	uint64_t total = 0;
	for (unsigned k = 0; k < COUNT(OPS); k++) {
		const struct op *o = &OPS[k];
		if (only && strcmp(only, o->name) != 0)
			continue;
		for (int rm = 0; rm < 5; rm++) {
			state = seed * 0x9e3779b97f4a7c15ULL + k * 977 + rm * 131 + 1;
			uint64_t h = 0xcbf29ce484222325ULL;
			__asm__ volatile("csrw frm, %0" :: "r"((uint64_t)rm));
			take_flags();
			for (long i = 0; i < n; i++) {
				uint64_t a = gen(o->kind), b = gen(o->kind), c = gen(o->kind);
				if (o->fma && (rnd() & 3) == 0) {
					/* addend cancelling the product, exactly or nearly */
					uint64_t p = o->kind == D ? fmul_d(a, b, 0) : fmul_s(a, b, 0);
					c = (p ^ (o->kind == D ? 0x8000000000000000ULL : 0x80000000ULL)) + (rnd() & 3) - 1;
				}
				take_flags();
				uint64_t r = o->fn(a, b, c);
				uint64_t f = take_flags();
				if (only)
					printf("%s rm=%d a=%016lx b=%016lx c=%016lx -> %016lx fflags=%02lx\n", o->name, rm, a, b, c, r, f);
				h = (h ^ r) * 0x100000001b3ULL;
				h = (h ^ f) * 0x100000001b3ULL;
			}
			printf("%-10s rm=%d %016lx\n", o->name, rm, h);
			total ^= h;
		}
	}
	printf("total %016lx\n", total);
	return 0;
}
