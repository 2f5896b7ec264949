/**
 * The hart: an RV64IMAFDC + Zicsr + Zifencei + Zicntr interpreter with M, S and U mode, PMP and Sv39 paging
 * ({@code Mmu}, a page-table walker behind a software TLB), matching QEMU 7.2's {@code virt} machine where
 * guests can observe it. Floating point: {@code Fpu} (registers, fcsr, instruction execution) over the IEEE 754
 * arithmetic of {@link dev.ferry.machine.cpu.fpu}.
 *
 * <p>{@link dev.ferry.machine.cpu.Cpu} decodes guest code once into blocks ({@code Decoder}, {@code Block})
 * cached per RAM page ({@code CodePage}) and kept coherent with guest memory, and runs them with a switch
 * interpreter whose memory fast path goes straight to {@link dev.ferry.machine.memory.GuestMemory}. In
 * deterministic mode the retired-instruction count is the machine's clock, and execution is exact at every
 * instruction boundary, so runs can be split, stopped, saved and migrated without changing the outcome.
 *
 * <p>Hot code is also translated to JVM bytecode ({@code Jit}, {@code JitCompiler}, {@code CompiledRegion}): a
 * hot block and the blocks it reaches in its page become one method with guest registers in locals, which
 * HotSpot compiles. Under translation, compiled loads and stores ask the data TLB and leave for the interpreter on
 * a miss. Compiled code honours the same tick budget, leaves everything unusual to the interpreter
 * at the exact instruction, and is dropped together with the interpreter's blocks of its page. F/D instructions
 * run from compiled code through the hart, which declines any that would trap or reach MMIO. It is on unless
 * {@code -Dferry.jit=false}.
 */
package dev.ferry.machine.cpu;
