// Text for XML (the SVG map, JUnit reports): one escaping for every XML
// document configgen writes.
#pragma once
#include <string>
#include <string_view>

namespace configgen::commands {

// Text as XML character data or an attribute value: the five markup
// characters as entities, and anything XML 1.0 cannot carry (a byte that is
// not UTF-8, a control character other than tab and line ends) as U+FFFD.
std::string xml_text(std::string_view s);

}  // namespace configgen::commands
