#include "check.h"

extern char sdk_user_resume[];

static int failures;
volatile uint64_t trap_cause, trap_tval, trap_epc, trap_count;

void check(const char *name, uint64_t got, uint64_t want)
{
	if (got == want) {
		printf("ok   %s = 0x%lx\n", name, got);
	} else {
		printf("FAIL %s got 0x%lx want 0x%lx\n", name, got, want);
		failures++;
	}
}

void check_true(const char *name, int cond)
{
	if (cond) {
		printf("ok   %s\n", name);
	} else {
		printf("FAIL %s\n", name);
		failures++;
	}
}

int check_finish(void)
{
	if (failures == 0) {
		printf("PASS\n");
		return 0;
	}
	printf("FAIL %d\n", failures);
	return 1;
}

static int record(struct sdk_frame *f)
{
	if ((f->mcause == 8 || f->mcause == 11) && f->x[17] == SDK_ECALL_USER_EXIT)
		return 0;
	trap_cause = f->mcause;
	trap_tval = f->mtval;
	trap_epc = f->mepc;
	trap_count++;
	if (f->mcause == 1) {
		if ((f->mstatus & SDK_MSTATUS_MPP) == 0) {
			f->x[10] = (uint64_t)-1;
			f->mepc = (uintptr_t)sdk_user_resume;
			f->mstatus |= SDK_MSTATUS_MPP;
		} else {
			f->mepc = f->x[1];
		}
		return 1;
	}
	uint16_t lo = *(const volatile uint16_t *)f->mepc;
	f->mepc += (lo & 3) == 3 ? 4 : 2;
	return 1;
}

void catch_traps(int on)
{
	sdk_set_exception_handler(on ? record : NULL);
}

void trap_reset(void)
{
	trap_cause = trap_tval = trap_epc = trap_count = 0;
}

void check_trap(const char *name, uint64_t cause, uint64_t tval)
{
	if (trap_count == 1 && trap_cause == cause && trap_tval == tval) {
		printf("ok   %s: mcause=0x%lx mtval=0x%lx\n", name, trap_cause, trap_tval);
	} else {
		printf("FAIL %s: traps=%lu mcause=0x%lx mtval=0x%lx want mcause=0x%lx mtval=0x%lx\n",
		       name, trap_count, trap_cause, trap_tval, cause, tval);
		failures++;
	}
	trap_reset();
}

void check_no_trap(const char *name)
{
	if (trap_count == 0) {
		printf("ok   %s: no trap\n", name);
	} else {
		printf("FAIL %s: trapped mcause=0x%lx mtval=0x%lx\n", name, trap_cause, trap_tval);
		failures++;
	}
	trap_reset();
}
