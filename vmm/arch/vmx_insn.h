// The VMX instructions (SDM Vol. 3 30.3) with their status flags decoded:
// VMsucceed, VMfailInvalid (CF=1), VMfailValid (ZF=1, error number in the
// VM-instruction error field).
#pragma once
#include <stdint.h>

#include "arch/vmx_table.h"

namespace arch {

enum class VmxResult : uint8_t { Succeed = 0, FailInvalid = 1, FailValid = 2 };

#define ARCH_VMX_STATUS(insn, operand_constraint, operand)                          \
  uint8_t cf, zf;                                                                   \
  asm volatile(insn " %2; setc %0; setz %1"                                         \
               : "=qm"(cf), "=qm"(zf)                                               \
               : operand_constraint(operand)                                        \
               : "cc", "memory");                                                   \
  return cf ? VmxResult::FailInvalid : zf ? VmxResult::FailValid : VmxResult::Succeed;

inline VmxResult vmxon(uint64_t phys) { ARCH_VMX_STATUS("vmxon", "m", phys) }
inline VmxResult vmclear(uint64_t phys) { ARCH_VMX_STATUS("vmclear", "m", phys) }
inline VmxResult vmptrld(uint64_t phys) { ARCH_VMX_STATUS("vmptrld", "m", phys) }
#undef ARCH_VMX_STATUS

inline VmxResult vmwrite(VmcsField field, uint64_t value) {
  uint8_t cf, zf;
  asm volatile("vmwrite %3, %2; setc %0; setz %1"
               : "=qm"(cf), "=qm"(zf)
               : "r"(uint64_t(field)), "rm"(value)
               : "cc", "memory");
  return cf ? VmxResult::FailInvalid : zf ? VmxResult::FailValid : VmxResult::Succeed;
}
inline uint64_t vmread(VmcsField field) {
  uint64_t value = 0;
  asm volatile("vmread %1, %0" : "=rm"(value) : "r"(uint64_t(field)) : "cc");
  return value;
}

// VMREAD that reports whether the field exists on this CPU.
inline bool vmread_checked(VmcsField field, uint64_t& value) {
  uint8_t bad;
  asm volatile("vmread %2, %0; setbe %1" : "=rm"(value), "=qm"(bad) : "r"(uint64_t(field)) : "cc");
  return !bad;
}

// INVEPT / INVVPID descriptors and types (SDM 30.3, book 6.2.6).
enum class InveptType : uint64_t { SingleContext = 1, AllContext = 2 };
enum class InvvpidType : uint64_t { IndividualAddress = 0, SingleContext = 1, AllContext = 2 };
inline void invept(InveptType type, uint64_t eptp) {
  struct {
    uint64_t eptp, reserved;
  } desc{eptp, 0};
  asm volatile("invept %0, %1" ::"m"(desc), "r"(uint64_t(type)) : "cc", "memory");
}
inline void invvpid(InvvpidType type, uint16_t vpid, uint64_t linear = 0) {
  struct {
    uint64_t vpid, linear;
  } desc{vpid, linear};
  asm volatile("invvpid %0, %1" ::"m"(desc), "r"(uint64_t(type)) : "cc", "memory");
}

}  // namespace arch
