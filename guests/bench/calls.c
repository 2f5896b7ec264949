/*
 * calls: function calls and returns across pages. Four small functions each sit on a page of their own and call
 * one another (direct calls, calls through a pointer table, recursion), so every call and return leaves its
 * page. n = work units, in thousands.
 */
#include "bench.h"

#define PAGE_ALIGNED __attribute__((aligned(4096), noinline))

typedef uint64_t (*step_fn)(uint64_t, int);

static uint64_t step_a(uint64_t v, int d);
static uint64_t step_b(uint64_t v, int d);
static uint64_t step_c(uint64_t v, int d);
static uint64_t step_d(uint64_t v, int d);

static step_fn const steps[4] = {step_a, step_b, step_c, step_d};

PAGE_ALIGNED static uint64_t step_a(uint64_t v, int d)
{
	v = v * 6364136223846793005ULL + 1442695040888963407ULL;
	return d > 0 ? step_b(v, d - 1) + 1 : v;
}

PAGE_ALIGNED static uint64_t step_b(uint64_t v, int d)
{
	v ^= v >> 29;
	return d > 0 ? steps[v & 3](v, d - 1) ^ v : v;
}

PAGE_ALIGNED static uint64_t step_c(uint64_t v, int d)
{
	v = (v << 7) | (v >> 57);
	return d > 0 ? step_d(v, d - 1) - v : v;
}

PAGE_ALIGNED static uint64_t step_d(uint64_t v, int d)
{
	v += 0x9e3779b97f4a7c15ULL;
	if (d > 1 && (v & 8))
		return step_a(v, d - 1) + step_c(v >> 1, d - 2);
	return d > 0 ? step_a(v, d - 1) : v;
}

int main(void)
{
	long n = sdk_param_long("n", 300);
	uint64_t sum = 0;
	for (long i = 0; i < n * 1000; i++)
		sum += steps[i & 3]((uint64_t)i, 8);
	return bench_report("calls", n, sum);
}
