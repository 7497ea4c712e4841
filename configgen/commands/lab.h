// `configgen lab report`: a lab's verdicts from its machines' serial logs
// (netboot/report.h), as text, JSON and JUnit XML. Registered into the
// configgen CLI by commands/main.cpp.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

#include "netboot/report.h"

namespace configgen::commands {

void register_lab_commands(CLI::App& app, int& status);

// The formats, for tests: a table of machines, one JSON object, JUnit XML
// with one testsuite per machine and one testcase per check.
std::string lab_report_text(const netboot::LabReport& r);
std::string lab_report_json(const netboot::LabReport& r);
std::string lab_report_junit(const netboot::LabReport& r, const std::string& lab_name);

}  // namespace configgen::commands
