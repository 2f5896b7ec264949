/* Helpers shared by the ISA self-checks. */
#ifndef FERRY_CHECK_H
#define FERRY_CHECK_H

#include "sdk.h"

/* one line per check: "ok   NAME = VALUE" or "FAIL NAME got X want Y" */
void check(const char *name, uint64_t got, uint64_t want);
void check_true(const char *name, int cond);
int check_finish(void);   /* prints PASS or FAIL n, returns the exit code */

/*
 * Trap catching: while enabled, exceptions are recorded and skipped (mepc
 * advanced past the faulting instruction; a fetch fault returns to ra, or
 * ends the U-mode run with -1).
 */
extern volatile uint64_t trap_cause, trap_tval, trap_epc, trap_count;
void catch_traps(int on);
void trap_reset(void);
/* expects exactly one trap since trap_reset(); prints mcause and mtval */
void check_trap(const char *name, uint64_t cause, uint64_t tval);
void check_no_trap(const char *name);

/* single uncompressed instruction on register operands */
#define NORVC(insn) ".option push\n\t.option norvc\n\t" insn "\n\t.option pop"
#define ASM_RR(op, a, b) ({ uint64_t r_; \
	__asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
#define ASM_RI(op, a, imm) ({ uint64_t r_; \
	__asm__ volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "i"(imm)); r_; })
#define LOAD(op, addr) ({ uint64_t r_; \
	__asm__ volatile(NORVC(op " %0, 0(%1)") : "=r"(r_) : "r"(addr) : "memory"); r_; })
#define STORE(op, addr, v) \
	__asm__ volatile(NORVC(op " %0, 0(%1)") :: "r"((uint64_t)(v)), "r"(addr) : "memory")

#endif
