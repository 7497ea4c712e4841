#include "guests/guest_memory.h"

#include "arch/registers.h"
#include "arch/vmx_formats.h"
#include "arch/vmx_insn.h"
#include "arch/vmx_table.h"
#include "memory/guest_paging.h"
#include "memory/phys.h"

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
  const memory::GuestPagingState s{arch::vmread(F::GUEST_CR0), arch::vmread(F::GUEST_CR3), arch::vmread(F::GUEST_CR4),
                                   arch::vmread(F::GUEST_IA32_EFER)};
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

bool read_guest_u32(const Vcpu& v, uint64_t linear, uint32_t& value) {
  uint8_t b[4];
  if (read_guest_linear(v, linear, b, 4) != 4) return false;
  value = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  return true;
}

bool write_guest_u32(const Vcpu& v, uint64_t linear, uint32_t value) {
  const uint8_t b[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
  return write_guest_linear(v, linear, b, 4) == 4;
}

bool read_guest_descriptor(const Vcpu& v, uint16_t selector, uint64_t& d, uint64_t ldt_base) {
  using F = arch::VmcsField;
  const uint64_t table = (selector & 4) ? ldt_base : arch::vmread(F::GUEST_GDTR_BASE);
  uint32_t lo, hi;
  if (!read_guest_u32(v, table + (selector & ~7u), lo) || !read_guest_u32(v, table + (selector & ~7u) + 4, hi)) return false;
  d = uint64_t(hi) << 32 | lo;
  return true;
}

arch::CpuMode guest_code_mode() {
  using F = arch::VmcsField;
  const arch::SegmentAccessRights ar{uint32_t(arch::vmread(F::GUEST_CS_ACCESS_RIGHTS))};
  if (!(arch::vmread(F::GUEST_CR0) & arch::cr0::PE)) return arch::CpuMode::Bits16;
  if (ar.long_mode()) return arch::CpuMode::Bits64;
  return ar.default_big() ? arch::CpuMode::Bits32 : arch::CpuMode::Bits16;
}
}  // namespace guests
