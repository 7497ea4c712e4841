#include "guests/guest_memory.h"

#include "arch/vmx_table.h"
#include "memory/guest_paging.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace guests {
namespace {
bool read_physical(void* ctx, uint64_t gpa, uint32_t size, uint64_t* value) {
  const uint64_t hpa = guest_to_host(*static_cast<const Vcpu*>(ctx), gpa, size);
  if (!hpa) return false;
  *value = size == 4 ? *memory::phys_to_virt<const uint32_t>(hpa) : *memory::phys_to_virt<const uint64_t>(hpa);
  return true;
}
}  // namespace

namespace {
// Copies between the hypervisor and guest memory page by page.
uint32_t copy_guest_linear(const Vcpu& v, uint64_t linear, uint8_t* buffer, uint32_t n, bool to_guest) {
  using F = arch::VmcsField;
  const memory::GuestPagingState s{vmx::read(F::GUEST_CR0), vmx::read(F::GUEST_CR3), vmx::read(F::GUEST_CR4),
                                   vmx::read(F::GUEST_IA32_EFER)};
  uint32_t done = 0;
  while (done < n) {
    uint64_t gpa;
    if (memory::guest_linear_to_physical(s, linear + done, read_physical, const_cast<Vcpu*>(&v), gpa) != memory::WalkStatus::Ok)
      break;
    const uint32_t in_page = uint32_t(0x1000 - (gpa & 0xFFF));
    const uint32_t chunk = n - done < in_page ? n - done : in_page;
    const uint64_t hpa = guest_to_host(v, gpa, chunk);
    if (!hpa) break;
    uint8_t* guest = memory::phys_to_virt<uint8_t>(hpa);
    for (uint32_t i = 0; i < chunk; ++i) {
      if (to_guest) guest[i] = buffer[done + i];
      else buffer[done + i] = guest[i];
    }
    done += chunk;
  }
  return done;
}
}  // namespace

uint32_t read_guest_linear(const Vcpu& v, uint64_t linear, uint8_t* out, uint32_t n) {
  return copy_guest_linear(v, linear, out, n, false);
}
uint32_t write_guest_linear(const Vcpu& v, uint64_t linear, const uint8_t* in, uint32_t n) {
  return copy_guest_linear(v, linear, const_cast<uint8_t*>(in), n, true);
}
}  // namespace guests
