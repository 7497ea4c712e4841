/* The PC's legacy interrupt controllers and interval timer as a kernel
 * programs them: the cascaded 8259A pair (Intel 8259A datasheet) set up with
 * ICW1-ICW4, its IMR read back (OCW1), IRR and ISR read through OCW3,
 * non-specific, specific and automatic EOI, and a masked edge held as one
 * request in IRR; the 8254 (Intel 8254 datasheet) counter 0 in mode 2
 * (rate generator) and mode 0 (interrupt on terminal count) on IRQ 0, the
 * counter-latch and read-back commands, and counter 2 gated and watched
 * through port 61H (bit 0 gate, bit 5 OUT2), which is the clock of every
 * bounded wait here. Only vector 40H (IRQ 0 with the master's base at 40H)
 * has a gate; interrupts stay disabled until both chips are programmed. */
#include "kernel.h"

#define PIC1 0x20
#define PIC2 0xA0
#define OCW3_READ_IRR 0x0A
#define OCW3_READ_ISR 0x0B
#define NONSPECIFIC_EOI 0x20
#define SPECIFIC_EOI_IR0 0x60
#define VECTOR 0x40
#define PIT_COUNTER0 0x40
#define PIT_CONTROL 0x43
#define PORT_61 0x61
#define PERIOD 11932 /* 1193182 Hz / 11932: about 100 Hz */
#define ONE_MS 1193
#define SPIN_LIMIT 10000000u /* polls of OUT2 for 1 ms: far more than any clock needs */
#define MODE0 0x30           /* LSB then MSB, mode 0, binary */
#define MODE2 0x34           /* LSB then MSB, mode 2, binary */

enum eoi_kind { NONSPECIFIC, SPECIFIC, AUTOMATIC };
static volatile enum eoi_kind eoi = NONSPECIFIC;
static volatile uint32_t ticks, in_service, left_in_service, stalls;

static uint8_t read_isr(uint16_t pic) {
  outb(pic, OCW3_READ_ISR);
  return inb(pic);
}
static uint8_t read_irr(uint16_t pic) {
  outb(pic, OCW3_READ_IRR);
  return inb(pic);
}

/* IRQ 0: ISR bit 0 should be set on entry unless the chip already ended the
 * interrupt itself (AEOI), and clear once this handler's EOI is written. */
void apic_interrupt(void) {
  ++ticks;
  if (read_isr(PIC1) & 1) ++in_service;
  if (eoi == NONSPECIFIC) outb(PIC1, NONSPECIFIC_EOI);
  if (eoi == SPECIFIC) outb(PIC1, SPECIFIC_EOI_IR0);
  if (read_isr(PIC1) & 1) ++left_in_service;
}

static void init_pic(uint16_t pic, uint8_t base, uint8_t icw3, uint8_t icw4, uint8_t imr) {
  outb(pic, 0x11); /* ICW1: edge triggered, cascade, ICW4 follows */
  outb(pic + 1, base);
  outb(pic + 1, icw3);
  outb(pic + 1, icw4);
  outb(pic + 1, imr); /* OCW1 */
}
static void pit_program(uint8_t counter, uint8_t control, uint16_t count) {
  outb(PIT_CONTROL, (uint8_t)(counter << 6 | control));
  outb(PIT_COUNTER0 + counter, (uint8_t)count);
  outb(PIT_COUNTER0 + counter, (uint8_t)(count >> 8));
}
static uint16_t latch_count0(void) {
  outb(PIT_CONTROL, 0x00); /* counter latch command, counter 0 */
  const uint8_t low = inb(PIT_COUNTER0);
  return (uint16_t)(low | inb(PIT_COUNTER0) << 8);
}
/* Read-back of counter 0's status only (COUNT bit set: no count latched).
 * Bit 6 (null count) depends on when the count reached the counting
 * element, so the checks look at OUT (bit 7) and the control bits only. */
static uint8_t status0(void) {
  outb(PIT_CONTROL, 0xE2);
  return inb(PIT_COUNTER0);
}

/* Counter 2 as a one-shot: gate low while it is programmed, then high. */
static void channel2_start(uint16_t count) {
  const uint8_t keep = inb(PORT_61) & 0x0C; /* the NMI-source bits stay as the firmware left them */
  outb(PORT_61, keep);                      /* gate and speaker data off */
  pit_program(2, MODE0, count);
  outb(PORT_61, keep | 1);
}
static int channel2_out(void) { return (inb(PORT_61) >> 5) & 1; }

