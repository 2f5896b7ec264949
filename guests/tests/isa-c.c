/* Compressed instruction checks; the instructions live in isa-c.S. */
#include "check.h"

uint64_t c_li_addi(void);
uint64_t c_lui(void);
uint64_t c_addiw(uint64_t x);
uint64_t c_shifts(uint64_t x);
uint64_t c_andi(uint64_t x);
uint64_t c_alu(uint64_t x, uint64_t y);
uint64_t c_mem(void *buf);
uint64_t c_stack(void);
uint64_t c_branches(uint64_t x);
uint64_t c_jalr(void);

static uint64_t buf[4];

int main(void)
{
	const uint64_t x = 0x0123456789abcdefULL, y = 0x00000000f0f0f0f0ULL;
	uint64_t t = ((x ^ y) | x) & y;

	check("c.li c.addi", c_li_addi(), 9);
	check("c.lui sign-ext", c_lui(), 0xfffffffffffe0000ULL);
	check("c.addiw", c_addiw(0x7fffffff), 0xffffffff80000000ULL);
	check("c.slli c.srli c.or c.srai", c_shifts(x),
	      (uint64_t)((int64_t)(((x << 4) >> 8) | (1ULL << 63)) >> 2));
	check("c.andi", c_andi(0x123457), 0x123454);
	check("c.mv c.add c.sub c.xor c.or c.and c.addw c.subw", c_alu(x, y),
	      (uint64_t)(int64_t)(int32_t)(uint32_t)((uint64_t)(int64_t)(int32_t)(uint32_t)(x + y + t) - y));
	buf[2] = 0x1111111111111111ULL;
	buf[3] = 0;
	check("c.sd c.sw c.ld c.lw", c_mem(buf), 0x11111111 - 14);
	check("c.sw leaves upper word", buf[2] >> 32, 0x11111111);
	check("c.addi16sp c.addi4spn c.sdsp c.ldsp c.swsp c.lwsp", c_stack(), ~0ULL);
	check("c.beqz taken c.bnez not taken", c_branches(0), 0x21);
	check("c.beqz not taken c.bnez taken", c_branches(5), 0x12);
	check("c.jalr c.jr link", c_jalr(), 11);
	return check_finish();
}
