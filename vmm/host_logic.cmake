# Hypervisor sources that are plain logic: compiled freestanding into the
# hypervisor and, unchanged, into configgen and the host tests. Add a file
# here only if it includes nothing beyond <stdint.h>, <stddef.h> and vmm/
# headers of the same kind.
set(VMM_HOST_LOGIC_SOURCES
  ${CMAKE_SOURCE_DIR}/vmm/blob/reader.cpp
  ${CMAKE_SOURCE_DIR}/vmm/arch/vmx_capabilities.cpp
  ${CMAKE_SOURCE_DIR}/vmm/memory/ept.cpp
  ${CMAKE_SOURCE_DIR}/vmm/vmx/guest_state_checks.cpp
  ${CMAKE_SOURCE_DIR}/vmm/vmx/control_checks.cpp
  ${CMAKE_SOURCE_DIR}/vmm/vmx/host_state_checks.cpp
  ${CMAKE_SOURCE_DIR}/vmm/vmx/msr_load_checks.cpp
  ${CMAKE_SOURCE_DIR}/vmm/arch/instruction_decoder.cpp
  ${CMAKE_SOURCE_DIR}/vmm/memory/guest_paging.cpp
  ${CMAKE_SOURCE_DIR}/vmm/blob/signature.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/isolation_rules.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/fw_cfg.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/cpuid_view.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/fast_path.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/virtual_apic.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/virtual_8259.cpp
  ${CMAKE_SOURCE_DIR}/vmm/guests/virtual_8254.cpp
  ${CMAKE_SOURCE_DIR}/vmm/platform/owned_resources.cpp
  ${CMAKE_SOURCE_DIR}/vmm/memory/phys_ranges.cpp
  ${CMAKE_SOURCE_DIR}/vmm/boot/boot_info.cpp
  ${CMAKE_SOURCE_DIR}/vmm/boot/multiboot2.cpp
)
