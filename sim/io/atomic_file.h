// Writing result files all-or-nothing: the text goes to a temporary file beside the target,
// which is renamed over it only once complete. An interrupted run leaves no half-written file.
#pragma once

#include <string>

namespace backroll {

// Writes `text` to `path` atomically; creates missing parent folders. Throws std::runtime_error
// naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace backroll
