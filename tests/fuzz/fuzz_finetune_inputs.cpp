// Fuzzes the fine-tuning client's parsers of provider and chain input: the training-params rules
// (run on user files but mirroring the broker), the Task JSON and task list, the customized model
// list, modelRootHash in its three forms, and archive entry names. The first byte picks the parser.
// Only zg::Error may escape; a crash or any other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "finetune/model_archive.hpp"
#include "finetune/model_root.hpp"
#include "finetune/provider_api.hpp"
#include "finetune/task.hpp"
#include "finetune/training_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    switch (data[0] % 5) {
      case 0:
        (void)zg::finetune::training_params_error(text);
        break;
      case 1: {
        const auto task = zg::finetune::parse_task(text);
        (void)zg::finetune::task_json(task).dump();
        (void)task.fee_amount();
        break;
      }
      case 2:
        (void)zg::finetune::parse_task_list(text);
        break;
      case 3:
        (void)zg::finetune::parse_model_list(text);
        break;
      default: {
        const auto parsed = zg::finetune::parse_model_root_hash(zg::as_bytes(text));
        (void)zg::finetune::match_model_root(zg::finetune::FileRoots{}, parsed);
        zg::finetune::check_entry_name(std::string(text));
        break;
      }
    }
  } catch (const zg::Error&) {
  }
  return 0;
}
