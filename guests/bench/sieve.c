/*
 * sieve: the example. Sieves primes in a 200 KB byte array (byte stores across many pages), mixes
 * xorshift and divisions in a loop. The code is small and sits right before the array, which starts on the
 * code's own page. n = number of rounds.
 */
#include "bench.h"

#define SIZE (200 * 1024)

static uint8_t composite[SIZE];

HOT static uint64_t round_of(uint64_t seed)
{
	for (long i = 0; i < SIZE; i++)
		composite[i] = 0;
	for (long i = 2; i * i < SIZE; i++)
		if (!composite[i])
			for (long j = i * i; j < SIZE; j += i)
				composite[j] = 1;
	uint64_t s = seed | 1, sum = 0;
	for (long k = 0; k < 4096; k++) {
		uint64_t r = xorshift64(&s);
		long idx = (long)(r % SIZE);
		uint64_t d = (r >> 40) | 1;
		sum += composite[idx] ? r / d : (r % d) + (uint64_t)idx;
	}
	long primes = 0;
	for (long i = 2; i < SIZE; i++)
		primes += !composite[i];
	return sum ^ (uint64_t)primes;
}

int main(void)
{
	long n = sdk_param_long("n", 20);
	uint64_t sum = 0;
	for (long r = 0; r < n; r++)
		sum = sum * 31 + round_of(0x9e3779b97f4a7c15ULL + (uint64_t)r);
	return bench_report("sieve", n, sum);
}
