// `configgen inspect --svg FILE`: the memory map of inspect_map.h as a
// standalone SVG document, drawn from the same rows as the text.
#include <cstdio>
#include <set>
#include <string_view>

#include "commands/inspect_map.h"
#include "commands/xml_text.h"

namespace configgen::commands {
namespace {

constexpr int kAxisWidth = 118;    // the boundary addresses on the left
constexpr int kColumnWidth = 330;  // one guest
constexpr int kColumnGap = 24;
constexpr int kTop = 56;           // title and guest names above the rows
constexpr int kMinHeight = 18;     // a 4 KiB interval: one line of text
constexpr int kStepHeight = 10;    // each further factor of 4

std::string text_at(int x, int y, const std::string& text, const char* extra = "") {
  return "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\"" + extra + ">" + xml_text(text) + "</text>";
}

}  // namespace

std::string map_svg(const MemoryMap& map) {
  // The scale is piecewise: the boundaries of every guest's rows cut the
  // space into intervals, and each interval is as tall as the log of its
  // size (scale_steps()). A linear scale over the 48-bit space would leave a
  // 4 KiB page a billionth of a pixel beside the unmapped tail; a log scale
  // per row keeps the page one text line tall and a 1 GiB region only a few
  // times taller. Sharing the intervals lines the columns up by address.
  std::set<uint64_t> cuts;  // interval starts, plus the end of the space
  for (const GuestMap& g : map.guests)
    for (const MapRow& row : g.rows) cuts.insert(row.first), cuts.insert(row.last + 1);
  std::vector<uint64_t> bounds(cuts.begin(), cuts.end());
  std::vector<int> y{kTop};  // y[i]: where bounds[i] is drawn
  for (size_t i = 0; i + 1 < bounds.size(); ++i)
    y.push_back(y.back() + kMinHeight + kStepHeight * (scale_steps(bounds[i + 1] - bounds[i]) - 1));
  auto y_of = [&](uint64_t a) {
    for (size_t i = 0; i < bounds.size(); ++i)
      if (bounds[i] == a) return y[i];
    return y.back();  // every row edge is a bound; not reached
  };
  const int width = kAxisWidth + int(map.guests.size()) * (kColumnWidth + kColumnGap);
  const int height = y.back() + 12;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<!-- Guest-physical memory maps, written by configgen inspect (its svg option; XML comments cannot hold two hyphens). The vertical scale is piecewise logarithmic: every\n"
         "     interval between two region or gap boundaries (of any guest) is 18 px tall for 4 KiB plus 10 px per factor\n"
         "     of 4 above, so a 4 KiB page stays readable beside a 1 GiB region and the unmapped top of the 48-bit space,\n"
         "     and the guests' columns line up by address. -->\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
         "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\" font-family=\"monospace\" font-size=\"10\">\n";
  out += "<title>" + xml_text("appliance " + map.appliance + ": guest-physical memory") + "</title>\n";
  out += text_at(4, 16, "appliance " + map.appliance + ": guest-physical memory, " + large_pages_text(map),
                 " font-size=\"12\" font-weight=\"bold\"") + "\n";
  out += "<g class=\"axis\">\n";
  for (size_t i = 0; i < bounds.size(); ++i) {
    const std::string yy = std::to_string(y[i]);
    out += "<line x1=\"" + std::to_string(kAxisWidth - 6) + "\" y1=\"" + yy + "\" x2=\"" + std::to_string(width) + "\" y2=\"" + yy +
           "\" stroke=\"#dddddd\"/>";
    // The end of the space is 2^48, one past the last address: print the last.
    out += text_at(4, y[i] + (i + 1 < bounds.size() ? 10 : 0), address_text(i + 1 < bounds.size() ? bounds[i] : bounds[i] - 1)) + "\n";
  }
  out += "</g>\n";
  for (size_t gi = 0; gi < map.guests.size(); ++gi) {
    const GuestMap& g = map.guests[gi];
    const int x = kAxisWidth + int(gi) * (kColumnWidth + kColumnGap);
    out += "<g class=\"guest\" id=\"guest-" + std::to_string(gi) + "\">\n";
    out += text_at(x, kTop - 20, "guest " + g.name, " font-size=\"12\" font-weight=\"bold\"") + "\n";
    if (!g.note.empty()) out += text_at(x, kTop - 6, g.note) + "\n";
    for (const MapRow& row : g.rows) {
      const int top = y_of(row.first), h = y_of(row.last + 1) - top;
      const std::string range = address_text(row.first) + "-" + address_text(row.last);
      const std::string access =
          row.mapped ? permissions_text(row.permissions) + " " + row.memory_type + " " + page_sizes_text(row.pages) : std::string("no access");
      out += "<g>";
      out += "<title>" + xml_text(range + " (" + human_size(row.size()) + ") " + row.kind + " " + access +
                                  (row.detail.empty() ? "" : ": " + row.detail)) + "</title>";
      out += "<rect class=\"" + std::string(row.region ? "region" : "gap") + "\" x=\"" + std::to_string(x) + "\" y=\"" +
             std::to_string(top) + "\" width=\"" + std::to_string(kColumnWidth) + "\" height=\"" + std::to_string(h) + "\" fill=\"" +
             style_of(row).fill + "\" stroke=\"#555555\" stroke-width=\"0.5\"/>";
      // As many lines as the rectangle holds: what it is and how it is mapped, then why, then where.
      out += text_at(x + 4, top + 12, row.kind + "  " + human_size(row.size()) + (row.mapped ? "  " + access : ""));
      const std::string second = row.detail.empty() ? range : row.detail;
      if (h >= 30) out += text_at(x + 4, top + 24, second);
      if (h >= 42 && second != range) out += text_at(x + 4, top + 36, range);
      out += "</g>\n";
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace configgen::commands
