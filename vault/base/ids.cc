#include "vault/base/ids.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

#include "vault/base/hex.h"
#include "vault/base/status.h"

namespace vault {

static void Fill(unsigned char* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      VAULT_CHECK(false && "getrandom failed");
    }
    got += static_cast<size_t>(r);
  }
}

std::string NewUuid() {
  unsigned char b[16];
  Fill(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string h = HexEncode(b, sizeof(b));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string RandomHex(size_t bytes) {
  std::string b(bytes, '\0');
  Fill(reinterpret_cast<unsigned char*>(b.data()), bytes);
  return HexEncode(b);
}

}  // namespace vault
