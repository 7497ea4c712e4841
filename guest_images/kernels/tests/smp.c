/* Multi-processor start-up and IPIs through the xAPIC (SDM Vol. 3A 9.4 and
 * 11.6): the BSP starts every AP with INIT and STARTUP IPIs into a real-mode
 * trampoline at 8000H; each AP reports its APIC ID and sends the BSP a fixed
 * IPI; the BSP then sends each AP a fixed IPI by physical destination, one
 * to all excluding itself, and an NMI to AP 1, and counts who took what.
 * Every wait is bounded by the TSC, so a missing CPU is a FAILED check. */
#include "kernel.h"

#define FW_CFG_NB_CPUS 0x0005
#define LVT_LINT0 0x350
#define LVT_MASKED (1u << 16)

#define APIC_BASE 0xFEE00000u
#define APIC_ID 0x020
#define EOI 0x0B0
#define SVR 0x0F0
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define SVR_ENABLED 0x1FF /* software-enabled, spurious vector 0xFF */
#define SPURIOUS_VECTOR 0xFF
/* ICR low word (SDM Vol. 3A 11.6.1) */
#define FIXED (0u << 8)
#define NMI (4u << 8)
#define INIT (5u << 8)
#define STARTUP (6u << 8)
#define DELIVERY_PENDING (1u << 12)
#define LEVEL_ASSERT (1u << 14)
#define TRIGGER_LEVEL (1u << 15)
#define ALL_EXCLUDING_SELF (3u << 18)

#define VECTOR_NMI 2
#define VECTOR_AP_READY 0x50  /* each AP to the BSP */
#define VECTOR_WAKE 0x51      /* the BSP to one AP */
#define VECTOR_BROADCAST 0x52 /* the BSP to all excluding itself */
#define TRAMPOLINE 0x8000u
#define STARTUP_VECTOR (TRAMPOLINE >> 12) /* a SIPI starts at vector * 4 KiB */
#define KERNEL_CODE 0x08 /* runtime.c's flat GDT, which the APs share */
#define KERNEL_DATA 0x10
#define BSP_APIC_ID 0
#define MAX_CPUS 8
#define MAX_APS (MAX_CPUS - 1)
#define AP_STACK_SIZE 4096 /* the trampoline shifts by 12 */

/* TSC ticks. The MP start-up algorithm waits 10 ms after INIT and 200 us
 * after a STARTUP; the exact lengths do not matter to an emulator, and a
 * loaded host needs far more than 200 us before a second STARTUP. */
#define INIT_DELAY 20000000ull       /* about 10 ms at 2 GHz */
#define FIRST_STARTUP_WAIT 200000000ull
#define BOUND 2000000000ull          /* every other wait */
#define ICR_IDLE_BOUND 100000000ull

#define STR(x) #x
#define XSTR(x) STR(x)

