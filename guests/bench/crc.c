/*
 * crc: table-driven CRC-32 (reflected, polynomial 0xedb88320) byte by byte over a 64 KiB buffer that is
 * regenerated every round. n = number of rounds.
 */
#include "bench.h"

#define LEN (64 * 1024)

static uint32_t crc_table[256];
static uint8_t buffer[LEN];

HOT static uint32_t crc32(const uint8_t *p, long len, uint32_t crc)
{
	crc = ~crc;
	for (long i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

HOT static void fill(uint64_t *s)
{
	for (long i = 0; i < LEN; i += 8) {
		uint64_t v = xorshift64(s);
		for (int b = 0; b < 8; b++)
			buffer[i + b] = (uint8_t)(v >> (8 * b));
	}
}

int main(void)
{
	long n = sdk_param_long("n", 40);
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	uint64_t s = 0x0123456789abcdefULL, sum = 0;
	uint32_t crc = 0;
	for (long r = 0; r < n; r++) {
		fill(&s);
		crc = crc32(buffer, LEN, crc);
		sum = sum * 31 + crc;
	}
	return bench_report("crc", n, sum);
}
