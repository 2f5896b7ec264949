/* Machine timer and software interrupts: pending bits, masking, WFI wake-up, priority, trap state. */
#include "check.h"

#define MIP_MSIP (1UL << 3)
#define MIP_MTIP (1UL << 7)

static volatile int count, order[4];
static volatile uint64_t last_cause, last_status;

static void on_irq(struct sdk_frame *f)
{
	last_cause = f->mcause;
	last_status = f->mstatus;
	if (count < 4)
		order[count] = (int)(f->mcause & 0xff);
	count++;
	if ((f->mcause & 0xff) == SDK_IRQ_TIMER)
		sdk_set_mtimecmp(UINT64_MAX);
	else
		sdk_set_msip(0);
}

static void wait_for(int n)
{
	while (count < n) {
		sdk_interrupts_off();
		if (count >= n)
			break;
		sdk_wfi();
		sdk_interrupts_on();
	}
	sdk_interrupts_off();
}

int main(void)
{
	sdk_set_irq_handler(SDK_IRQ_TIMER, on_irq);
	sdk_set_irq_handler(SDK_IRQ_SOFTWARE, on_irq);

	sdk_set_mtimecmp(0);
	check("mip.MTIP when mtime >= mtimecmp", sdk_csr_read(mip) & MIP_MTIP, MIP_MTIP);
	sdk_set_mtimecmp(UINT64_MAX);
	check("mip.MTIP cleared by mtimecmp write", sdk_csr_read(mip) & MIP_MTIP, 0);

	sdk_set_mtimecmp(sdk_mtime() + 10000);
	sdk_irq_enable(SDK_IRQ_TIMER);
	wait_for(1);
	check("timer interrupt taken", count, 1);
	check("timer mcause", last_cause, 0x8000000000000007ULL);
	check("handler mstatus.MIE", last_status & SDK_MSTATUS_MIE, 0);
	check("handler mstatus.MPIE", last_status & SDK_MSTATUS_MPIE, SDK_MSTATUS_MPIE);
	check("handler mstatus.MPP", (last_status >> 11) & 3, 3);
	check("mstatus.MIE restored by mret", sdk_csr_read(mstatus) & SDK_MSTATUS_MIE, 0);

	sdk_set_mtimecmp(0);
	for (volatile int k = 0; k < 10000; k++)
		;
	check("masked by mstatus.MIE=0", count, 1);
	sdk_interrupts_on();
	sdk_interrupts_off();
	check("taken when mstatus.MIE set", count, 2);

	sdk_set_mtimecmp(sdk_mtime() + 20000);
	while (!(sdk_csr_read(mip) & MIP_MTIP))
		sdk_wfi();
	check("WFI wakes with mstatus.MIE=0, no trap", count, 2);
	sdk_set_mtimecmp(UINT64_MAX);
	sdk_irq_disable(SDK_IRQ_TIMER);

	sdk_set_msip(1);
	check("mip.MSIP set by msip", sdk_csr_read(mip) & MIP_MSIP, MIP_MSIP);
	sdk_irq_enable(SDK_IRQ_SOFTWARE);
	sdk_interrupts_on();
	sdk_interrupts_off();
	check("software interrupt taken", count, 3);
	check("software mcause", last_cause, 0x8000000000000003ULL);
	check("mip.MSIP cleared", sdk_csr_read(mip) & MIP_MSIP, 0);

	count = 0;
	sdk_set_msip(1);
	sdk_set_mtimecmp(0);
	sdk_irq_enable(SDK_IRQ_TIMER);
	sdk_interrupts_on();
	sdk_interrupts_off();
	check("both pending: two interrupts", count, 2);
	check("priority: software first", order[0], SDK_IRQ_SOFTWARE);
	check("priority: timer second", order[1], SDK_IRQ_TIMER);
	sdk_irq_disable(SDK_IRQ_TIMER);
	sdk_irq_disable(SDK_IRQ_SOFTWARE);
	return check_finish();
}
