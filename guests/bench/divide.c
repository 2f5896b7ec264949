/*
 * divide: division-heavy integer code: Euclid's gcd, modular exponentiation with 64-bit remainders, 32-bit
 * signed and unsigned divisions of mixed signs, and decimal digit sums. n = work units, in thousands.
 */
#include "bench.h"

HOT static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

HOT static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)
{
	uint64_t r = 1;
	b %= m;
	while (e) {
		if (e & 1)
			r = r * b % m;
		b = b * b % m;
		e >>= 1;
	}
	return r;
}

HOT static uint64_t digits(uint64_t v)
{
	uint64_t s = 0;
	while (v) {
		s += v % 10;
		v /= 10;
	}
	return s;
}

int main(void)
{
	long n = sdk_param_long("n", 300);
	uint64_t s = 0x3c6ef372fe94f82bULL, sum = 0;
	for (long i = 0; i < n * 1000; i++) {
		uint64_t a = xorshift64(&s), b = xorshift64(&s);
		sum += gcd(a >> 20, b >> 24);
		sum += powmod(a, b & 0xff, (b >> 33) | 3);
		int32_t x = (int32_t)a, y = (int32_t)(b >> 40) | 1;
		sum += (uint64_t)(int64_t)(x / y) + (uint64_t)(int64_t)(x % y);
		sum += (uint32_t)a / ((uint32_t)b | 1);
		sum += digits(a);
	}
	return bench_report("divide", n, sum);
}
