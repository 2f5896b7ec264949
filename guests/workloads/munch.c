/*
 * munch: memory muncher (Clark et al., NSDI'05). Dirties a writable working set
 * page after page. wss=SIZE (32M) rate=PAGE_WRITES_PER_S|max (max) passes=N (0 = forever)
 * stride=BYTES between writes within a page (4096).
 *
 * Skewed writer (Checconi et al.): hot=SIZE (0) makes the first SIZE bytes of the
 * working set a hot set that is rewritten hotx=N (8) times per pass over the rest
 * (the warm set), its writes spread evenly through the pass. rate counts every page
 * write, hot and warm alike.
 */
#include <string.h>
#include "sdk.h"

#define MAX_HOTX 65536

static uint8_t *buf;
static long stride, rate;
static uint64_t start, done, slack;

static uint64_t value(uint64_t seed, uint64_t page, uint64_t off)
{
	uint64_t v = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (page << 12 | off);
	return v ^ (v >> 29);
}

/* Writes page p from seed; with a rate, the k-th page write of the run waits until start + k / rate s. */
static void write_page(long p, uint64_t seed)
{
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
		*(volatile uint64_t *)(page + off) = value(seed, p, off);
	done++;
}

int main(void)
{
	long wss = sdk_fit_size("wss", sdk_param_size("wss", 32L << 20), 0);
	const char *rate_s = sdk_param_str("rate", "max");
	long passes = sdk_param_long("passes", 0);
	long hot = sdk_param_size("hot", 0);
	long hotx = sdk_param_long("hotx", 8);
	long pages = wss / SDK_PAGE_SIZE;

	rate = strcmp(rate_s, "max") == 0 ? 0 : sdk_param_long("rate", 0);
	stride = sdk_param_size("stride", SDK_PAGE_SIZE);
	if (stride < 8)
		stride = 8;
	stride &= ~7L;
	if (pages <= 0) {
		printf("munch: wss too small\n");
		return 1;
	}
	buf = sdk_alloc(pages * SDK_PAGE_SIZE, SDK_PAGE_SIZE);
	memset(buf, 0, pages * SDK_PAGE_SIZE);
	if (rate > 0)
		printf("munch: wss=%ld KiB pages=%ld stride=%ld rate=%ld pages/s passes=%ld\n",
		       wss >> 10, pages, stride, rate, passes);
	else
		printf("munch: wss=%ld KiB pages=%ld stride=%ld rate=max passes=%ld\n",
		       wss >> 10, pages, stride, passes);

	long hot_pages = hot > 0 ? hot / SDK_PAGE_SIZE : 0;
	if (hot_pages >= pages) {
		printf("note: hot=%ld clamped to %ld (one warm page at least)\n", hot,
		       (pages - 1) * (long)SDK_PAGE_SIZE);
		hot_pages = pages - 1;
	}
	if (hot_pages > 0 && (hotx < 1 || hotx > MAX_HOTX)) {
		long clamped = hotx < 1 ? 1 : MAX_HOTX;
		printf("note: hotx=%ld clamped to %ld\n", hotx, clamped);
		hotx = clamped;
	}
	long warm_pages = pages - hot_pages;
	uint64_t hot_per_pass = hot_pages > 0 ? (uint64_t)hot_pages * (uint64_t)hotx : 0;
	if (hot_pages > 0)
		printf("munch: hot=%ld KiB hot pages=%ld warm pages=%ld hotx=%ld page writes/pass=%lu\n",
		       (hot_pages * (long)SDK_PAGE_SIZE) >> 10, hot_pages, warm_pages, hotx,
		       (unsigned long)(warm_pages + hot_per_pass));

	start = sdk_mtime();
	slack = SDK_MTIME_HZ / 1000;
	for (long pass = 0; passes == 0 || pass < passes; pass++) {
		uint64_t hot_done = 0;
		for (long w = 0; w < warm_pages; w++) {
			write_page(hot_pages + w, pass);
			/* after warm page w, (w + 1) / warm_pages of the pass' hot writes are due */
			uint64_t hot_due = (uint64_t)(w + 1) * hot_per_pass / (uint64_t)warm_pages;
			for (; hot_done < hot_due; hot_done++) {
				uint64_t cycle = hot_done / (uint64_t)hot_pages;
				write_page((long)(hot_done % (uint64_t)hot_pages), (uint64_t)pass * (uint64_t)hotx + cycle);
			}
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
