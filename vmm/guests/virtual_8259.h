// The legacy interrupt controllers of devices.pic: a master and a slave
// 8259A (Intel 8259A datasheet; book 7.3.3) wholly in software, cascaded on
// the master's IR2 as on every PC. The guest programs them with ICW1-ICW4
// and OCW1-OCW3 through ports 20H/21H and A0H/A1H; inputs are edges (the
// edge-triggered mode PCs use; LTIM is kept but not acted on). What is
// modelled: IRR, ISR and IMR, vector bases, fully nested priority with
// rotation (OCW2 rotate and set-priority), non-specific and specific EOI,
// automatic EOI, special mask mode, the poll command, and reads of IRR or
// ISR (OCW3). Not modelled: special fully nested mode, buffered mode, the
// 8080/8085 call format (ICW4 bit 0 clear), spurious IR7 (no input ever
// falls before acknowledge). Plain logic (vmm/host_logic.cmake): host-tested.
#pragma once
#include <stdint.h>

namespace guests {

inline constexpr uint16_t kPicMasterCommand = 0x20, kPicMasterData = 0x21, kPicSlaveCommand = 0xA0, kPicSlaveData = 0xA1;
inline constexpr uint8_t kPicCascadeInput = 2;  // the slave's INT drives the master's IR2

// The ICW1 and ICW4 bits this model reads (8259A datasheet, "Initialization
// command words").
namespace icw1 {
inline constexpr uint8_t IC4 = 1u << 0, SNGL = 1u << 1, LTIM = 1u << 3, INIT = 1u << 4;
}
namespace icw4 {
inline constexpr uint8_t MICROPROCESSOR_8086 = 1u << 0, AEOI = 1u << 1;
}

struct I8259Chip {
  uint8_t irr, isr, imr;
  uint8_t vector_base;     // ICW2 bits 7:3
  uint8_t icw1, icw3, icw4;
  uint8_t init_step;       // 0: ready; 2, 3, 4: the next data byte is that ICW
  uint8_t lowest_priority; // the IR with the lowest priority (7 after ICW1; rotation moves it)
  bool read_isr;           // OCW3 RR/RIS: command-port reads give ISR, else IRR
  bool special_mask;       // OCW3 SMM: masked ISR bits do not hold lower requests back
  bool poll;               // OCW3 P: the next command-port read is the poll word
  bool rotate_on_auto_eoi; // OCW2 R with automatic EOI
};

struct Virtual8259 {
  I8259Chip chip[2];  // 0 master, 1 slave
};

// The state a PC BIOS leaves (vector bases 08H and 70H, every input masked
// but the cascade): a kernel that never programs the pair gets nothing.
void pic_reset(Virtual8259& p);

// An edge on IRQ `irq` (0-15; 8-15 are the slave's IR0-7): sets its IRR bit.
void pic_raise(Virtual8259& p, uint8_t irq);

// Whether a request on master input `irq` would raise INT now: unmasked,
// and no level of the same or higher priority in service (fully nested
// mode; special mask mode counts only unmasked levels).
bool pic_input_can_interrupt(const Virtual8259& p, uint8_t irq);

// The vector the pair would present on INTA now, or -1 when INT is low
// (nothing requested, masked, or held back by a higher-priority ISR bit).
int pic_pending_vector(const Virtual8259& p);

// INTA: the vector (IRR to ISR, or cleared with automatic EOI), -1 when INT
// is low. The slave answers for the master's cascade input.
int pic_acknowledge(Virtual8259& p);

// One byte through ports 20H, 21H, A0H, A1H; false for any other port.
bool pic_io(Virtual8259& p, uint16_t port, bool in, uint8_t& value);

}  // namespace guests
