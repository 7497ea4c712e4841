// The typed SDM formats (vmm/arch/vmx_formats.h) against encodings worked
// out by hand from the SDM's tables, and against a real CPU's capability
// MSRs (Bochs 3.0 tigerlake, configgen/targets/captures).
#include <gtest/gtest.h>

#include "arch/registers.h"
#include "arch/vmx_formats.h"

namespace {
using namespace arch;

TEST(InterruptionInfo, EncodesAndDecodesEveryField) {
  // #GP with an error code: valid (31), deliver error code (11), type 3, vector 13.
  constexpr InterruptionInfo gp = InterruptionInfo::hardware_exception(13, true);
  static_assert(gp.raw == 0x80000B0D);
  EXPECT_TRUE(gp.valid());
  EXPECT_EQ(gp.type(), InterruptionType::HardwareException);
  EXPECT_EQ(gp.vector(), 13);
  EXPECT_TRUE(gp.deliver_error_code());
  EXPECT_EQ(gp.entry_reserved_bits(), 0u);
  // NMI: type 2, vector 2, no error code.
  EXPECT_EQ(InterruptionInfo::make(InterruptionType::Nmi, 2, false).raw, 0x80000202u);
  // INT 0x80 (software interrupt, type 4).
  EXPECT_EQ(InterruptionInfo::make(InterruptionType::SoftwareInterrupt, 0x80, false).raw, 0x80000480u);
}

TEST(InterruptionInfo, ReinjectionDropsTheNmiUnblockingBit) {
  const InterruptionInfo vectoring{0x80001B0E};  // #PF with error code, bit 12 set
  EXPECT_TRUE(vectoring.nmi_unblocking_due_to_iret());
  EXPECT_EQ(vectoring.for_reinjection().raw, 0x80000B0Eu);
  EXPECT_NE(InterruptionInfo{0x80010000}.entry_reserved_bits(), 0u);
}

TEST(ExitReasonField, SplitsTheBasicReasonFromTheFlags) {
  const ExitReasonField failed{0x80000021};  // VM-entry failure, invalid guest state (33)
  EXPECT_TRUE(failed.vm_entry_failure());
  EXPECT_EQ(failed.basic_reason(), 33);
  const ExitReasonField mtf{1u << 28 | 10};
  EXPECT_TRUE(mtf.pending_mtf());
  EXPECT_FALSE(mtf.vm_entry_failure());
  EXPECT_TRUE(ExitReasonField{1u << 27}.incident_to_enclave_mode());
}

TEST(ExitQualifications, DecodeTheSdmTables) {
  // MOV CR4, RBX: CR 4, access type 0, register 3 (Table 28-3).
  const CrAccessQualification mov{0x304};
  EXPECT_EQ(mov.control_register(), 4);
  EXPECT_EQ(mov.access_type(), CrAccessType::MovToCr);
  EXPECT_EQ(mov.general_register(), 3);
  // LMSW from memory with source 0x000F.
  const CrAccessQualification lmsw{0x000F0070};
  EXPECT_EQ(lmsw.access_type(), CrAccessType::Lmsw);
  EXPECT_TRUE(lmsw.lmsw_operand_is_memory());
  EXPECT_EQ(lmsw.lmsw_source_data(), 0xF);
  // IN AL, 0x60: one byte, in, immediate port (Table 28-5).
  const IoQualification in{0x00600048};
  EXPECT_EQ(in.size(), 1);
  EXPECT_TRUE(in.in());
  EXPECT_TRUE(in.immediate_operand());
  EXPECT_FALSE(in.string());
  EXPECT_EQ(in.port(), 0x60);
  // REP OUTSW to DX = 0x3F8: two bytes, out, string, rep.
  const IoQualification outs{0x03F80031};
  EXPECT_EQ(outs.size(), 2);
  EXPECT_FALSE(outs.in());
  EXPECT_TRUE(outs.string());
  EXPECT_TRUE(outs.rep());
  EXPECT_EQ(outs.port(), 0x3F8);
  // A write to a read-only page through a valid linear address (Table 28-7).
  const EptViolationQualification write{0x8A};
  EXPECT_TRUE(write.data_write());
  EXPECT_TRUE(write.readable());
  EXPECT_FALSE(write.writable());
  EXPECT_TRUE(write.guest_linear_address_valid());
  EXPECT_FALSE(write.translated_address_allowed_nothing());
  EXPECT_TRUE(EptViolationQualification{0x84}.translated_address_allowed_nothing());
  // A task switch through an IDT task gate to selector 0x28.
  const TaskSwitchQualification ts{0xC0000028};
  EXPECT_EQ(ts.tss_selector(), 0x28);
  EXPECT_EQ(ts.source(), TaskSwitchSource::TaskGateInIdt);
  // MOV RAX, DR6 (Table 28-4).
  const MovDrQualification dr{0x016};
  EXPECT_EQ(dr.debug_register(), 6);
  EXPECT_TRUE(dr.from_dr());
  EXPECT_EQ(dr.general_register(), 0);
}

TEST(CapabilityMsrs, DecodeBochsTigerlake) {
  const VmxBasic basic{0x01d8100000000004};
  EXPECT_EQ(basic.revision_identifier(), 4u);
  EXPECT_EQ(basic.vmcs_region_size(), 0x1000u);
  EXPECT_EQ(basic.vmcs_memory_type(), 6);  // write-back
  EXPECT_TRUE(basic.ins_outs_instruction_information());
  EXPECT_TRUE(basic.true_controls());
  EXPECT_TRUE(basic.no_error_code_consistency_check());
  const VmxMisc misc{0x00000000600401e0};
  EXPECT_EQ(misc.preemption_timer_rate(), 0u);
  EXPECT_TRUE(misc.stores_efer_lma());
  EXPECT_TRUE(misc.activity_state_supported(0));
  EXPECT_TRUE(misc.activity_state_supported(1));
  EXPECT_TRUE(misc.activity_state_supported(3));
  EXPECT_FALSE(misc.activity_state_supported(4));
  EXPECT_EQ(misc.cr3_target_count(), 4u);
  EXPECT_EQ(misc.max_msr_list_entries(), 512u);
  EXPECT_TRUE(misc.vmwrite_to_exit_information_fields());
  EXPECT_TRUE(misc.zero_length_instruction_injection());
  const EptVpidCap ept{0x00000f0106b34141};
  EXPECT_TRUE(ept.execute_only_translations());
  EXPECT_TRUE(ept.page_walk_length_4());
  EXPECT_TRUE(ept.write_back_paging_structures());
  EXPECT_TRUE(ept.pde_2mb_pages());
  EXPECT_TRUE(ept.pdpte_1gb_pages());
  EXPECT_TRUE(ept.invept_single_context());
  EXPECT_TRUE(ept.invvpid_single_context());
}

TEST(ExitQualifications, DecodeDescriptorTableInstructionInformation) {
  // LGDT [ebx + esi*4 + disp] in 32-bit code: scaling 2, address size 32,
  // operand size 32, segment DS (3), index ESI (6), base EBX (3), identity LGDT (2).
  const DescriptorTableInstructionInfo lgdt{2u | (1u << 7) | (1u << 11) | (3u << 15) | (6u << 18) | (3u << 23) | (2u << 28)};
  EXPECT_EQ(lgdt.scaling(), 2);
  EXPECT_EQ(lgdt.address_size_bytes(), 4u);
  EXPECT_EQ(lgdt.operand_size_bytes(), 4u);
  EXPECT_EQ(lgdt.segment_register(), 3);
  EXPECT_EQ(lgdt.index_register(), 6);
  EXPECT_FALSE(lgdt.index_invalid());
  EXPECT_EQ(lgdt.base_register(), 3);
  EXPECT_FALSE(lgdt.base_invalid());
  EXPECT_EQ(lgdt.instruction_identity(), 2);
  // LTR AX: register operand, register 0, identity LTR (3), no base or index.
  const DescriptorTableInstructionInfo ltr{(1u << 10) | (1u << 22) | (1u << 27) | (3u << 28)};
  EXPECT_TRUE(ltr.register_operand());
  EXPECT_EQ(ltr.register1(), 0);
  EXPECT_TRUE(ltr.index_invalid() && ltr.base_invalid());
  EXPECT_EQ(ltr.instruction_identity(), 3);
  // 64-bit code segment: type 11 (execute/read, accessed), S, P, L.
  const SegmentAccessRights cs{0xA09B};
  EXPECT_EQ(cs.type(), 11);
  EXPECT_TRUE(cs.code_or_data() && cs.present() && cs.long_mode() && cs.granularity());
  EXPECT_FALSE(cs.default_big() || cs.unusable());
}

TEST(MsrBitmap, PlacesLowAndHighMsrsInTheirQuarters) {
  constexpr MsrBitmapBit sysenter_cs = msr_bitmap_bit(0x174);
  static_assert(sysenter_cs.covered && sysenter_cs.byte == 0x2E && sysenter_cs.bit == 4);
  constexpr MsrBitmapBit efer = msr_bitmap_bit(0xC0000080);  // read-high quarter starts at 0x400
  static_assert(efer.covered && efer.byte == 0x410 && efer.bit == 0);
  EXPECT_FALSE(msr_bitmap_bit(0x2000).covered);
  EXPECT_FALSE(msr_bitmap_bit(0xC0002000).covered);
  EXPECT_FALSE(msr_bitmap_bit(0x40000000).covered);
  EXPECT_EQ(kMsrBitmapWriteOffset, 0x800u);
}

TEST(Registers, BitsSitWhereTheSdmPutsThem) {
  static_assert(cr0::PE == 1 && cr0::PG == 0x80000000 && cr0::NE == 0x20);
  static_assert(cr4::PAE == 0x20 && cr4::VMXE == 0x2000 && cr4::PCIDE == 0x20000 && cr4::OSXSAVE == 0x40000);
  static_assert(efer::LME == 0x100 && efer::LMA == 0x400);
  static_assert(rflags::IF == 0x200 && rflags::VM == 0x20000 && rflags::IOPL == 0x3000);
  SUCCEED();
}

}  // namespace
