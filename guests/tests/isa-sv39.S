/*
 * Helpers of isa-sv39.c: running a function in S or U mode from M mode, and an
 * S-mode trap vector that records scause/stval/sepc/sstatus and skips the trapping
 * instruction (a fetch fault returns to ra; an interrupt clears its sie bit).
 */
	.section .text.sv_run, "ax"
	.globl sv_run
/* long sv_run(long (*fn)(long), long arg, void *stack_top, long mpp) */
sv_run:
	la	t0, sv_ctx
	sd	ra, 0(t0)
	sd	sp, 8(t0)
	sd	s0, 16(t0)
	sd	s1, 24(t0)
	sd	s2, 32(t0)
	sd	s3, 40(t0)
	sd	s4, 48(t0)
	sd	s5, 56(t0)
	sd	s6, 64(t0)
	sd	s7, 72(t0)
	sd	s8, 80(t0)
	sd	s9, 88(t0)
	sd	s10, 96(t0)
	sd	s11, 104(t0)
	sd	gp, 112(t0)
	sd	tp, 120(t0)
	csrw	mepc, a0
	li	t1, 0x1880
	csrc	mstatus, t1
	slli	a3, a3, 11
	csrs	mstatus, a3
	csrw	mscratch, sp
	mv	a0, a1
	mv	sp, a2
	la	ra, sv_return
	bnez	a3, 1f
	/* U mode runs at the image's alias 0x4000_0000 */
	li	t1, 0x40000000
	sub	ra, ra, t1
1:	mret

/* S or U mode: fn returned with its result in a0 */
	.globl sv_return
sv_return:
	li	a7, 0x5344
	ecall
1:	j	1b

/* M mode: entered by mret from the M trap handler */
	.globl sv_resume
sv_resume:
	la	t0, sv_ctx
	ld	ra, 0(t0)
	ld	sp, 8(t0)
	ld	s0, 16(t0)
	ld	s1, 24(t0)
	ld	s2, 32(t0)
	ld	s3, 40(t0)
	ld	s4, 48(t0)
	ld	s5, 56(t0)
	ld	s6, 64(t0)
	ld	s7, 72(t0)
	ld	s8, 80(t0)
	ld	s9, 88(t0)
	ld	s10, 96(t0)
	ld	s11, 104(t0)
	ld	gp, 112(t0)
	ld	tp, 120(t0)
	ret

/* S-mode trap vector; sscratch = &s_rec (t1, t2, cause, tval, epc, count, sstatus) */
	.section .text.s_vector, "ax"
	.globl s_vector
	.balign 4
s_vector:
	csrrw	t0, sscratch, t0
	sd	t1, 0(t0)
	sd	t2, 8(t0)
	csrr	t1, scause
	sd	t1, 16(t0)
	csrr	t2, stval
	sd	t2, 24(t0)
	csrr	t2, sepc
	sd	t2, 32(t0)
	ld	t2, 40(t0)
	addi	t2, t2, 1
	sd	t2, 40(t0)
	csrr	t2, sstatus
	sd	t2, 48(t0)
	bltz	t1, 3f
	li	t2, 12
	beq	t1, t2, 2f
	li	t2, 1
	beq	t1, t2, 2f
	/* the trapping instruction's length; U code runs at the alias 0x4000_0000, read it at 0x8000_0000 */
	csrr	t2, sepc
	srli	t1, t2, 30
	addi	t1, t1, -1
	bnez	t1, 5f
	li	t1, 0x40000000
	add	t2, t2, t1
5:	lhu	t1, 0(t2)
	csrr	t2, sepc
	andi	t1, t1, 3
	addi	t2, t2, 2
	addi	t1, t1, -3
	bnez	t1, 1f
	addi	t2, t2, 2
1:	csrw	sepc, t2
	j	4f
2:	csrw	sepc, ra
	j	4f
3:	li	t2, 1
	sll	t2, t2, t1
	csrc	sie, t2
	csrc	sip, t2
4:	ld	t1, 0(t0)
	ld	t2, 8(t0)
	csrrw	t0, sscratch, t0
	sret

	.bss
	.balign 8
sv_ctx:
	.space 128
	.globl s_rec
s_rec:
	.space 56
