/* Compressed instructions, forced with .option rvc and explicit c.* mnemonics. */
	.option rvc
	.text

	.globl c_li_addi
c_li_addi:			/* -> 31 - 32 + 10 = 9 */
	c.li	a0, 31
	c.addi	a0, -32
	c.addi	a0, 10
	c.jr	ra

	.globl c_lui
c_lui:				/* c.lui sign-extends bit 17: -> 0xfffffffffffe0000 */
	c.lui	a0, 0xfffe0
	c.jr	ra

	.globl c_addiw
c_addiw:			/* a0 = 0x7fffffff -> 0xffffffff80000000 */
	c.addiw	a0, 1
	c.jr	ra

	.globl c_shifts
c_shifts:			/* a0 = x: (((x << 4) >> 8) | 1 << 63) >> 2 (arithmetic) */
	c.slli	a0, 4
	c.srli	a0, 8
	c.li	a1, -1
	c.slli	a1, 63
	c.or	a0, a1
	c.srai	a0, 2
	c.jr	ra

	.globl c_andi
c_andi:				/* a0 & -4 */
	c.andi	a0, -4
	c.jr	ra

	.globl c_alu
c_alu:				/* a0 = x, a1 = y */
	c.mv	a2, a0
	c.add	a2, a1		/* x + y */
	c.mv	a3, a2
	c.sub	a3, a1		/* x */
	c.xor	a3, a1		/* x ^ y */
	c.or	a3, a0		/* (x ^ y) | x */
	c.and	a3, a1		/* ((x ^ y) | x) & y */
	c.addw	a2, a3		/* sext32(x + y + that) */
	c.subw	a2, a1		/* sext32(... - y) */
	c.mv	a0, a2
	c.jr	ra

	.globl c_mem
c_mem:				/* a0 = buffer: c.sd/c.sw, then c.ld/c.lw back (plus the word above), summed */
	c.li	a1, -7
	c.sd	a1, 8(a0)
	c.sw	a1, 16(a0)
	c.ld	a2, 8(a0)
	c.lw	a3, 16(a0)
	c.add	a2, a3		/* -14 */
	c.lw	a4, 20(a0)	/* untouched upper half of the c.sw target */
	c.add	a2, a4
	c.mv	a0, a2
	c.jr	ra

	.globl c_stack
c_stack:			/* c.addi16sp, c.addi4spn, c.sdsp/c.ldsp, c.swsp/c.lwsp */
	c.addi16sp sp, -64
	c.li	a1, 5
	c.sdsp	a1, 8(sp)
	c.li	a1, -3
	c.swsp	a1, 20(sp)
	c.ldsp	a2, 8(sp)
	c.lwsp	a3, 20(sp)
	c.addi4spn a4, sp, 16
	c.lw	a5, 4(a4)	/* same word as 20(sp) */
	c.add	a2, a3
	c.add	a2, a5		/* 5 - 3 - 3 = -1 */
	c.addi16sp sp, 64
	c.mv	a0, a2
	c.jr	ra

	.globl c_branches
c_branches:			/* a0 = 0 -> 0x21, nonzero -> 0x12 */
	c.li	a1, 0
	c.beqz	a0, 1f
	c.addi	a1, 1
	c.j	2f
1:	c.addi	a1, 2
2:	c.slli	a1, 4
	c.bnez	a0, 3f
	c.addi	a1, 1
	c.j	4f
3:	c.addi	a1, 2
4:	c.mv	a0, a1
	.option push
	.option norvc
	nop
	.option pop
	c.nop
	c.jr	ra

c_leaf:
	c.li	a0, 11
	c.jr	ra

	.globl c_jalr
c_jalr:				/* c.jalr links ra = pc + 2 */
	c.mv	t1, ra
	la	t0, c_leaf
	c.jalr	t0
1:	la	a1, 1b
	c.mv	a2, ra
	c.sub	a2, a1		/* 0 when ra pointed just after c.jalr */
	c.add	a0, a2
	c.mv	ra, t1
	c.jr	ra
