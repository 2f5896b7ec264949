/*
 * cpu: fixed integer work for interpreter-vs-QEMU speed comparisons.
 * iters=N (37700000: about 1e9 instructions, 26.5 per iteration as
 * measured on QEMU with -icount). Pure compute, no timing output.
 */
#include "sdk.h"

static uint32_t table[256];

static uint64_t run(long iters)
{
	uint64_t x = 0x243f6a8885a308d3ULL, acc = 0;
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t m = x * 0x2545f4914f6cdd1dULL;
		uint32_t idx = (uint32_t)(m >> 56);
		uint32_t t = table[idx];
		if (m & 1)
			acc += t ^ (uint64_t)i;
		else
			acc = ((acc << 1) | (acc >> 63)) - t;
		table[idx] = t + (uint32_t)acc;
	}
	for (int i = 0; i < 256; i++)
		acc = (acc ^ table[i]) * 0x100000001b3ULL;
	return acc;
}

int main(void)
{
	long iters = sdk_param_long("iters", 37700000);
	printf("cpu: iters=%ld\n", iters);
	printf("cpu: checksum=0x%016lx\n", (unsigned long)run(iters));
	return 0;
}
