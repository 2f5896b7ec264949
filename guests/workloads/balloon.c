/* balloon: fill a buffer, checksum it, give half of it to the host through the virtio balloon.
 * size=SIZE (8M) passes=N (1; 0 = forever) hold=MS (0: sleep after giving)
 * reread=N (0: read-only checksums of the kept half after giving, which leave the given pages free) */
#include "sdk.h"

static uint64_t checksum(const uint64_t *w, long words)
{
	uint64_t sum = 0;
	for (long i = 0; i < words; i++)
		sum = (sum << 5 | sum >> 59) ^ w[i];
	return sum;
}

static uint64_t fill(uint64_t *w, long words, long pass)
{
	for (long i = 0; i < words; i++) {
		uint64_t v = ((uint64_t)i + (uint64_t)pass * 7919) * 0x9e3779b97f4a7c15ULL;
		w[i] = v;
	}
	return checksum(w, words);
}

int main(void)
{
	long size = sdk_fit_size("size", sdk_param_size("size", 8L << 20), 0);
	long passes = sdk_param_long("passes", 1);
	long hold = sdk_param_long("hold", 0);
	long reread = sdk_param_long("reread", 0);
	long pages = size / SDK_PAGE_SIZE;
	long keep = pages / 2;
	uint8_t *buf = sdk_alloc(pages * SDK_PAGE_SIZE, SDK_PAGE_SIZE);

	if (sdk_balloon_init() != 0) {
		printf("balloon: no virtio balloon found\n");
		return 0;
	}
	printf("balloon: device in slot %d, target %u pages, %ld pages of buffer\n", sdk_balloon_slot(),
	       (unsigned)sdk_balloon_target(), pages);
	for (long pass = 1; passes == 0 || pass <= passes; pass++) {
		if (pass > 1 && sdk_balloon_take(buf + keep * SDK_PAGE_SIZE, pages - keep) < 0)
			return 2;
		uint64_t sum = fill((uint64_t *)buf, pages * (SDK_PAGE_SIZE / 8), pass);
		long given = sdk_balloon_give(buf + keep * SDK_PAGE_SIZE, pages - keep);
		printf("pass %ld: checksum %016llx, gave %ld pages, balloon %u pages\n", pass,
		       (unsigned long long)sum, given, (unsigned)sdk_balloon_actual());
		if (reread > 0) {
			uint64_t kept = 0;
			for (long r = 0; r < reread; r++)
				kept += checksum((const uint64_t *)buf, keep * (SDK_PAGE_SIZE / 8));
			printf("pass %ld: kept half %016llx\n", pass, (unsigned long long)kept);
		}
		if (hold > 0)
			sdk_sleep_ms(hold);
	}
	return 0;
}
