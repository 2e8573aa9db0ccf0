// zg: the command-line interface (placeholder until the CLI framework lands).
#include <iostream>
int main() {
  std::cout << "zg\n";
  return 0;
}
