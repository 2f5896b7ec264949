/* timer: periodic machine timer interrupts. hz=N (100) ticks=N (10) */
#include "sdk.h"

static volatile long count;
static long ticks;
static uint64_t period, next;

static void on_timer(struct sdk_frame *f)
{
	(void)f;
	count++;
	printf("tick %ld\n", count);
	if (count >= ticks) {
		sdk_set_mtimecmp(UINT64_MAX);
		return;
	}
	next += period;
	sdk_set_mtimecmp(next);
}

int main(void)
{
	long hz = sdk_param_long("hz", 100);
	ticks = sdk_param_long("ticks", 10);
	if (hz <= 0 || hz > (long)SDK_MTIME_HZ || ticks <= 0) {
		printf("timer: bad parameters\n");
		return 1;
	}
	period = SDK_MTIME_HZ / hz;
	printf("timer: hz=%ld ticks=%ld\n", hz, ticks);

	sdk_set_irq_handler(SDK_IRQ_TIMER, on_timer);
	next = sdk_mtime() + period;
	sdk_set_mtimecmp(next);
	sdk_irq_enable(SDK_IRQ_TIMER);
	/* check with interrupts off; WFI still wakes on the pending timer */
	for (;;) {
		sdk_interrupts_off();
		if (count >= ticks)
			break;
		sdk_wfi();
		sdk_interrupts_on();
	}
	sdk_irq_disable(SDK_IRQ_TIMER);
	printf("timer: done\n");
	return 0;
}
