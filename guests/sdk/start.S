/* Reset entry: a0 = hart id, a1 = FDT address (QEMU virt, -bios none). */
	.section .text.start, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	bnez	a0, park
	la	sp, __stack_top
	la	tp, __tls_base
	la	t0, sdk_trap_vector
	csrw	mtvec, t0
	csrw	mscratch, zero
	csrw	mie, zero
#ifdef __riscv_flen
	/* images built for F/D: FP state on (Initial) before any FP instruction */
	li	t0, 1 << 13
	csrs	mstatus, t0
#endif
	mv	s0, a0
	mv	s1, a1

	/* zero .tbss and .bss (the image is ELF-loaded, .data is already in place) */
	la	a0, __tbss_start
	la	a1, __tbss_end
	call	zero_range
	la	a0, __bss_start
	la	a1, __bss_end
	call	zero_range

	/* boot arguments and memory size come from the FDT before anything touches RAM */
	mv	a0, s0
	mv	a1, s1
	call	sdk_init
	call	__libc_init_array
	call	main
	call	exit
1:	j	1b

zero_range:
	bgeu	a0, a1, 2f
	sd	zero, 0(a0)
	addi	a0, a0, 8
	j	zero_range
2:	ret

/* secondary harts wait forever */
park:
	csrw	mie, zero
3:	wfi
	j	3b
