/*
 * matmul: 96x96 integer matrix multiply, C = A * B, with A and B perturbed every round. The code is on an
 * ordinary text page; the matrices live on their own pages (sdk/sdk.ld layout). n = number of rounds.
 */
#include "bench.h"

#define N 96

static int64_t a[N][N], b[N][N], c[N][N];

static void multiply(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int64_t s = 0;
			for (int k = 0; k < N; k++)
				s += a[i][k] * b[k][j];
			c[i][j] = s;
		}
}

int main(void)
{
	long n = sdk_param_long("n", 6);
	uint64_t s = 0x6a09e667f3bcc909ULL, sum = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = (int64_t)(xorshift64(&s) % 2001) - 1000;
			b[i][j] = (int64_t)(xorshift64(&s) % 2001) - 1000;
		}
	for (long r = 0; r < n; r++) {
		a[r % N][(r * 7) % N] += (int64_t)r;
		multiply();
		for (int i = 0; i < N; i++)
			sum = sum * 1099511628211ULL + (uint64_t)c[i][(i * 5 + r) % N];
	}
	return bench_report("matmul", n, sum);
}
