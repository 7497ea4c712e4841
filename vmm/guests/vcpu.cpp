#include "guests/vcpu.h"

#include "blob/vocabulary.h"

namespace guests {

const char* outcome_word(Outcome o) {
  const char* w = blob::word_of(blob::kOutcomes, uint32_t(o));
  return w ? w : "unknown";
}

uint64_t guest_to_host(const Vcpu& v, uint64_t gpa, uint64_t length) {
  const memory::EptTranslation t = v.ept.translate(gpa);
  if (!t.present || !length) return 0;
  const uint64_t page_end = (gpa & ~(t.page_size - 1)) + t.page_size;
  if (gpa + length > page_end) return 0;
  return t.host_physical;
}

}  // namespace guests
