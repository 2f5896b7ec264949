/* U mode with PMP: entry/return, privileged instructions, ecall, interrupts from U, PMP permissions. */
#include "check.h"

static volatile uint64_t shared;
static uint8_t ro_page[4096] __attribute__((aligned(4096)));
static volatile int irq_count;
static volatile uint64_t irq_status;

static long add_one(long x)
{
	shared = (uint64_t)x * 2;
	return x + 1;
}

static long read_mstatus(long x)
{
	__asm__ volatile("csrr a0, mstatus" ::: "a0");
	return x;
}

static long do_mret(long x)
{
	__asm__ volatile("mret");
	return x;
}

static long early_exit(long x)
{
	sdk_user_exit(x * 3);
}

static long ecall_service(long x)
{
	register long a0 __asm__("a0") = x;
	register long a7 __asm__("a7") = 1;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return a0;
}

static int service(struct sdk_frame *f)
{
	if (f->mcause == 8 && f->x[17] == 1) {
		f->x[10] = f->x[10] * 10;
		f->mepc += 4;
		return 1;
	}
	return 0;
}

static long raise_msip(long x)
{
	*(volatile uint32_t *)SDK_CLINT_BASE = 1;
	while (irq_count == 0)
		;
	return x;
}

static void on_soft(struct sdk_frame *f)
{
	irq_status = f->mstatus;
	irq_count++;
	sdk_set_msip(0);
}

static long touch_ro(long store)
{
	volatile uint8_t *p = ro_page + 8;
	uint8_t v = *p;
	if (store)
		*p = (uint8_t)(v + 1);
	return v;
}

static long nop_fn(long x)
{
	return x;
}

int main(void)
{
	sdk_pmp_allow_all();
	check("pmpcfg0", sdk_csr_read(pmpcfg0) & 0xff, 0x1f);
	check("U call returns", sdk_run_user(add_one, 41), 42);
	check("U store visible in M", shared, 82);
	check("after mret: mstatus.MPP = U", (sdk_csr_read(mstatus) >> 11) & 3, 0);
	check("sdk_user_exit", sdk_run_user(early_exit, 5), 15);

	catch_traps(1);
	trap_reset();
	sdk_run_user(read_mstatus, 0);
	check_trap("U csrr mstatus illegal", 2, 0x30002573);
	sdk_run_user(do_mret, 0);
	check_trap("U mret illegal", 2, 0x30200073);

	sdk_set_exception_handler(service);
	check("U ecall service", sdk_run_user(ecall_service, 7), 70);
	catch_traps(1);

	sdk_set_irq_handler(SDK_IRQ_SOFTWARE, on_soft);
	sdk_irq_enable(SDK_IRQ_SOFTWARE);
	sdk_interrupts_off();
	check("U interrupted despite mstatus.MIE=0", sdk_run_user(raise_msip, 3), 3);
	check("interrupt count", irq_count, 1);
	check("interrupt from U: MPP", (irq_status >> 11) & 3, 0);
	sdk_irq_disable(SDK_IRQ_SOFTWARE);

	ro_page[8] = 0x5a;
	uintptr_t napot = ((uintptr_t)ro_page >> 2) | (4096 / 8 - 1);
	sdk_csr_write(pmpaddr0, napot);
	sdk_csr_write(pmpaddr1, -1L);
	sdk_csr_write(pmpcfg0, 0x19 | (0x1f << 8));
	trap_reset();
	check("PMP R page: U load", sdk_run_user(touch_ro, 0), 0x5a);
	check_no_trap("PMP R page: U load");
	sdk_run_user(touch_ro, 1);
	check_trap("PMP R page: U store fault (tval = page+8)", 7, (uintptr_t)ro_page + 8);
	ro_page[8] = 0x5b;
	check("PMP R page: M store allowed", ro_page[8], 0x5b);

	sdk_csr_write(pmpcfg0, 0x19);
	check("no PMP match: U fetch fault ends run", sdk_run_user(nop_fn, 1), (uint64_t)-1);
	check_trap("no PMP match: instruction access fault (tval = fn)", 1, (uintptr_t)nop_fn);

	sdk_csr_write(pmpcfg0, 0);
	check("no PMP rule: run returns at once", sdk_run_user(nop_fn, 4), 4);
	check_trap("no PMP rule: mret to U (QEMU: illegal)", 2, 0x30200073);
	sdk_pmp_allow_all();
	check("PMP restored", sdk_run_user(nop_fn, 9), 9);
	catch_traps(0);
	return check_finish();
}
