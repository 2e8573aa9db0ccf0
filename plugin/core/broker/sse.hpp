#pragma once
// Server-sent events as OpenAI-style streams use them (protocol-inference.md §6): bytes arrive in
// arbitrary splits, events are `data:` lines (several lines join with '\n') ended by a blank
// line, lines end in LF, CRLF or CR, ':' starts a comment. The chat layer on top turns each
// `data:` payload into a JSON chunk, keeps the completion `id`, the text deltas and the final
// `usage`, and stops at `data: [DONE]`. Everything here is untrusted provider input: sizes are
// bounded and bad input is a ParseError, never a crash.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"
#include "common/error.hpp"

namespace zg::broker {

struct SseLimits {
  std::size_t max_line_bytes = 1u << 20;   // one line, without its terminator
  std::size_t max_event_bytes = 4u << 20;  // the joined data of one event
};

struct SseEvent {
  std::string type;  // the `event:` field; empty means "message"
  std::string data;  // the `data:` lines joined with '\n'
  std::string id;    // the last `id:` field seen in the stream
};

// The WHATWG event-stream parser, incremental. `retry:` and unknown fields are ignored.
class SseParser {
 public:
  using EventHandler = std::function<void(const SseEvent&)>;

  explicit SseParser(SseLimits limits = {}) : limits_(limits) {}

  // Parses `bytes` and calls `on_event` for every event completed by them. Throws ParseError when
  // a line or an event exceeds the limits; the parser is then unusable.
  void feed(std::string_view bytes, const EventHandler& on_event);
  // End of stream: an event still being collected (no blank line after it) is delivered too,
  // since some servers close the connection right after the last `data:` line.
  void finish(const EventHandler& on_event);

 private:
  void process_line(std::string_view line, const EventHandler& on_event);
  void dispatch(const EventHandler& on_event);
  void append_to_line(std::string_view bytes);

  SseLimits limits_;
  std::string line_;
  bool skip_next_lf_ = false;  // the previous chunk ended in CR: a following LF belongs to it
  bool at_stream_start_ = true;
  bool has_data_ = false;
  SseEvent event_;
};

// One parsed `data:` chunk of a chat completion stream.
struct ChatChunk {
  const nlohmann::json& json;   // the whole chunk object
  std::string_view content;     // choices[0].delta.content, empty when absent
};

// A chat completion stream: SSE plus the OpenAI chunk shape.
class ChatStreamParser {
 public:
  using ChunkHandler = std::function<void(const ChatChunk&)>;

  explicit ChatStreamParser(SseLimits limits = {}) : sse_(limits) {}

  // Throws ParseError for a chunk that is not a JSON object, a malformed `usage` or `id`, data after
  // [DONE], and ProviderStreamError for a chunk that carries an `error`.
  void feed(std::string_view bytes, const ChunkHandler& on_chunk);
  void finish(const ChunkHandler& on_chunk);

  bool done() const noexcept { return done_; }  // saw `data: [DONE]`
  const std::optional<std::string>& completion_id() const noexcept { return completion_id_; }
  const std::optional<TokenUsage>& usage() const noexcept { return usage_; }
  const std::string& content() const noexcept { return content_; }
  std::size_t chunk_count() const noexcept { return chunks_; }

 private:
  void on_event(const SseEvent& event, const ChunkHandler& on_chunk);

  SseParser sse_;
  bool done_ = false;
  std::optional<std::string> completion_id_;
  std::optional<TokenUsage> usage_;
  std::string content_;
  std::size_t chunks_ = 0;
};

// An `{"error": ...}` object inside a stream: the provider or the model gave up mid-answer.
class ProviderStreamError : public Error {
 public:
  using Error::Error;
};

// Shared with the non-streaming parser: the OpenAI `usage` object (prompt_tokens and
// completion_tokens, non-negative integers). nullopt for a missing or null `usage`.
std::optional<TokenUsage> parse_usage(const nlohmann::json& object);
// The completion `id` of a chunk or body: nullopt when missing; ParseError when not a string.
std::optional<std::string> parse_completion_id(const nlohmann::json& object);
// The text of an `error` member: a string, or the `message` of an object, else its JSON.
std::string describe_error_member(const nlohmann::json& error);

}  // namespace zg::broker
