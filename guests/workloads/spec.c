/*
 * spec: SPEC-CINT-like kernels with different writable-working-set shapes.
 * kernel=all|gzip|mcf|sort|stencil (all) size=SIZE (8M; 2M each for all) iters=N (1)
 */
#include <string.h>
#include "sdk.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng() * n) >> 64);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (((h << 5) | (h >> 59)) ^ v) * 0x9e3779b97f4a7c15ULL;
}

/* gzip: LZSS compression of generated text (hash heads + output are the WWS) */

#define HASH_BITS 16
#define MAX_DIST  65535
#define MIN_MATCH 3
#define MAX_MATCH 258

static void gen_text(uint8_t *p, long n)
{
	static const char *words[] = { "migration ", "page ", "dirty ", "memory ", "the ", "of ",
		"pre-copy ", "round ", "bandwidth ", "writable ", "working ", "set ", "virtual ",
		"machine ", "downtime ", "and ", "\n" };
	long i = 0;
	while (i < n) {
		uint64_t r = rng();
		if ((r & 15) == 0) {
			p[i++] = (uint8_t)(r >> 8);
			continue;
		}
		const char *w = words[(r >> 8) % (sizeof(words) / sizeof(words[0]))];
		while (*w && i < n)
			p[i++] = (uint8_t)*w++;
	}
}

static long lz_compress(const uint8_t *in, long n, uint8_t *out, int32_t *head)
{
	long o = 0, i = 0;
	for (long k = 0; k < (1L << HASH_BITS); k++)
		head[k] = -1;
	while (i < n) {
		long flag_pos = o++;
		uint8_t flags = 0;
		for (int bit = 0; bit < 8 && i < n; bit++) {
			long best = 0, dist = 0;
			if (i + MIN_MATCH <= n) {
				uint32_t h = ((uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2]) *
					     2654435761U >> (32 - HASH_BITS);
				long cand = head[h];
				head[h] = (int32_t)i;
				if (cand >= 0 && i - cand <= MAX_DIST) {
					long lim = n - i < MAX_MATCH ? n - i : MAX_MATCH;
					while (best < lim && in[cand + best] == in[i + best])
						best++;
					dist = i - cand;
				}
			}
			if (best >= MIN_MATCH) {
				flags |= (uint8_t)(1 << bit);
				out[o++] = (uint8_t)dist;
				out[o++] = (uint8_t)(dist >> 8);
				out[o++] = (uint8_t)(best - MIN_MATCH);
				i += best;
			} else {
				out[o++] = in[i++];
			}
		}
		out[flag_pos] = flags;
	}
	return o;
}

static long lz_decompress(const uint8_t *in, long n, uint8_t *out)
{
	long i = 0, o = 0;
	while (i < n) {
		uint8_t flags = in[i++];
		for (int bit = 0; bit < 8 && i < n; bit++) {
			if (flags & (1 << bit)) {
				long dist = in[i] | (long)in[i + 1] << 8;
				long len = in[i + 2] + MIN_MATCH;
				i += 3;
				for (long k = 0; k < len; k++, o++)
					out[o] = out[o - dist];
			} else {
				out[o++] = in[i++];
			}
		}
	}
	return o;
}

static int run_gzip(long size, long iters)
{
	size = sdk_fit_size("size", size, (1L << 20)) * 4 / 13 & ~4095L;
	uint8_t *in = sdk_alloc(size, 64);
	uint8_t *out = sdk_alloc(size + size / 8 + 64, 64);
	uint8_t *back = sdk_alloc(size, 64);
	int32_t *head = sdk_alloc(sizeof(int32_t) << HASH_BITS, 64);
	uint64_t sum = 0;
	long clen = 0;

	gen_text(in, size);
	for (long it = 0; it < iters; it++) {
		clen = lz_compress(in, size, out, head);
		for (long k = 0; k < clen; k++)
			sum = mix(sum, out[k]);
	}
	if (lz_decompress(out, clen, back) != size || memcmp(in, back, size) != 0) {
		printf("spec gzip: round trip FAILED\n");
		return 1;
	}
	printf("spec gzip: in=%ld out=%ld iters=%ld checksum=0x%016lx\n", size, clen, iters,
	       (unsigned long)sum);
	return 0;
}

/* mcf: pointer chasing over a large random cycle, sparse writes */

struct node {
	uint32_t next;
	uint32_t other;
	uint64_t cost;
	uint64_t flow;
	uint64_t pad[5];
};

