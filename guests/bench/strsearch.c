/*
 * strsearch: Boyer-Moore-Horspool search of several patterns in a 128 KiB text over a small alphabet (so
 * there are partial matches), plus a naive search of a short pattern. n = number of rounds.
 */
#include "bench.h"

#define LEN (128 * 1024)

static char text[LEN + 1];
static long shift[256];

HOT static long horspool(const char *t, long n, const char *p, long m)
{
	for (int i = 0; i < 256; i++)
		shift[i] = m;
	for (long i = 0; i < m - 1; i++)
		shift[(uint8_t)p[i]] = m - 1 - i;
	long count = 0, pos = 0;
	while (pos <= n - m) {
		long j = m - 1;
		while (j >= 0 && t[pos + j] == p[j])
			j--;
		if (j < 0)
			count += pos;
		pos += shift[(uint8_t)t[pos + m - 1]];
	}
	return count;
}

HOT static long naive(const char *t, long n, const char *p, long m)
{
	long count = 0;
	for (long i = 0; i + m <= n; i++) {
		long j = 0;
		while (j < m && t[i + j] == p[j])
			j++;
		count += j == m;
	}
	return count;
}

int main(void)
{
	long n = sdk_param_long("n", 6);
	static const char *patterns[] = {"abcab", "dacbbadc", "aaaa", "bcdabcdabcda", "cab"};
	uint64_t s = 0xbb67ae8584caa73bULL, sum = 0;
	for (long r = 0; r < n; r++) {
		for (long i = 0; i < LEN; i++)
			text[i] = (char)('a' + (xorshift64(&s) & 3));
		for (unsigned k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
			long m = 0;
			while (patterns[k][m])
				m++;
			sum = sum * 31 + (uint64_t)horspool(text, LEN, patterns[k], m);
		}
		sum = sum * 31 + (uint64_t)naive(text, LEN, "abca", 4);
	}
	return bench_report("strsearch", n, sum);
}
