#include <cstdio>
int main() {
  std::puts("dcopt " DCOPT_VERSION);
  return 0;
}
