/* idle: touch a buffer, then sleep in WFI. touch=SIZE (16M) sleep=MS (0 = forever) */
#include "sdk.h"

int main(void)
{
	long touch = sdk_fit_size("touch", sdk_param_size("touch", 16L << 20), 0);
	long sleep_ms = sdk_param_long("sleep", 0);
	long pages = touch / SDK_PAGE_SIZE;
	uint8_t *buf = sdk_alloc(touch, SDK_PAGE_SIZE);

	for (long i = 0; i < pages; i++) {
		uint64_t *w = (uint64_t *)(buf + i * SDK_PAGE_SIZE);
		w[0] = 0x1d1e000000000000ULL | (uint64_t)i;
		w[SDK_PAGE_SIZE / 8 - 1] = ~(uint64_t)i;
	}
	printf("idle: touched %ld pages (%ld KiB)\n", pages, touch >> 10);
	if (sleep_ms <= 0) {
		printf("idle: sleeping forever\n");
		sdk_timer_off();
		for (;;)
			sdk_wfi();
	}
	printf("idle: sleeping %ld ms\n", sleep_ms);
	sdk_sleep_ms(sleep_ms);
	printf("idle: awake\n");
	return 0;
}
