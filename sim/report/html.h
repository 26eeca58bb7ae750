// Small pieces for self-contained HTML reports: text escaped for HTML, bytes as base64 (an image
// embedded in the page as a data URI), so one file carries everything.
#pragma once

#include <string>

namespace backroll {

std::string html_escape(const std::string& text);
std::string base64(const std::string& bytes);

}  // namespace backroll
