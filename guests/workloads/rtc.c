/* rtc: the Goldfish RTC at 0x101000 (PLIC source 11): time, time setting, the alarm in the past and the future,
 * cancelling it, the interrupt enable, and what the PLIC sees. Prints nothing that depends on the date. */
#include "sdk.h"

#define RTC 0x101000UL
#define TIME_LOW 0x00
#define TIME_HIGH 0x04
#define ALARM_LOW 0x08
#define ALARM_HIGH 0x0c
#define IRQ_ENABLED 0x10
#define CLEAR_ALARM 0x14
#define ALARM_STATUS 0x18
#define CLEAR_INTERRUPT 0x1c
#define PLIC 0x0c000000UL
#define IRQ 11

static uint32_t rd(int off) { return *(volatile uint32_t *)(RTC + off); }
static void wr(int off, uint32_t v) { *(volatile uint32_t *)(RTC + off) = v; }
static uint32_t plic(unsigned long off) { return *(volatile uint32_t *)(PLIC + off); }
static void plic_wr(unsigned long off, uint32_t v) { *(volatile uint32_t *)(PLIC + off) = v; }

static uint64_t now(void)
{
	uint64_t lo = rd(TIME_LOW);
	return (uint64_t)rd(TIME_HIGH) << 32 | lo;
}

static int pending(void) { return (plic(0x1000) >> IRQ) & 1; }

/* Claims and completes source 11 on context 0 if it is pending; returns the claimed id. */
static uint32_t claim(void)
{
	uint32_t id = plic(0x200004);
	if (id)
		plic_wr(0x200004, id);
	return id;
}

static void set_alarm(uint64_t t)
{
	wr(ALARM_HIGH, (uint32_t)(t >> 32));
	wr(ALARM_LOW, (uint32_t)t);
}

static void wait_ns(uint64_t ns)
{
	uint64_t end = now() + ns;
	while (now() < end)
		;
}

int main(void)
{
	plic_wr(4 * IRQ, 1);
	plic_wr(0x2000, 1u << IRQ);
	plic_wr(0x200000, 0);

	uint64_t t1 = now();
	wait_ns(1000000);
	uint64_t t2 = now();
	printf("time after 2020: %s, advances: %s\n", t1 > 1577836800ull * 1000000000ull ? "yes" : "no",
		t2 > t1 ? "yes" : "no");
	printf("irq_enabled %u status %u\n", rd(IRQ_ENABLED), rd(ALARM_STATUS));
	wr(IRQ_ENABLED, 3);
	printf("irq_enabled after writing 3: %u\n", rd(IRQ_ENABLED));
	printf("unknown register 0x20: %u\n", rd(0x20));

	set_alarm(1);
	printf("past alarm: status %u pending %d alarm %08x%08x\n", rd(ALARM_STATUS), pending(), rd(ALARM_HIGH),
		rd(ALARM_LOW));
	printf("claim %u\n", claim());
	printf("after claim: pending %d claim %u\n", pending(), claim());
	wr(CLEAR_INTERRUPT, 1);

	/* margins of a quarter second, so a host that deschedules the vCPU for a while does not change the output */
	uint64_t at = now() + 250000000ull;
	set_alarm(at);
	printf("future alarm: status %u pending %d readback %s\n", rd(ALARM_STATUS), pending(),
		((uint64_t)rd(ALARM_HIGH) << 32 | rd(ALARM_LOW)) == at ? "same" : "differs");
	uint64_t limit = now() + 2000000000ull;
	while (rd(ALARM_STATUS) && now() < limit)
		;
	printf("alarm fired: %s, on time: %s, pending %d, claim %u\n", rd(ALARM_STATUS) ? "no" : "yes",
		now() >= at ? "yes" : "no", pending(), claim());
	wr(CLEAR_INTERRUPT, 1);

	set_alarm(now() + 250000000ull);
	wr(CLEAR_ALARM, 1);
	printf("cancelled: status %u\n", rd(ALARM_STATUS));
	wait_ns(300000000ull);
	printf("after its time: status %u pending %d\n", rd(ALARM_STATUS), pending());

	/* sleep in WFI until the alarm's interrupt wakes the hart (MIE off: WFI wakes, no trap is taken) */
	sdk_csr_set(mie, 1UL << SDK_IRQ_EXTERNAL);
	at = now() + 10000000ull;
	set_alarm(at);
	int sleeps = 0;
	while (rd(ALARM_STATUS) && sleeps < 1000) {
		sdk_wfi();
		sleeps++;
	}
	printf("woke by the alarm: %s, on time: %s, claim %u\n", rd(ALARM_STATUS) ? "no" : "yes",
		now() >= at ? "yes" : "no", claim());
	sdk_csr_clear(mie, 1UL << SDK_IRQ_EXTERNAL);
	wr(CLEAR_INTERRUPT, 1);

	wr(IRQ_ENABLED, 0);
	set_alarm(1);
	printf("disabled, past alarm: pending %d\n", pending());
	wr(IRQ_ENABLED, 1);
	printf("enabled again: pending %d claim %u\n", pending(), claim());
	wr(CLEAR_INTERRUPT, 1);
	wr(IRQ_ENABLED, 0);
	printf("cleared: pending %d\n", pending());

	/* the PLIC's S-mode context (1) drives mip.SEIP, the M-mode context (0) mip.MEIP */
	plic_wr(0x2000, 0);
	plic_wr(0x2080, 1u << IRQ);
	plic_wr(0x201000, 0);
	wr(IRQ_ENABLED, 1);
	set_alarm(1);
	uint64_t mip = sdk_csr_read(mip);
	printf("S context: seip %lu meip %lu\n", (unsigned long)(mip >> 9) & 1, (unsigned long)(mip >> 11) & 1);
	uint32_t id = plic(0x201004);
	plic_wr(0x201004, id);
	mip = sdk_csr_read(mip);
	printf("S claim %u, then seip %lu\n", id, (unsigned long)(mip >> 9) & 1);
	wr(CLEAR_INTERRUPT, 1);
	wr(IRQ_ENABLED, 0);
	plic_wr(0x2080, 0);
	plic_wr(0x2000, 1u << IRQ);

	wr(TIME_HIGH, 0x12345678);
	wr(TIME_LOW, 0x9abc0000);
	uint64_t t = now();
	printf("set time: high %08x, low within 1s: %s\n", (uint32_t)(t >> 32),
		t - 0x123456789abc0000ull < 1000000000ull ? "yes" : "no");
	return 0;
}
