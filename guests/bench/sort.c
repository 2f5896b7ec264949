/*
 * sort: quicksort (median of three, insertion sort for short runs) of 64 Ki random 32-bit keys, refilled each
 * round. The array follows the code on its page. n = number of rounds.
 */
#include "bench.h"

#define COUNT (64 * 1024)

static uint32_t keys[COUNT];

HOT static void insertion(uint32_t *a, long lo, long hi)
{
	for (long i = lo + 1; i <= hi; i++) {
		uint32_t v = a[i];
		long j = i - 1;
		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

HOT static void quicksort(uint32_t *a, long lo, long hi)
{
	while (hi - lo > 16) {
		long mid = lo + (hi - lo) / 2;
		uint32_t x = a[lo], y = a[mid], z = a[hi];
		uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
	insertion(a, lo, hi);
}

int main(void)
{
	long n = sdk_param_long("n", 8);
	uint64_t s = 0x2545f4914f6cdd1dULL, sum = 0;
	for (long r = 0; r < n; r++) {
		for (long i = 0; i < COUNT; i++)
			keys[i] = (uint32_t)xorshift64(&s);
		quicksort(keys, 0, COUNT - 1);
		for (long i = 0; i < COUNT; i += 97)
			sum = sum * 1099511628211ULL + keys[i];
		if (keys[0] > keys[COUNT / 2] || keys[COUNT / 2] > keys[COUNT - 1])
			return bench_report("sort: NOT SORTED", n, sum);
	}
	return bench_report("sort", n, sum);
}
