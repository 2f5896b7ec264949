/*
 * hash: an open-addressing hash table (linear probing, 64 Ki slots) filled to 3/4 with random keys, then
 * looked up with hits and misses, then cleared. n = number of rounds.
 */
#include "bench.h"

#define SLOTS (64 * 1024)
#define FILL (SLOTS / 4 * 3)

static uint64_t table_keys[SLOTS];
static uint32_t table_vals[SLOTS];

static inline uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

HOT static void put(uint64_t k, uint32_t v)
{
	uint64_t i = mix(k) & (SLOTS - 1);
	while (table_keys[i] != 0 && table_keys[i] != k)
		i = (i + 1) & (SLOTS - 1);
	table_keys[i] = k;
	table_vals[i] = v;
}

HOT static long get(uint64_t k)
{
	uint64_t i = mix(k) & (SLOTS - 1);
	while (table_keys[i] != 0) {
		if (table_keys[i] == k)
			return table_vals[i];
		i = (i + 1) & (SLOTS - 1);
	}
	return -1;
}

int main(void)
{
	long n = sdk_param_long("n", 4);
	uint64_t sum = 0;
	for (long r = 0; r < n; r++) {
		uint64_t s = 0x51afd7ed558ccdffULL + (uint64_t)r;
		for (long i = 0; i < FILL; i++)
			put(xorshift64(&s) | 1, (uint32_t)i);
		s = 0x51afd7ed558ccdffULL + (uint64_t)r;
		for (long i = 0; i < FILL; i++) {
			uint64_t k = xorshift64(&s) | 1;
			sum += (uint64_t)get(i & 1 ? k : k + 2);
		}
		for (long i = 0; i < SLOTS; i++)
			table_keys[i] = 0;
	}
	return bench_report("hash", n, sum);
}
