/* C side of the trap vector: interrupt dispatch, exception hook, U-mode return. */
#include "sdk.h"

extern char sdk_user_resume[];

static sdk_irq_fn irq_handlers[16];
static sdk_exc_fn exc_handler;

void sdk_set_irq_handler(int irq, sdk_irq_fn fn)
{
	irq_handlers[irq & 15] = fn;
}

void sdk_irq_enable(int irq)
{
	sdk_csr_set(mie, 1UL << irq);
}

void sdk_irq_disable(int irq)
{
	sdk_csr_clear(mie, 1UL << irq);
}

void sdk_set_exception_handler(sdk_exc_fn fn)
{
	exc_handler = fn;
}

void sdk_trap(struct sdk_frame *f, uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
	if ((int64_t)mcause < 0) {
		uint64_t irq = mcause & 0xff;
		if (irq < 16 && irq_handlers[irq]) {
			irq_handlers[irq](f);
			return;
		}
		printf("unexpected interrupt mcause=0x%lx mepc=0x%lx\n", mcause, mepc);
		sdk_exit(1);
	}
	if (exc_handler && exc_handler(f))
		return;
	/* end of a U-mode run; from M too, in case the mret into U mode trapped */
	if ((mcause == 8 || mcause == 11) && f->x[17] == SDK_ECALL_USER_EXIT) {
		f->mepc = (uintptr_t)sdk_user_resume;
		f->mstatus |= SDK_MSTATUS_MPP;
		return;
	}
	printf("unexpected exception mcause=0x%lx mepc=0x%lx mtval=0x%lx\n", mcause, mepc, mtval);
	sdk_exit(1);
}
