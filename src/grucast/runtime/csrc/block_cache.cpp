// A CPU allocator that keeps large freed blocks and hands them out again for
// requests of the same size (or up to half smaller), installed only while a model
// trains.
//
// A training step allocates and frees the same large activation buffers, in the
// same sizes, every step. Left to glibc, they are either returned to the kernel on
// free and page-faulted back in on the next step (blocks over the mmap threshold:
// on a virtual machine that can cost more than the arithmetic), or, with the
// thresholds raised, carved out of one heap that the small allocations of each
// step fragment until it is about twice the live set. Reusing whole blocks by
// size does neither: after the first step, the blocks cached are the step's own
// buffers and nothing is faulted in again.

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/extension.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

// Blocks below this size are allocated and freed at once, never cached.
constexpr std::size_t kMinBlock = 1 << 20;

class BlockCache final : public c10::Allocator {
 public:
  // Every block comes from c10::alloc_cpu and goes back through give_back, as with
  // torch's default CPU allocator, so that raw_allocate / raw_deallocate (oneDNN uses
  // them) and blocks allocated before or after the cache was installed all match.
  c10::DataPtr allocate(std::size_t bytes) override {
    if (bytes < kMinBlock) {
      void* small = c10::alloc_cpu(bytes);
      if (small != nullptr) {
        // A large block freed through another allocator's deleter may have left its
        // address here; it now belongs to this small block.
        std::lock_guard<std::mutex> lock(mutex_);
        sizes_.erase(small);
      }
      return {small, small, &BlockCache::give_back, c10::Device(c10::DeviceType::CPU)};
    }
    void* data = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // The smallest cached block that holds the request, if it is less than twice
      // its size: the last, shorter batch of an epoch then reuses the full batches'
      // blocks instead of caching a second set beside them.
      std::size_t size = bytes;
      auto found = free_.lower_bound(bytes);
      if (found != free_.end() && found->first < 2 * bytes) {
        size = found->first;
        data = found->second.back();
        found->second.pop_back();
        if (found->second.empty()) free_.erase(found);
        cached_bytes_ -= size;
      }
      if (data == nullptr) data = c10::alloc_cpu(bytes);
      sizes_[data] = size;
    }
    return {data, data, &BlockCache::give_back, c10::Device(c10::DeviceType::CPU)};
  }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

  c10::DeleterFnPtr raw_deleter() const override { return &BlockCache::give_back; }

  // Tensors allocated while the cache was installed may be freed after it is
  // removed; their blocks then go back to the system at once.
  static void give_back(void* data) { instance().release_block(data); }

  // Never destroyed: tensors may still be freed while the process shuts down.
  static BlockCache& instance() {
    static BlockCache* cache = new BlockCache();
    return *cache;
  }

  bool install() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (installed_) return false;
    base_ = c10::GetCPUAllocator();
    c10::SetCPUAllocator(this, /*priority=*/kPriority);
    installed_ = true;
    return true;
  }

  // Restores the previous allocator and frees every cached block.
  std::size_t uninstall() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!installed_) return 0;
    c10::SetCPUAllocator(base_, /*priority=*/kPriority);
    installed_ = false;
    return release_cached();
  }

  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }

  // Whether torch's CPU allocator is this cache right now.
  bool active() { return c10::GetCPUAllocator() == this; }

 private:
  // Above the default CPU allocator's registration, so that installing wins, and
  // the same value restores the previous one.
  static constexpr uint8_t kPriority = 1;

  // Frees every cached block; the caller holds the lock.
  std::size_t release_cached() {
    const std::size_t released = cached_bytes_;
    for (auto& entry : free_) {
      for (void* data : entry.second) c10::free_cpu(data);
    }
    free_.clear();
    cached_bytes_ = 0;
    return released;
  }

  void release_block(void* data) {
    if (data == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = sizes_.find(data);
    if (found == sizes_.end()) {  // a small block, or one from another allocator
      c10::free_cpu(data);
      return;
    }
    const std::size_t bytes = found->second;
    sizes_.erase(found);
    if (installed_) {
      free_[bytes].push_back(data);
      cached_bytes_ += bytes;
    } else {
      c10::free_cpu(data);
    }
  }

  std::mutex mutex_;
  c10::Allocator* base_ = nullptr;
  bool installed_ = false;
  std::map<std::size_t, std::vector<void*>> free_;  // by block size
  std::unordered_map<void*, std::size_t> sizes_;
  std::size_t cached_bytes_ = 0;
};

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("install", [] { return BlockCache::instance().install(); },
        "Make the cache torch's CPU allocator; False if it already is");
  m.def("uninstall", [] { return static_cast<int64_t>(BlockCache::instance().uninstall()); },
        "Restore the previous CPU allocator; frees the cached blocks and returns their bytes");
  m.def("cached_bytes", [] { return static_cast<int64_t>(BlockCache::instance().cached_bytes()); },
        "Bytes held in freed blocks for reuse");
  m.def("active", [] { return BlockCache::instance().active(); },
        "Whether torch's CPU allocator is the cache now");
}
