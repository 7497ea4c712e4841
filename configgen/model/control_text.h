// What each VMX control does: the last column of vmm/arch/vmx_controls.def,
// for `configgen explain` and docs/profile-reference.md. Host only: the
// hypervisor's expansions of the table leave the words out of vmm.elf.
#pragma once
#include "arch/vmx_table.h"

namespace configgen::model {

struct ControlText {
  arch::ControlBit control;
  const char* what;
};
inline constexpr ControlText kControlTexts[] = {
#define VMX_CONTROL(w, id, b, pname, sname, sdm, book, what) {arch::ctl::id, what},
#include "arch/vmx_controls.def"
#undef VMX_CONTROL
};
static_assert(sizeof(kControlTexts) / sizeof(kControlTexts[0]) == arch::kControlBitCount);

constexpr const char* control_text(arch::ControlBit b) {
  for (const ControlText& t : kControlTexts)
    if (t.control.word == b.word && t.control.bit == b.bit) return t.what;
  return "";
}

}  // namespace configgen::model
