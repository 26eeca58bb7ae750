// Writing result files all-or-nothing: the text goes to a temporary file beside the target,
// which is renamed over it only once complete. An interrupted run leaves no half-written file.
#pragma once

#include <string>

namespace backroll {

// Writes `text` to `path` atomically; creates missing parent folders. Throws std::runtime_error
// naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& text);

// Makes the output folder `dir` (named by `what`, "--out results") and checks that a file can be
// written in it, before any work that would be lost: throws ConfigError naming it and the reason.
void ensure_output_dir(const std::string& dir, const std::string& what);

}  // namespace backroll
