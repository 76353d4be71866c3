#pragma once
// Reading a whole UTF-8 text file (GLUE TSV, a sentence-per-line corpus): a leading UTF-8
// byte-order mark (MRPC's files start with one) is dropped, and bytes that are not UTF-8 are an
// error, not silently tokenized as replacement characters.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace dcopt {

/// The bytes of `path` without a leading BOM. Throws DataError "cannot open <kind> file 'PATH':
/// reason" if it cannot be read, or "PATH:LINE:COLUMN: invalid UTF-8 ..." (1-based, column in
/// bytes, counted after the BOM) for a malformed byte sequence.
std::string read_text_file(const std::filesystem::path& path, std::string_view kind);

/// `text` without a leading UTF-8 byte-order mark (EF BB BF).
std::string_view strip_utf8_bom(std::string_view text);

/// Throws DataError "SOURCE:LINE:COLUMN: invalid UTF-8 ..." at the first byte of `text` that does
/// not start a well-formed UTF-8 sequence (overlong forms, surrogates and code points above
/// U+10FFFF are malformed).
void check_utf8(std::string_view text, std::string_view source);

}  // namespace dcopt
