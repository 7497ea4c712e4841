// The SDM vocabulary as typed C++: VMCS field encodings, control bits, exit
// reasons, exception vectors, MSRs and VM-instruction errors. Every list is
// expanded from the .def files beside this header, so configgen and the
// hypervisor share one spelling of each (SDM Vol. 3 Appendices A-C).
// Freestanding-safe: no library beyond <stdint.h>.
#pragma once
#include <stdint.h>

namespace arch {

enum class FieldWidth : uint8_t { W16, W32, W64, WN };

enum class VmcsField : uint32_t {
#define VMCS_FIELD(id, enc, w, name, sdm, book) id = enc,
#include "arch/vmcs_fields.def"
#undef VMCS_FIELD
};

struct VmcsFieldInfo {
  VmcsField field;
  FieldWidth width;
  const char* ident;
  const char* name;
  const char* sdm_section;
  const char* book_section;
};

inline constexpr VmcsFieldInfo kVmcsFields[] = {
#define VMCS_FIELD(id, enc, w, name, sdm, book) {VmcsField::id, FieldWidth::w, #id, name, sdm, book},
#include "arch/vmcs_fields.def"
#undef VMCS_FIELD
};
inline constexpr uint32_t kVmcsFieldCount = sizeof(kVmcsFields) / sizeof(kVmcsFields[0]);

// The five control words a profile sets, in blob order.
enum class ControlWord : uint8_t { PIN, PROC, PROC2, EXIT, ENTRY };
inline constexpr uint32_t kControlWordCount = 5;
// Each word's key under a profile's `controls:` and the SDM's name for it
// (SDM 24.6.1, 24.6.2, 24.7.1, 24.8.1), in ControlWord order.
struct ControlWordInfo {
  ControlWord word;
  const char* profile_key;
  const char* sdm_name;
  const char* sdm_section;
};
inline constexpr ControlWordInfo kControlWords[kControlWordCount] = {
    {ControlWord::PIN, "pin", "Pin-based VM-execution controls", "24.6.1"},
    {ControlWord::PROC, "proc", "Primary processor-based VM-execution controls", "24.6.2"},
    {ControlWord::PROC2, "proc2", "Secondary processor-based VM-execution controls", "24.6.2"},
    {ControlWord::EXIT, "exit", "Primary VM-exit controls", "24.7.1"},
    {ControlWord::ENTRY, "entry", "VM-entry controls", "24.8.1"},
};
constexpr const char* control_word_key(ControlWord w) { return kControlWords[uint32_t(w)].profile_key; }

struct ControlBit {
  ControlWord word;
  uint8_t bit;
  constexpr uint32_t mask() const { return 1u << bit; }
};

struct ControlBitInfo {
  ControlBit control;
  const char* ident;
  const char* profile_name;
  const char* sdm_name;
  const char* sdm_section;
  const char* book_section;
};

namespace ctl {
#define VMX_CONTROL(w, id, b, pname, sname, sdm, book, what) inline constexpr ControlBit id{ControlWord::w, b};
#include "arch/vmx_controls.def"
#undef VMX_CONTROL
}  // namespace ctl

inline constexpr ControlBitInfo kControlBits[] = {
#define VMX_CONTROL(w, id, b, pname, sname, sdm, book, what) {{ControlWord::w, b}, #id, pname, sname, sdm, book},
#include "arch/vmx_controls.def"
#undef VMX_CONTROL
};
inline constexpr uint32_t kControlBitCount = sizeof(kControlBits) / sizeof(kControlBits[0]);
// The table row of a control, or null for a bit the table does not name.
constexpr const ControlBitInfo* find_control(ControlBit b) {
  for (const ControlBitInfo& c : kControlBits)
    if (c.control.word == b.word && c.control.bit == b.bit) return &c;
  return nullptr;
}

enum class ExitReason : uint16_t {
#define EXIT_REASON(n, id, pname, sname, sdm, book) id = n,
#include "arch/exit_reasons.def"
#undef EXIT_REASON
};
// Dispatch tables are this long: one past the highest number in the .def.
inline constexpr uint32_t kMaxExitReason = [] {
  uint32_t end = 0;
#define EXIT_REASON(n, id, pname, sname, sdm, book) end = (n) + 1 > end ? (n) + 1 : end;
#include "arch/exit_reasons.def"
#undef EXIT_REASON
  return end;
}();

struct ExitReasonInfo {
  uint16_t number;
  const char* ident;
  const char* profile_name;
  const char* sdm_name;
  const char* sdm_section;
  const char* book_section;
};
inline constexpr ExitReasonInfo kExitReasons[] = {
#define EXIT_REASON(n, id, pname, sname, sdm, book) {n, #id, pname, sname, sdm, book},
#include "arch/exit_reasons.def"
#undef EXIT_REASON
};
inline constexpr uint32_t kExitReasonCount = sizeof(kExitReasons) / sizeof(kExitReasons[0]);

enum class Vector : uint8_t {
#define EXCEPTION(v, id, mn, name, ec) id = v,
#include "arch/exceptions.def"
#undef EXCEPTION
};
struct ExceptionInfo {
  uint8_t vector;
  const char* mnemonic;
  const char* name;
  bool has_error_code;
};
inline constexpr ExceptionInfo kExceptions[] = {
#define EXCEPTION(v, id, mn, name, ec) {v, mn, name, ec != 0},
#include "arch/exceptions.def"
#undef EXCEPTION
};
inline constexpr uint32_t kExceptionCount = sizeof(kExceptions) / sizeof(kExceptions[0]);

enum class Msr : uint32_t {
#define MSR(id, n, pname, sdm) id = n,
#include "arch/msrs.def"
#undef MSR
};
struct MsrInfo {
  uint32_t number;
  const char* ident;
  const char* profile_name;
  const char* sdm_section;
};
inline constexpr MsrInfo kMsrs[] = {
#define MSR(id, n, pname, sdm) {n, #id, pname, sdm},
#include "arch/msrs.def"
#undef MSR
};
inline constexpr uint32_t kMsrCount = sizeof(kMsrs) / sizeof(kMsrs[0]);

struct VmInstructionErrorInfo {
  uint32_t number;
  const char* text;
};
inline constexpr VmInstructionErrorInfo kVmInstructionErrors[] = {
#define VM_INSTRUCTION_ERROR(n, text) {n, text},
#include "arch/vm_instruction_errors.def"
#undef VM_INSTRUCTION_ERROR
};
inline constexpr uint32_t kVmInstructionErrorCount =
    sizeof(kVmInstructionErrors) / sizeof(kVmInstructionErrors[0]);

// Lookups shared by both halves; linear scans over short constexpr tables.
constexpr const VmcsFieldInfo* find_field(VmcsField f) {
  for (const auto& i : kVmcsFields)
    if (i.field == f) return &i;
  return nullptr;
}
constexpr const ExitReasonInfo* find_exit_reason(uint32_t n) {
  for (const auto& i : kExitReasons)
    if (i.number == n) return &i;
  return nullptr;
}
constexpr const char* exit_reason_name(uint32_t n) {
  const ExitReasonInfo* i = find_exit_reason(n);
  return i ? i->sdm_name : "unknown exit reason";
}
constexpr const ExceptionInfo* find_exception(uint32_t v) {
  for (const auto& i : kExceptions)
    if (i.vector == v) return &i;
  return nullptr;
}
constexpr const char* vm_instruction_error_text(uint32_t n) {
  for (const auto& i : kVmInstructionErrors)
    if (i.number == n) return i.text;
  return "unknown VM-instruction error";
}
constexpr const char* control_word_name(ControlWord w) {
  switch (w) {
    case ControlWord::PIN: return "pin-based VM-execution controls";
    case ControlWord::PROC: return "primary processor-based VM-execution controls";
    case ControlWord::PROC2: return "secondary processor-based VM-execution controls";
    case ControlWord::EXIT: return "VM-exit controls";
    case ControlWord::ENTRY: return "VM-entry controls";
  }
  return "?";
}
// The capability MSR that bounds a control word (SDM A.3-A.5); `true_msr`
// when IA32_VMX_BASIC[55] says the TRUE_ MSRs exist (book 2.5.5.2).
constexpr Msr control_capability_msr(ControlWord w, bool true_msr) {
  switch (w) {
    case ControlWord::PIN: return true_msr ? Msr::IA32_VMX_TRUE_PINBASED_CTLS : Msr::IA32_VMX_PINBASED_CTLS;
    case ControlWord::PROC: return true_msr ? Msr::IA32_VMX_TRUE_PROCBASED_CTLS : Msr::IA32_VMX_PROCBASED_CTLS;
    case ControlWord::PROC2: return Msr::IA32_VMX_PROCBASED_CTLS2;
    case ControlWord::EXIT: return true_msr ? Msr::IA32_VMX_TRUE_EXIT_CTLS : Msr::IA32_VMX_EXIT_CTLS;
    case ControlWord::ENTRY: return true_msr ? Msr::IA32_VMX_TRUE_ENTRY_CTLS : Msr::IA32_VMX_ENTRY_CTLS;
  }
  return Msr::IA32_VMX_BASIC;
}
constexpr const char* msr_ident(uint32_t n) {
  for (const auto& i : kMsrs)
    if (i.number == n) return i.ident;
  return nullptr;
}

}  // namespace arch
