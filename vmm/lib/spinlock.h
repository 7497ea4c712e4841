// A test-and-set spinlock with interrupts left as they are (the hypervisor
// runs with interrupts off in root operation).
#pragma once
#include <stdint.h>

namespace lib {
class Spinlock {
 public:
  void lock() {
    while (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE))
      while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) asm volatile("pause");
  }
  bool try_lock() { return !__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE); }
  void unlock() { __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE); }

 private:
  uint32_t locked_ = 0;
};

class SpinlockGuard {
 public:
  explicit SpinlockGuard(Spinlock& l) : lock_(l) { lock_.lock(); }
  ~SpinlockGuard() { lock_.unlock(); }
  SpinlockGuard(const SpinlockGuard&) = delete;
  SpinlockGuard& operator=(const SpinlockGuard&) = delete;

 private:
  Spinlock& lock_;
};
}  // namespace lib
