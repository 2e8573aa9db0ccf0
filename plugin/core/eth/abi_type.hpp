#pragma once
// The Solidity ABI type model: elementary types, arrays and tuples with named components, parsed
// from human-readable type strings such as "(address provider,string url,uint256[] prices)[]".
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zg::eth {

enum class AbiKind { kUint, kInt, kAddress, kBool, kFixedBytes, kBytes, kString, kArray, kFixedArray, kTuple };

struct AbiParam;

class AbiType {
 public:
  // Limits that keep hostile or mistaken signatures from driving recursion or sizes without bound.
  static constexpr unsigned kMaxDepth = 32;
  static constexpr std::size_t kMaxFixedArrayLength = 65536;
  static constexpr std::size_t kMaxHeadSize = std::size_t{1} << 20;

  // One type, e.g. "uint256", "bytes32[]", "(address user,(uint256 index,bool processed)[] refunds)".
  // "uint"/"int" mean uint256/int256 and "tuple(...)" is accepted for "(...)". Throws ParseError.
  static AbiType parse(std::string_view text);

  static AbiType uint(unsigned bits = 256);
  static AbiType int_(unsigned bits = 256);
  static AbiType address();
  static AbiType boolean();
  static AbiType fixed_bytes(std::size_t size);
  static AbiType bytes();
  static AbiType string();
  static AbiType array(AbiType element);
  static AbiType fixed_array(AbiType element, std::size_t length);
  static AbiType tuple(std::vector<AbiParam> components);

  AbiKind kind() const noexcept { return kind_; }
  unsigned bits() const noexcept { return bits_; }          // uintN / intN
  std::size_t length() const noexcept { return length_; }   // bytesN: N; T[k]: k
  const AbiType& element() const;                           // T[] and T[k]; Error otherwise
  const std::vector<AbiParam>& components() const;          // tuples; Error otherwise
  // Component names of a tuple, shared with the values decoded from it ("" for unnamed ones).
  const std::shared_ptr<const std::vector<std::string>>& component_names() const noexcept { return names_; }

  bool is_dynamic() const noexcept { return dynamic_; }
  // Bytes this type takes in the head of its enclosing tuple: 32 when dynamic, its full size otherwise.
  std::size_t head_size() const noexcept { return head_size_; }
  unsigned depth() const noexcept { return depth_; }  // 1 for elementary types
  // The canonical form used in signatures: "(address,uint256[])[2]" (no names).
  std::string canonical() const;

 private:
  explicit AbiType(AbiKind kind) noexcept : kind_(kind) {}
  void finish();  // computes dynamic_, head_size_, depth_ and checks the limits

  AbiKind kind_;
  unsigned bits_ = 0;
  std::size_t length_ = 0;
  std::shared_ptr<const AbiType> element_;
  std::shared_ptr<const std::vector<AbiParam>> components_;
  std::shared_ptr<const std::vector<std::string>> names_;
  bool dynamic_ = false;
  std::size_t head_size_ = 32;
  unsigned depth_ = 1;
};

// A named member of a parameter list or tuple. `indexed` only means something for event inputs.
struct AbiParam {
  std::string name;
  AbiType type;
  bool indexed = false;
};

// A parenthesised parameter list of a signature: "(address user, uint256 amount)" -> 2 params.
// With `allow_indexed`, the event keyword "indexed" may follow a type. Throws ParseError.
std::vector<AbiParam> parse_abi_params(std::string_view text, bool allow_indexed = false);

}  // namespace zg::eth
