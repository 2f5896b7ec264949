/*
 * Shared helpers of the guest speed suite (guests/bench): each program runs a fixed amount of work given on the
 * command line (n=...) and prints a checksum, so Ferry and QEMU can be compared on the same work and the result
 * checked against QEMU's.
 */
#ifndef FERRY_BENCH_H
#define FERRY_BENCH_H

#include <stdint.h>
#include "sdk.h"

/* Hot code placed right before the program's data (linked with sdk/sdk-packed.ld): code and data share a page. */
#define HOT __attribute__((section(".hot.text"), noinline))

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Prints "NAME: n=N checksum=0x..." and returns main's status. */
static inline int bench_report(const char *name, long n, uint64_t sum)
{
	printf("%s: n=%ld checksum=0x%016lx\n", name, n, (unsigned long)sum);
	return 0;
}

#endif