struct table_register {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

void ap_main(uint32_t slot);
void smp_interrupt(uint32_t vector);
extern char trampoline_start[], trampoline_gdtr[], trampoline_end[];
extern char nmi_entry[], ap_ready_entry[], wake_entry[], broadcast_entry[], spurious_entry[];

/* Written by the trampoline (slots handed out with lock xadd) and the APs. */
volatile uint32_t ap_stack_next;
uint8_t ap_stacks[MAX_APS][AP_STACK_SIZE] __attribute__((aligned(16)));
static struct table_register shared_idtr;
static volatile uint32_t aps_reported, icr_timeouts;
static volatile uint32_t ap_ids[MAX_APS];
/* Indexed by the APIC ID of the CPU that took the interrupt. */
static volatile uint32_t ready_ipis[MAX_CPUS], wakes[MAX_CPUS], acknowledged[MAX_CPUS], broadcasts[MAX_CPUS], nmis[MAX_CPUS];

/* The AP's first instructions, copied to 8000H. A SIPI leaves the AP in real
 * mode with CS = vector << 8 (base 8000H) and IP 0, and nothing else known:
 * every operand is CS-relative and no stack is used until one is set. The
 * GDTR image is filled by the BSP (sgdt) before the copy's first STARTUP,
 * so the AP loads the BSP's own GDT. CR0 comes out of INIT as 60000010H:
 * CD and NW are cleared so that the AP runs cached, as the BSP does. */
__asm__(
    ".pushsection .text\n"
    ".code16\n"
    "trampoline_start:\n"
    "  cli\n"
    "  lgdtl %cs:(trampoline_gdtr - trampoline_start)\n"
    "  movl %cr0, %eax\n"
    "  andl $0x9FFFFFFF, %eax\n"
    "  orl $1, %eax\n"
    "  movl %eax, %cr0\n"
    "  ljmpl $" XSTR(KERNEL_CODE) ", $ap_entry32\n"
    "  .balign 4\n"
    "trampoline_gdtr: .skip 6\n"
    "trampoline_end:\n"
    ".code32\n"
    /* Flat protected mode, linked addresses: the AP is in the kernel now. */
    "ap_entry32:\n"
    "  mov $" XSTR(KERNEL_DATA) ", %eax\n"
    "  mov %eax, %ds\n mov %eax, %es\n mov %eax, %ss\n mov %eax, %fs\n mov %eax, %gs\n"
    "  cld\n"
    "  mov $1, %eax\n"
    "  lock xadd %eax, ap_stack_next\n"
    "  cmp $" XSTR(MAX_APS) ", %eax\n"
    "  jae 2f\n"                 /* more APs than stacks: stop here */
    "  lea 1(%eax), %esp\n"      /* the top of stack number EAX */
    "  shl $12, %esp\n"
    "  add $ap_stacks, %esp\n"
    "  push %eax\n"
    "  call ap_main\n"
    "2: cli\n hlt\n jmp 2b\n"
    ".popsection\n");

/* The gates: save the registers as boot.S's stubs do, then
 * smp_interrupt(vector). A spurious interrupt needs no EOI. */
#define INTERRUPT_STUB(name, vector) \
  ".global " #name "\n" #name ":\n pusha\n cld\n push $" XSTR(vector) "\n call smp_interrupt\n add $4, %esp\n popa\n iret\n"
__asm__(".pushsection .text\n"
        INTERRUPT_STUB(nmi_entry, VECTOR_NMI)
        INTERRUPT_STUB(ap_ready_entry, VECTOR_AP_READY)
        INTERRUPT_STUB(wake_entry, VECTOR_WAKE)
        INTERRUPT_STUB(broadcast_entry, VECTOR_BROADCAST)
        ".global spurious_entry\nspurious_entry:\n iret\n"
        ".popsection\n");

static volatile uint32_t* reg(uint32_t offset) { return (volatile uint32_t*)(APIC_BASE + offset); }
static uint32_t apic_id(void) { return *reg(APIC_ID) >> 24; }

static void spin(uint64_t ticks) {
  const uint64_t end = rdtsc() + ticks;
  while (rdtsc() < end) __asm__ volatile("pause");
}
static int wait_at_least(volatile uint32_t* counter, uint32_t value, uint64_t deadline) {
  while (*counter < value && rdtsc() < deadline) __asm__ volatile("pause" ::: "memory");
  return *counter >= value;
}

/* An ICR write while the previous IPI is still pending is lost (11.6.1);
 * a timeout is counted and checked once at the end. */
static void send_ipi(uint32_t destination, uint32_t command) {
  const uint64_t deadline = rdtsc() + ICR_IDLE_BOUND;
  while ((*reg(ICR_LOW) & DELIVERY_PENDING) && rdtsc() < deadline) __asm__ volatile("pause");
  if (*reg(ICR_LOW) & DELIVERY_PENDING) __atomic_fetch_add(&icr_timeouts, 1, __ATOMIC_SEQ_CST);
  *reg(ICR_HIGH) = destination << 24;
  *reg(ICR_LOW) = command;
}

void smp_interrupt(uint32_t vector) {
  const uint32_t id = apic_id();
  if (id >= MAX_CPUS) return;
  switch (vector) {
    case VECTOR_NMI: ++nmis[id]; return; /* no EOI: an NMI is not in service in the APIC */
    case VECTOR_AP_READY: ++ready_ipis[id]; break;
    case VECTOR_WAKE: ++wakes[id]; break;
    case VECTOR_BROADCAST: ++broadcasts[id]; break;
  }
  *reg(EOI) = 0;
}

/* Each AP, on its own stack: the BSP's IDT, its APIC on, its ID reported,
 * then halted with interrupts on for as long as the run lasts. */
void ap_main(uint32_t slot) {
  __asm__ volatile("lidt %0" ::"m"(shared_idtr));
  *reg(SVR) = SVR_ENABLED;
  const uint32_t id = apic_id();
  ap_ids[slot] = id;
  __atomic_fetch_add(&aps_reported, 1, __ATOMIC_SEQ_CST);
  send_ipi(BSP_APIC_ID, FIXED | VECTOR_AP_READY);
  if (id < MAX_CPUS) {
    /* sti's one-instruction shadow: no interrupt between the test and hlt. */
    while (!wakes[id]) __asm__ volatile("sti; hlt; cli" ::: "memory");
    acknowledged[id] = 1;
  }
  for (;;) __asm__ volatile("sti; hlt" ::: "memory");
}

static void copy_trampoline(void) {
  volatile uint8_t* to = (volatile uint8_t*)TRAMPOLINE;
  for (const char* from = trampoline_start; from < trampoline_end; ++from) *to++ = (uint8_t)*from;
  struct table_register* gdtr = (struct table_register*)(TRAMPOLINE + (trampoline_gdtr - trampoline_start));
  __asm__ volatile("sgdt %0" : "=m"(*gdtr)::"memory");
}

/* INIT, (once) INIT level de-assert, STARTUP, and a second STARTUP only if
 * the AP has not reported after the first wait (MP specification B.4). */
static int start_ap(uint32_t id) {
  const uint32_t reported = aps_reported + 1;
  send_ipi(id, INIT | LEVEL_ASSERT);
  if (id == 1) send_ipi(id, INIT | TRIGGER_LEVEL); /* the de-assert: nothing to do for it */
  spin(INIT_DELAY);
  send_ipi(id, STARTUP | STARTUP_VECTOR);
  if (wait_at_least(&aps_reported, reported, rdtsc() + FIRST_STARTUP_WAIT)) return 1;
  send_ipi(id, STARTUP | STARTUP_VECTOR);
  return wait_at_least(&aps_reported, reported, rdtsc() + BOUND);
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  set_interrupt_gate(VECTOR_NMI, nmi_entry);
  set_interrupt_gate(VECTOR_AP_READY, ap_ready_entry);
  set_interrupt_gate(VECTOR_WAKE, wake_entry);
  set_interrupt_gate(VECTOR_BROADCAST, broadcast_entry);
  set_interrupt_gate(SPURIOUS_VECTOR, spurious_entry);
  __asm__ volatile("sidt %0" : "=m"(shared_idtr));
  /* LINT0 masked: the 8259's interrupts (firmware may leave its timer
   * running) have no gates here. Masked at the APIC, not at the 8259,
   * whose ports are the hypervisor's unless a profile gives devices.pic. */
  *reg(LVT_LINT0) = LVT_MASKED;
  *reg(SVR) = SVR_ENABLED;

  const uint32_t bsp = apic_id();
  put_line("bsp apic id", bsp);
  CHECK(bsp == BSP_APIC_ID, "the BSP's APIC ID is 0");
  uint16_t cpus = 0;
  fw_cfg_read(FW_CFG_NB_CPUS, &cpus, 2);
  put_line("cpus", cpus);
  CHECK(cpus >= 2, "the machine has at least two CPUs");
  CHECK(cpus <= MAX_CPUS, "the machine has at most 8 CPUs (this kernel's limit)");
  if (cpus < 2 || cpus > MAX_CPUS || bsp != BSP_APIC_ID) return failures;

  /* APIC IDs 0..cpus-1, as QEMU numbers them (no MADT walk here). */
  copy_trampoline();
  __asm__ volatile("sti");
  int ids_match = 1;
  for (uint32_t id = 1; id < cpus; ++id) {
    char what[] = "AP ? started by INIT-SIPI";
    what[3] = (char)('0' + id);
    const int started = start_ap(id);
    CHECK(started, what);
    /* One AP_READY at a time: two pending in IRR would count as one. */
    if (started) wait_at_least(&ready_ipis[BSP_APIC_ID], id, rdtsc() + BOUND);
    ids_match &= started && ap_ids[id - 1] == id;
  }
  CHECK(ids_match, "each AP recorded a distinct APIC ID equal to its target");
  send_ipi(1, STARTUP | STARTUP_VECTOR); /* to a running AP: must be ignored */
  uint32_t ready_elsewhere = 0;
  for (uint32_t id = 1; id < cpus; ++id) ready_elsewhere += ready_ipis[id];
  put_line("ready ipis at the bsp", ready_ipis[BSP_APIC_ID]);
  CHECK(ready_ipis[BSP_APIC_ID] == cpus - 1u && !ready_elsewhere, "each AP's fixed IPI reached the BSP");

  uint64_t deadline = rdtsc() + BOUND;
  int all = 1;
  for (uint32_t id = 1; id < cpus; ++id) {
    send_ipi(id, FIXED | VECTOR_WAKE);
    all &= wait_at_least(&acknowledged[id], 1, deadline) && wakes[id] == 1;
  }
  CHECK(all && !wakes[BSP_APIC_ID], "each AP took the BSP's fixed IPI (physical destination) and acknowledged it");

  send_ipi(0, FIXED | ALL_EXCLUDING_SELF | VECTOR_BROADCAST);
  deadline = rdtsc() + BOUND;
  all = 1;
  for (uint32_t id = 1; id < cpus; ++id) all &= wait_at_least(&broadcasts[id], 1, deadline) && broadcasts[id] == 1;
  CHECK(all, "the all-excluding-self IPI reached each AP exactly once");
  CHECK(broadcasts[BSP_APIC_ID] == 0, "the all-excluding-self IPI did not reach the BSP");

  send_ipi(1, NMI);
  const int nmi_taken = wait_at_least(&nmis[1], 1, rdtsc() + BOUND);
  uint32_t nmis_elsewhere = 0;
  for (uint32_t id = 0; id < cpus; ++id) nmis_elsewhere += id == 1 ? 0 : nmis[id];
  CHECK(nmi_taken && nmis[1] == 1, "the NMI IPI reached AP 1's NMI handler once");
  CHECK(nmis_elsewhere == 0, "no other CPU took an NMI");

  /* Long after the extra STARTUP: an AP it had restarted would have taken
   * a second trampoline slot. */
  put_line("trampoline entries", ap_stack_next);
  CHECK(ap_stack_next == cpus - 1u, "each AP ran the trampoline once (a STARTUP to a running AP is ignored)");
  CHECK(icr_timeouts == 0, "the ICR's delivery status was idle before every IPI");
  return failures;
}
