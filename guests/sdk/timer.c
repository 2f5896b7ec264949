/* CLINT timer and software interrupt helpers. */
#include "sdk.h"

#define MSIP     ((volatile uint32_t *)(SDK_CLINT_BASE + 0x0000))
#define MTIMECMP ((volatile uint64_t *)(SDK_CLINT_BASE + 0x4000))
#define MTIME    ((volatile uint64_t *)(SDK_CLINT_BASE + 0xbff8))

uint64_t sdk_mtime(void)
{
	return *MTIME;
}

void sdk_set_mtimecmp(uint64_t when)
{
	*MTIMECMP = when;
}

void sdk_timer_off(void)
{
	sdk_irq_disable(SDK_IRQ_TIMER);
	*MTIMECMP = UINT64_MAX;
}

void sdk_set_msip(int pending)
{
	*MSIP = pending ? 1 : 0;
}

/*
 * WFI with the timer interrupt enabled in mie but mstatus.MIE clear: the hart
 * wakes when the timer becomes pending and no trap is taken.
 */
void sdk_sleep_ticks(uint64_t ticks)
{
	uint64_t status = sdk_csr_read(mstatus) & SDK_MSTATUS_MIE;
	uint64_t mie = sdk_csr_read(mie) & (1UL << SDK_IRQ_TIMER);
	uint64_t target = sdk_mtime() + ticks;

	sdk_interrupts_off();
	sdk_set_mtimecmp(target);
	sdk_irq_enable(SDK_IRQ_TIMER);
	while (sdk_mtime() < target)
		sdk_wfi();
	sdk_set_mtimecmp(UINT64_MAX);
	if (!mie)
		sdk_irq_disable(SDK_IRQ_TIMER);
	sdk_csr_set(mstatus, status);
}

void sdk_sleep_ms(uint64_t ms)
{
	sdk_sleep_ticks(ms * (SDK_MTIME_HZ / 1000));
}
