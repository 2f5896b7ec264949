/* A extension: lr/sc and every AMO in .w and .d forms (old value, new memory, sign extension). */
#include "check.h"

static volatile uint64_t mem64 __attribute__((aligned(8)));
static volatile uint32_t mem32 __attribute__((aligned(8)));

#define AMO(op, addr, v) ({ uint64_t r_; \
	__asm__ volatile(op " %0, %1, (%2)" : "=r"(r_) : "r"((uint64_t)(v)), "r"(addr) : "memory"); r_; })

#define W(x) ((uint64_t)(int64_t)(int32_t)(uint32_t)(x))

struct amo_case {
	const char *name;
	uint64_t init, operand, want_mem;
};

static uint64_t amo_d(int i, uint64_t v)
{
	switch (i) {
	case 0: return AMO("amoswap.d", &mem64, v);
	case 1: return AMO("amoadd.d", &mem64, v);
	case 2: return AMO("amoxor.d", &mem64, v);
	case 3: return AMO("amoand.d", &mem64, v);
	case 4: return AMO("amoor.d", &mem64, v);
	case 5: return AMO("amomin.d", &mem64, v);
	case 6: return AMO("amomax.d", &mem64, v);
	case 7: return AMO("amominu.d", &mem64, v);
	default: return AMO("amomaxu.d", &mem64, v);
	}
}

static uint64_t amo_w(int i, uint64_t v)
{
	switch (i) {
	case 0: return AMO("amoswap.w", &mem32, v);
	case 1: return AMO("amoadd.w", &mem32, v);
	case 2: return AMO("amoxor.w", &mem32, v);
	case 3: return AMO("amoand.w", &mem32, v);
	case 4: return AMO("amoor.w", &mem32, v);
	case 5: return AMO("amomin.w", &mem32, v);
	case 6: return AMO("amomax.w", &mem32, v);
	case 7: return AMO("amominu.w", &mem32, v);
	default: return AMO("amomaxu.w", &mem32, v);
	}
}

int main(void)
{
	char name[48];
	const uint64_t a = 0x8000000000000005ULL, b = 0x00000000000000f3ULL;
	static const struct amo_case d[] = {
		{ "amoswap.d", a, b, b },
		{ "amoadd.d", a, b, a + b },
		{ "amoxor.d", a, b, a ^ b },
		{ "amoand.d", a, b, a & b },
		{ "amoor.d", a, b, a | b },
		{ "amomin.d", a, b, a },
		{ "amomax.d", a, b, b },
		{ "amominu.d", a, b, b },
		{ "amomaxu.d", a, b, a },
	};
	for (int i = 0; i < 9; i++) {
		mem64 = d[i].init;
		uint64_t old = amo_d(i, d[i].operand);
		snprintf(name, sizeof(name), "%s old", d[i].name);
		check(name, old, d[i].init);
		snprintf(name, sizeof(name), "%s mem", d[i].name);
		check(name, mem64, d[i].want_mem);
	}

	const uint32_t wa = 0x80000005U, wb = 0x7ffffff3U;
	static const struct amo_case w[] = {
		{ "amoswap.w", wa, wb, wb },
		{ "amoadd.w", wa, wb, (uint32_t)(wa + wb) },
		{ "amoxor.w", wa, wb, wa ^ wb },
		{ "amoand.w", wa, wb, wa & wb },
		{ "amoor.w", wa, wb, wa | wb },
		{ "amomin.w", wa, wb, wa },
		{ "amomax.w", wa, wb, wb },
		{ "amominu.w", wa, wb, wb },
		{ "amomaxu.w", wa, wb, wa },
	};
	for (int i = 0; i < 9; i++) {
		mem32 = (uint32_t)w[i].init;
		/* upper operand bits must be ignored */
		uint64_t old = amo_w(i, w[i].operand | 0xabcd000000000000ULL);
		snprintf(name, sizeof(name), "%s old sign-ext", w[i].name);
		check(name, old, W(w[i].init));
		snprintf(name, sizeof(name), "%s mem", w[i].name);
		check(name, mem32, w[i].want_mem);
	}

	uint64_t v, sc;
	mem64 = 41;
	__asm__ volatile("lr.d %0, (%2)\n\taddi %0, %0, 1\n\tsc.d %1, %0, (%2)"
			 : "=&r"(v), "=&r"(sc) : "r"(&mem64) : "memory");
	check("lr.d/sc.d success", sc, 0);
	check("lr.d/sc.d stored", mem64, 42);

	mem32 = 0xfffffffe;
	__asm__ volatile("lr.w %0, (%2)\n\taddi %0, %0, 1\n\tsc.w %1, %0, (%2)"
			 : "=&r"(v), "=&r"(sc) : "r"(&mem32) : "memory");
	check("lr.w sign-ext", v, ~0ULL);
	check("lr.w/sc.w success", sc, 0);
	check("lr.w/sc.w stored", mem32, 0xffffffff);

	mem64 = 7;
	__asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %0, (%2)\n\tsc.d %1, zero, (%2)"
			 : "=&r"(v), "=&r"(sc) : "r"(&mem64) : "memory");
	check_true("second sc.d without lr fails", sc != 0);
	check("failed sc.d leaves memory", mem64, 7);

	mem64 = 100;
	for (int i = 0; i < 10; i++) {
		uint64_t fail;
		do {
			__asm__ volatile("lr.d.aq %0, (%2)\n\taddi %0, %0, 3\n\tsc.d.rl %1, %0, (%2)"
					 : "=&r"(v), "=&r"(fail) : "r"(&mem64) : "memory");
		} while (fail);
	}
	check("lr/sc increment loop", mem64, 130);

	check("amoadd.d.aqrl", AMO("amoadd.d.aqrl", &mem64, 1), 130);
	check("amoswap.w new value", (AMO("amoswap.w", &mem32, 5), mem32), 5);
	return check_finish();
}