static int run_mcf(long size, long iters)
{
	size = sdk_fit_size("size", size, 0);
	long n = size / (long)sizeof(struct node);
	if (n < 2) {
		printf("spec mcf: size too small\n");
		return 1;
	}
	struct node *g = sdk_alloc(n * sizeof(struct node), 64);
	for (long i = 0; i < n; i++) {
		g[i].next = (uint32_t)i;
		g[i].cost = rng() & 0xffff;
		g[i].flow = 0;
	}
	/* Sattolo: a single cycle through all nodes */
	for (long i = n - 1; i > 0; i--) {
		long j = (long)below(i);
		uint32_t t = g[i].next;
		g[i].next = g[j].next;
		g[j].next = t;
	}
	for (long i = 0; i < n; i++)
		g[i].other = (uint32_t)below(n);

	uint64_t acc = 0;
	uint32_t cur = 0;
	for (long it = 0; it < iters; it++) {
		for (long step = 0; step < n; step++) {
			struct node *v = &g[cur];
			acc += v->cost;
			if ((v->cost & 15) == 0) {
				v->flow += acc & 0xff;
				acc ^= g[v->other].cost;
			}
			cur = v->next;
		}
	}
	uint64_t sum = acc;
	for (long i = 0; i < n; i++)
		sum = mix(sum, g[i].flow);
	printf("spec mcf: nodes=%ld iters=%ld checksum=0x%016lx\n", n, iters, (unsigned long)sum);
	return 0;
}

/* sort: the whole array is rewritten */

static void insertion(uint64_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		uint64_t v = a[i];
		long j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static void quicksort(uint64_t *a, long n)
{
	while (n > 24) {
		uint64_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint64_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i >= j)
				break;
			uint64_t t = a[i];
			a[i++] = a[j];
			a[j--] = t;
		}
		long left = j + 1;
		if (left < n - left) {
			quicksort(a, left);
			a += left;
			n -= left;
		} else {
			quicksort(a + left, n - left);
			n = left;
		}
	}
	insertion(a, n);
}

static int run_sort(long size, long iters)
{
	size = sdk_fit_size("size", size, 0);
	long n = size / 8;
	uint64_t *a = sdk_alloc(n * 8, 64);
	uint64_t sum = 0;
	for (long it = 0; it < iters; it++) {
		for (long i = 0; i < n; i++)
			a[i] = rng();
		quicksort(a, n);
		for (long i = 1; i < n; i++)
			if (a[i - 1] > a[i]) {
				printf("spec sort: not sorted at %ld\n", i);
				return 1;
			}
		for (long i = 0; i < n; i += 97)
			sum = mix(sum, a[i]);
	}
	printf("spec sort: n=%ld iters=%ld checksum=0x%016lx\n", n, iters, (unsigned long)sum);
	return 0;
}

/* stencil: 2D grid relaxed in place, 8 sweeps per iteration */

static int run_stencil(long size, long iters)
{
	size = sdk_fit_size("size", size, 0);
	long side = 16;
	while ((side * 2) * (side * 2) * 4 <= size)
		side *= 2;
	uint32_t *g = sdk_alloc(side * side * 4, 64);
	for (long i = 0; i < side * side; i++)
		g[i] = (uint32_t)rng() & 0xffffff;
	for (long s = 0; s < iters * 8; s++)
		for (long y = 1; y < side - 1; y++) {
			uint32_t *r = g + y * side;
			for (long x = 1; x < side - 1; x++)
				r[x] = (r[x - side] + r[x + side] + r[x - 1] + r[x + 1] + 4 * r[x]) >> 3;
		}
	uint64_t sum = 0;
	for (long i = 0; i < side * side; i++)
		sum = mix(sum, g[i]);
	printf("spec stencil: grid=%ldx%ld sweeps=%ld checksum=0x%016lx\n", side, side, iters * 8,
	       (unsigned long)sum);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(long size, long iters);
} kernels[] = {
	{ "gzip", run_gzip },
	{ "mcf", run_mcf },
	{ "sort", run_sort },
	{ "stencil", run_stencil },
};

int main(void)
{
	const char *which = sdk_param_str("kernel", "all");
	int all = strcmp(which, "all") == 0;
	long size = sdk_param_size("size", all ? 2L << 20 : 8L << 20);
	long iters = sdk_param_long("iters", 1);
	int found = 0, rc = 0;

	printf("spec: kernel=%s size=%ld iters=%ld\n", which, size, iters);
	for (unsigned k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		if (!all && strcmp(which, kernels[k].name) != 0)
			continue;
		uintptr_t mark = sdk_heap_mark();
		rng_state = 0x5eed0000ULL + k;
		rc |= kernels[k].run(size, iters);
		sdk_heap_release(mark);
		found = 1;
	}
	if (!found) {
		printf("spec: unknown kernel %s\n", which);
		return 1;
	}
	return rc;
}
