#include "dcopt/data/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "dcopt/core/error.hpp"

namespace dcopt {
namespace {

// Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), 0 if malformed.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string_view strip_utf8_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

void check_utf8(std::string_view text, std::string_view source) {
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  const unsigned char* line_start = begin;
  std::size_t line = 1;
  for (const unsigned char* p = begin; p < end;) {
    if (*p == '\n') {
      ++line;
      line_start = ++p;
      continue;
    }
    const std::size_t len = utf8_sequence(p, end);
    if (len == 0) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned>(*p));
      throw DataError(std::string(source) + ":" + std::to_string(line) + ":" +
                      std::to_string(p - line_start + 1) + ": invalid UTF-8 (byte " + byte +
                      "); expected UTF-8 text (convert the file, e.g. with iconv)");
    }
    p += len;
  }
}

std::string read_text_file(const std::filesystem::path& path, std::string_view kind) {
  const std::string where = path.string();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(where.c_str(), "rb"), &std::fclose);
  if (!f) {
    throw DataError("cannot open " + std::string(kind) + " file '" + where +
                    "': " + std::strerror(errno));
  }
  std::string text;
  char buf[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f.get())) > 0) text.append(buf, got);
  if (std::ferror(f.get())) {
    throw DataError("error reading " + std::string(kind) + " file '" + where +
                    "': " + std::strerror(errno));
  }
  if (strip_utf8_bom(text).size() != text.size()) text.erase(0, 3);
  check_utf8(text, where);
  return text;
}

}  // namespace dcopt
