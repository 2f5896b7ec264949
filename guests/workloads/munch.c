/*
 * munch: memory muncher (Clark et al., NSDI'05). Dirties a writable working set
 * page after page. wss=SIZE (32M) rate=PAGES_PER_S|max (max) passes=N (0 = forever)
 * stride=BYTES between writes within a page (4096).
 */
#include <string.h>
#include "sdk.h"

static uint64_t value(uint64_t pass, uint64_t page, uint64_t off)
{
	uint64_t v = (pass + 1) * 0x9e3779b97f4a7c15ULL ^ (page << 12 | off);
	return v ^ (v >> 29);
}

int main(void)
{
	long wss = sdk_fit_size("wss", sdk_param_size("wss", 32L << 20), 0);
	const char *rate_s = sdk_param_str("rate", "max");
	long rate = strcmp(rate_s, "max") == 0 ? 0 : sdk_param_long("rate", 0);
	long passes = sdk_param_long("passes", 0);
	long stride = sdk_param_size("stride", SDK_PAGE_SIZE);
	long pages = wss / SDK_PAGE_SIZE;

	if (stride < 8)
		stride = 8;
	stride &= ~7L;
	if (pages <= 0) {
		printf("munch: wss too small\n");
		return 1;
	}
	uint8_t *buf = sdk_alloc(pages * SDK_PAGE_SIZE, SDK_PAGE_SIZE);
	memset(buf, 0, pages * SDK_PAGE_SIZE);
	if (rate > 0)
		printf("munch: wss=%ld KiB pages=%ld stride=%ld rate=%ld pages/s passes=%ld\n",
		       wss >> 10, pages, stride, rate, passes);
	else
		printf("munch: wss=%ld KiB pages=%ld stride=%ld rate=max passes=%ld\n",
		       wss >> 10, pages, stride, passes);

	/* page k of the run may not be written before start + k / rate seconds */
	uint64_t start = sdk_mtime(), done = 0;
	uint64_t slack = SDK_MTIME_HZ / 1000;
	for (long pass = 0; passes == 0 || pass < passes; pass++) {
		for (long p = 0; p < pages; p++, done++) {
			if (rate > 0) {
				uint64_t due = start + done * SDK_MTIME_HZ / (uint64_t)rate;
				uint64_t now = sdk_mtime();
				if (now + slack < due)
					sdk_sleep_ticks(due - now);
				else
					while (sdk_mtime() < due)
						;
			}
			uint8_t *page = buf + p * SDK_PAGE_SIZE;
			for (long off = 0; off < (long)SDK_PAGE_SIZE; off += stride)
				*(volatile uint64_t *)(page + off) = value(pass, p, off);
		}
		printf("munch: pass %ld\n", pass + 1);
	}

	uint64_t sum = 0xcbf29ce484222325ULL;
	const uint64_t *w = (const uint64_t *)buf;
	for (long i = 0; i < pages * (long)(SDK_PAGE_SIZE / 8); i++)
		sum = (((sum << 5) | (sum >> 59)) ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	printf("munch: checksum=0x%016lx\n", (unsigned long)sum);
	return 0;
}
