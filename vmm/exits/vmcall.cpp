// The hypercall interface (docs/guest-abi.md): VMCALL with the service in
// EAX. Results in EAX: 0 done, 0xFFFFFFFF unknown service or bad argument.
#include "console/debug_ring.h"
#include "exits/handlers.h"
#include "memory/phys.h"
#include "platform/local_apic.h"

namespace exits {
namespace {
enum class Service : uint32_t {
  Exit = 0,   // EBX = the guest's exit code; ends the guest
  Putc = 1,   // BL = one console byte
  Write = 2,  // EBX = guest-physical address, ECX = length: console bytes
  DumpRing = 3,  // EBX, ECX: two values recorded, then the debug ring is dumped
  Nop = 4,       // nothing: a bare hypercall round trip (benchmarks)
  PostInterrupt = 5,  // BL = vector: posted to the guest (SDM 29.6), only with "process posted interrupts"
};
constexpr uint64_t kBadCall = 0xFFFFFFFFu;

// Posting an interrupt as another agent would (SDM 29.6): the request bit in
// the descriptor's PIR, the outstanding-notification bit ON, then the
// notification vector to the guest's CPU, here a self-IPI that waits in the
// host APIC's IRR (the host runs with interrupts off) until the next VM
// entry, where the CPU processes it without a VM exit.
bool post_interrupt(guests::Vcpu& v, uint8_t vector) {
  if (!v.posted_descriptor || vector < 32) return false;
  auto* pir = memory::phys_to_virt<uint32_t>(v.posted_descriptor);
  __atomic_or_fetch(&pir[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
  constexpr uint32_t kOutstandingNotificationWord = 256 / 32;  // ON is bit 256
  __atomic_or_fetch(&pir[kOutstandingNotificationWord], 1u, __ATOMIC_SEQ_CST);
  platform::send_self_ipi(guests::kPostedInterruptNotificationVector);
  return true;
}
}  // namespace

Flow on_vmcall(guests::Vcpu& v, const ExitInfo& e) {
  switch (Service(uint32_t(v.regs.rax))) {
    case Service::Exit:
      console_flush(v);
      return finish(v, guests::Outcome::Exited, "code %lu", v.regs.rbx & 0xFFFFFFFF);
    case Service::Putc:
      console_put(v, char(v.regs.rbx));
      v.regs.rax = 0;
      break;
    case Service::Write: {
      uint64_t gpa = v.regs.rbx & 0xFFFFFFFF;
      uint64_t left = v.regs.rcx & 0xFFFF;
      v.regs.rax = 0;
      while (left) {
        const uint64_t chunk_end = (gpa | 0xFFF) + 1;  // stay within one 4K page per lookup
        const uint64_t n = chunk_end - gpa < left ? chunk_end - gpa : left;
        const uint64_t hpa = guests::guest_to_host(v, gpa, n);
        if (!hpa) {
          v.regs.rax = kBadCall;
          break;
        }
        const char* text = memory::phys_to_virt<const char>(hpa);
        for (uint64_t i = 0; i < n; ++i) console_put(v, text[i]);
        gpa += n, left -= n;
      }
      break;
    }
    case Service::DumpRing:
      console_flush(v);
      console::debug_record("guest record", v.guest_index, v.regs.rbx, v.regs.rcx);
      console::debug_ring_dump("requested by a guest");
      v.regs.rax = 0;
      break;
    case Service::Nop: v.regs.rax = 0; break;
    case Service::PostInterrupt: v.regs.rax = post_interrupt(v, uint8_t(v.regs.rbx)) ? 0 : kBadCall; break;
    default: v.regs.rax = kBadCall; break;
  }
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