/* Whole milliseconds of counter 2; a one-shot that never ends is counted
 * in `stalls` (a check at the end) and ends every later wait at once. */
static void wait_ms(uint32_t ms) {
  for (uint32_t m = 0; m < ms && !stalls; ++m) {
    channel2_start(ONE_MS);
    uint32_t i = 0;
    while (!channel2_out() && ++i < SPIN_LIMIT) {
    }
    if (i == SPIN_LIMIT) ++stalls;
  }
}
/* Interrupts enabled until `n` ticks are counted or about `ms` have passed:
 * a lost interrupt fails a check rather than hanging the kernel. */
static void let_in(uint32_t n, uint32_t ms) {
  for (uint32_t m = 0; m < ms && ticks < n && !stalls; ++m) {
    channel2_start(ONE_MS);
    __asm__ volatile("sti" ::: "memory");
    for (uint32_t i = 0; ticks < n && !channel2_out() && i < SPIN_LIMIT; ++i) {
    }
    __asm__ volatile("cli" ::: "memory");
  }
}
/* HLT, once let_in has seen a tick and while nothing holds IRQ 0 back
 * (ISR or IMR bit 0): with counter 0 in mode 2 the next one is coming. */
static void halt_until(uint32_t n) {
  for (uint32_t i = 0; ticks && ticks < n && i < 2 * n && !((read_isr(PIC1) | inb(PIC1 + 1)) & 1); ++i)
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}
static void open_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }
static void reset_counts(enum eoi_kind kind) { eoi = kind, ticks = in_service = left_in_service = 0; }

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  __asm__ volatile("cli");
  install_traps();
  set_interrupt_gate(VECTOR, vector_0x40_entry);

  channel2_start(ONE_MS);
  const int early = channel2_out();
  uint32_t polls = 0;
  while (!channel2_out() && ++polls < SPIN_LIMIT) {
  }
  put_line("channel 2 polls in 1 ms:", polls);
  CHECK(!early, "OUT2 (port 0x61 bit 5) is low while counter 2 counts down in mode 0");
  CHECK(polls < SPIN_LIMIT, "OUT2 goes high at counter 2's terminal count");

  /* Counter 0 first: ICW1 then resets the edge sense, and a request the
   * firmware's timer left would only be the first of the ticks counted. */
  pit_program(0, MODE2, PERIOD);
  init_pic(PIC1, VECTOR, 0x04, 0x01, 0xFE); /* slave on IR2, 8086 mode; only IRQ 0 open */
  init_pic(PIC2, VECTOR + 8, 0x02, 0x01, 0xFF);
  CHECK(inb(PIC1 + 1) == 0xFE && inb(PIC2 + 1) == 0xFF, "the data ports read back the IMRs (0xfe, 0xff)");
  CHECK(read_isr(PIC1) == 0 && read_isr(PIC2) == 0, "ISR reads 0 on both chips after initialization");

  reset_counts(NONSPECIFIC);
  let_in(1, 100);
  halt_until(5);
  put_line("mode 2 ticks:", ticks);
  CHECK(ticks == 5, "counter 0 in mode 2 interrupted five times through IRQ 0 (vector 0x40)");
  CHECK(in_service == 5, "ISR bit 0 was set in every handler");
  CHECK(left_in_service == 0 && read_isr(PIC1) == 0, "a non-specific EOI cleared ISR bit 0");

  reset_counts(SPECIFIC);
  let_in(1, 100);
  halt_until(2);
  put_line("specific-EOI ticks:", ticks);  /* which part failed, if one does */
  put_line("specific-EOI in service / left:", in_service * 100 + left_in_service);
  CHECK(ticks == 2 && in_service == 2 && left_in_service == 0, "a specific EOI for IR0 cleared ISR bit 0");
  CHECK((status0() & 0x3F) == MODE2, "read-back status holds counter 0's control bits (mode 2)");

  /* Mode 2 counts N..1 and reloads: every latched value is in 1..N. */
  int in_range = 1, moved = 0;
  const uint16_t first = latch_count0();
  for (int i = 0; i < 8; ++i) {
    const uint16_t c = i ? latch_count0() : first;
    in_range &= c >= 1 && c <= PERIOD;
    moved |= c != first;
    wait_ms(1);
  }
  put_line("latched count:", first);
  CHECK(in_range, "latched counts of counter 0 lie in 1..11932");
  CHECK(moved, "latched counts of counter 0 change over time");

  /* Masked, the edges still reach IRR, where any number of them are one
   * request. Mode 0 with the longest count then keeps OUT low for 55 ms, so
   * no new edge can arrive in the windows below. */
  reset_counts(NONSPECIFIC);
  outb(PIC1 + 1, 0xFF);
  wait_ms(25);
  pit_program(0, MODE0, 0xFFFF);
  const uint8_t counting = status0();
  const uint8_t irr = read_irr(PIC1), isr = read_isr(PIC1);
  open_window();
  const uint32_t masked = ticks;
  outb(PIC1 + 1, 0xFE);
  open_window();
  const uint32_t unmasked = ticks;
  open_window();
  const uint32_t again = ticks;
  const uint8_t irr_after = read_irr(PIC1);
  put_line("irr while masked:", irr);
  CHECK((irr & 1) && !(isr & 1), "masked, IRQ 0 waits in IRR (OCW3 0x0a), not in ISR (OCW3 0x0b)");
  CHECK(masked == 0, "no interrupt while IRQ 0 is masked");
  CHECK(unmasked == 1 && again == 1, "unmasking delivers the held edges as one interrupt");
  CHECK(!(irr_after & 1) && read_isr(PIC1) == 0, "IRR and ISR bit 0 are clear afterwards");
  put_line("status counting:", counting);
  CHECK(!(counting & 0x80) && (counting & 0x3F) == MODE0, "read-back status: OUT low while mode 0 counts");

  /* Mode 0: one edge at terminal count, then OUT stays high. The 55 ms
   * count above may have run out by now (a slow emulator, a CPU shared
   * with other guests): a fresh long count stops new edges, a window
   * drains a request already made, and only then the count under test. */
  pit_program(0, MODE0, 0xFFFF);
  open_window();
  reset_counts(NONSPECIFIC);
  pit_program(0, MODE0, PERIOD / 2);
  let_in(1, 100);
  const uint32_t fired = ticks;
  __asm__ volatile("sti" ::: "memory");
  wait_ms(12);
  __asm__ volatile("cli" ::: "memory");
  const uint8_t expired = status0();
  put_line("status expired:", expired);
  CHECK(fired == 1, "counter 0 in mode 0 interrupted at terminal count");
  CHECK(ticks == 1, "and not again over the following 12 ms");
  CHECK((expired & 0x80) && (expired & 0x3F) == MODE0, "read-back status: OUT high after terminal count");

  /* Automatic EOI: the acknowledge itself clears ISR; no EOI is written. */
  init_pic(PIC1, VECTOR, 0x04, 0x03, 0xFE);
  reset_counts(AUTOMATIC);
  pit_program(0, MODE2, PERIOD);
  let_in(1, 100);
  halt_until(3);
  put_line("auto-EOI ticks:", ticks);
  CHECK(ticks == 3, "with ICW4 AEOI, mode 2 interrupts keep arriving without EOI");
  CHECK(in_service == 0 && read_isr(PIC1) == 0, "with AEOI, ISR bit 0 is already clear in the handler");

  /* Spinning, not halting: a loop that reads only memory and the TSC still
   * gets its ticks when they are due. Three take three periods (30 ms); the
   * bound is ten, in TSC ticks counted against counter 2 first. */
  const uint64_t t0 = rdtsc();
  wait_ms(10);
  const uint32_t tsc_per_ms = (uint32_t)(rdtsc() - t0) / 10;
  reset_counts(AUTOMATIC);
  const uint64_t limit = rdtsc() + (uint64_t)tsc_per_ms * 100;
  __asm__ volatile("sti" ::: "memory");
  while (ticks < 3 && rdtsc() < limit) __asm__ volatile("pause" ::: "memory");
  __asm__ volatile("cli" ::: "memory");
  put_line("ticks while spinning:", ticks);
  CHECK(ticks >= 3, "mode 2 interrupts arrive on time while the CPU spins without an exit");

  /* Leave nothing armed: every input masked, counter 0 one-shot, gate 2 low. */
  outb(PIC1 + 1, 0xFF);
  outb(PIC2 + 1, 0xFF);
  pit_program(0, MODE0, 0xFFFF);
  outb(PORT_61, inb(PORT_61) & 0x0C);
  CHECK(stalls == 0, "every counter 2 one-shot reached terminal count");
  return failures;
}
