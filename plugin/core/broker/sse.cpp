#include "broker/sse.hpp"

#include <limits>

namespace zg::broker {
namespace {

using nlohmann::json;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kDone = "[DONE]";
constexpr std::size_t kMaxQuotedBytes = 200;

// A short, printable excerpt of untrusted text for an error message.
std::string excerpt(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxQuotedBytes)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kMaxQuotedBytes) out += "...";
  return out;
}

std::uint64_t token_count(const json& usage, const char* name) {
  const auto it = usage.find(name);
  if (it == usage.end() || it->is_null()) return 0;
  if (!it->is_number_unsigned()) {
    // is_number_unsigned is false for negative and fractional numbers and for non-numbers.
    throw ParseError(std::string("usage.") + name + " is not a non-negative whole number: " + excerpt(it->dump()));
  }
  return it->get<std::uint64_t>();
}

}  // namespace

void SseParser::append_to_line(std::string_view bytes) {
  if (line_.size() + bytes.size() > limits_.max_line_bytes) {
    throw ParseError("event stream line longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
  }
  line_.append(bytes);
}

void SseParser::feed(std::string_view bytes, const EventHandler& on_event) {
  while (!bytes.empty()) {
    if (skip_next_lf_) {
      skip_next_lf_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const auto end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      append_to_line(bytes);
      return;
    }
    append_to_line(bytes.substr(0, end));
    skip_next_lf_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    const std::string line = std::move(line_);
    line_.clear();
    process_line(line, on_event);
  }
}

void SseParser::finish(const EventHandler& on_event) {
  if (!line_.empty()) {
    const std::string line = std::move(line_);
    line_.clear();
    process_line(line, on_event);
  }
  dispatch(on_event);
}

void SseParser::process_line(std::string_view line, const EventHandler& on_event) {
  if (at_stream_start_) {
    at_stream_start_ = false;
    if (line.starts_with(kUtf8Bom)) line.remove_prefix(kUtf8Bom.size());
  }
  if (line.empty()) return dispatch(on_event);
  if (line.front() == ':') return;  // comment (keep-alive)
  const auto colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);

  if (field == "data") {
    const std::size_t separator = has_data_ ? 1 : 0;
    if (event_.data.size() + separator + value.size() > limits_.max_event_bytes) {
      throw ParseError("event stream event larger than " + std::to_string(limits_.max_event_bytes) + " bytes");
    }
    if (has_data_) event_.data += '\n';
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.type.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) event_.id.assign(value);
  }
}

void SseParser::dispatch(const EventHandler& on_event) {
  if (has_data_) on_event(event_);
  // The id persists across events (last event id); type and data do not.
  event_.type.clear();
  event_.data.clear();
  has_data_ = false;
}

std::optional<TokenUsage> parse_usage(const json& object) {
  const auto it = object.find("usage");
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) throw ParseError("usage is not an object: " + excerpt(it->dump()));
  return TokenUsage{token_count(*it, "prompt_tokens"), token_count(*it, "completion_tokens")};
}

std::optional<std::string> parse_completion_id(const json& object) {
  const auto it = object.find("id");
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ParseError("completion id is not a string: " + excerpt(it->dump()));
  return it->get<std::string>();
}

std::string describe_error_member(const json& error) {
  if (error.is_string()) return excerpt(error.get<std::string>());
  if (error.is_object()) {
    const auto message = error.find("message");
    if (message != error.end() && message->is_string()) return excerpt(message->get<std::string>());
  }
  return excerpt(error.dump());
}

void ChatStreamParser::feed(std::string_view bytes, const ChunkHandler& on_chunk) {
  sse_.feed(bytes, [&](const SseEvent& event) { on_event(event, on_chunk); });
}

void ChatStreamParser::finish(const ChunkHandler& on_chunk) {
  sse_.finish([&](const SseEvent& event) { on_event(event, on_chunk); });
}

void ChatStreamParser::on_event(const SseEvent& event, const ChunkHandler& on_chunk) {
  if (done_) throw ParseError("stream continues after data: [DONE]: " + excerpt(event.data));
  if (event.data == kDone) {
    done_ = true;
    return;
  }
  const json chunk = json::parse(event.data, nullptr, false);
  if (chunk.is_discarded() || !chunk.is_object()) {
    throw ParseError("stream chunk is not a JSON object: " + excerpt(event.data));
  }
  if (const auto error = chunk.find("error"); error != chunk.end() && !error->is_null()) {
    throw ProviderStreamError("the provider reported an error in the stream: " + describe_error_member(*error));
  }
  if (auto id = parse_completion_id(chunk); id && !completion_id_) completion_id_ = std::move(id);
  if (auto usage = parse_usage(chunk)) usage_ = usage;

  std::string_view delta;
  const auto choices = chunk.find("choices");
  if (choices != chunk.end() && choices->is_array() && !choices->empty() && choices->front().is_object()) {
    const auto& first = choices->front();
    const auto d = first.find("delta");
    if (d != first.end() && d->is_object()) {
      const auto text = d->find("content");
      if (text != d->end() && text->is_string()) delta = text->get_ref<const std::string&>();
    }
  }
  content_.append(delta);
  ++chunks_;
  on_chunk(ChatChunk{chunk, delta});
}

}  // namespace zg::broker
