/* Branches and jumps: every condition taken and not taken, jal/jalr links. */
#include "check.h"

#define BR(op, a, b) ({ uint64_t t_; \
	__asm__ volatile(NORVC(op " %1, %2, 1f\n\tli %0, 0\n\tj 2f\n1:\tli %0, 1\n2:") \
			 : "=&r"(t_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); t_; })

static uint64_t jalr_target(void)
{
	return 0x77;
}

int main(void)
{
	const uint64_t neg = (uint64_t)-5;
	check("beq taken", BR("beq", 7, 7), 1);
	check("beq not taken", BR("beq", 7, 8), 0);
	check("bne taken", BR("bne", 7, 8), 1);
	check("bne not taken", BR("bne", 0, 0), 0);
	check("blt taken (signed)", BR("blt", neg, 3), 1);
	check("blt not taken", BR("blt", 3, neg), 0);
	check("blt equal", BR("blt", 3, 3), 0);
	check("bge taken", BR("bge", 3, neg), 1);
	check("bge equal", BR("bge", neg, neg), 1);
	check("bge not taken", BR("bge", neg, 3), 0);
	check("bltu taken", BR("bltu", 3, neg), 1);
	check("bltu not taken (unsigned)", BR("bltu", neg, 3), 0);
	check("bgeu taken (unsigned)", BR("bgeu", neg, 3), 1);
	check("bgeu equal", BR("bgeu", 0, 0), 1);
	check("bgeu not taken", BR("bgeu", 3, neg), 0);

	uint64_t link, here;
	__asm__ volatile(NORVC("jal %0, 1f\n1:\tla %1, 1b") : "=&r"(link), "=r"(here));
	check("jal link = pc+4", link - here, 0);

	uint64_t taken;
	__asm__ volatile(NORVC("li %0, 0\n\tjal x0, 1f\n\tli %0, 2\n1:\taddi %0, %0, 1") : "=&r"(taken));
	check("jal skips", taken, 1);

	uint64_t ret, ra_after;
	__asm__ volatile(NORVC("la t0, %2\n\tjalr ra, 0(t0)\n1:\tla %1, 1b\n\tmv %0, a0")
			 : "=r"(ret), "=r"(ra_after) : "i"(jalr_target)
			 : "t0", "ra", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t1", "t2", "t3",
			   "t4", "t5", "t6", "memory");
	check("jalr call", ret, 0x77);

	__asm__ volatile(NORVC("la t0, 1f\n\tjalr t1, 1(t0)\n\tli %0, 9\n1:\tmv %0, t1\n\tla t2, 1b\n\tsub %0, t2, %0")
			 : "=r"(ret) :: "t0", "t1", "t2");
	check("jalr clears bit 0, link = pc+4", ret, 4);

	__asm__ volatile(NORVC("la t0, 1f - 8\n\tjalr x0, 8(t0)\n\tli %0, 9\n\tj 2f\n1:\tli %0, 3\n2:")
			 : "=r"(ret) :: "t0");
	check("jalr offset", ret, 3);

	__asm__ volatile(NORVC("la t0, 1f\n\tjalr t0, 0(t0)\n1:\tla t1, 1b\n\tsub %0, t0, t1")
			 : "=r"(ret) :: "t0", "t1");
	check("jalr rd = rs1 uses old rs1", ret, 0);
	return check_finish();
}
